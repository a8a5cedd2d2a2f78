/** True when `error` is an AWS SDK service exception of one of these names. */
export function isAwsError(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

/**
 * An AWS error as one line, with what to do for the usual causes: missing credentials, missing
 * permissions, a wrong region.
 */
export function describeAwsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const text = `${error.name}: ${error.message}`;
  if (
    error.name === 'CredentialsProviderError' ||
    /credential is missing|could not load credentials/i.test(error.message)
  ) {
    return `${text} (configure AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE / --profile, or pass credentials)`;
  }
  if (
    ['AccessDenied', 'AccessDeniedException', 'AuthorizationError', 'AuthorizationErrorException'].includes(error.name)
  ) {
    return `${text} (the credentials lack a permission this step needs: see the IAM permissions in docs/guides/send.md)`;
  }
  if (['InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch'].includes(error.name)) {
    return `${text} (the AWS credentials are not valid: check the access key and secret)`;
  }
  return text;
}

/** The URL with its password (a webhook's Basic credential) replaced by `****`, for reports and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '****';
    return parsed.href;
  } catch {
    return url;
  }
}

/**
 * Whether two webhook URLs are the same endpoint. The password is left out of the comparison,
 * since a listing of subscriptions need not echo a Basic credential back as given.
 */
export function sameEndpoint(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    x.password = '';
    y.password = '';
    return x.href === y.href;
  } catch {
    return a === b;
  }
}
