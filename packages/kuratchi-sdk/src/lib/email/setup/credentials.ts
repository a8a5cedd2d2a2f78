/**
 * How setup, status and teardown take AWS credentials: nested (`credentials`, any form the AWS SDK
 * takes) or flat (`accessKeyId`, `secretAccessKey`, `sessionToken`, as the seed's call passes
 * them), never two different sets at once. No message here ever holds a key or a secret.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html
 * @see https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/migrate-credential-providers.html
 */
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import { z } from 'zod';

/** Static credentials given flat, beside the other options. */
export interface FlatCredentials {
  /** Access key id of static credentials; goes with `secretAccessKey`. */
  accessKeyId?: string;
  /** Its secret access key. */
  secretAccessKey?: string;
  /** A session token, for temporary credentials (with `accessKeyId` and `secretAccessKey`). */
  sessionToken?: string;
}

/** The credentials an AWS SDK client takes: static ones, or a provider. */
export type ClientCredentials = SNSClientConfig['credentials'];

/** The schema fields of {@link FlatCredentials}. */
export const flatCredentialFields = {
  accessKeyId: z.string().min(1, 'must not be empty').optional(),
  secretAccessKey: z.string().min(1, 'must not be empty').optional(),
  sessionToken: z.string().min(1, 'must not be empty').optional(),
};

interface CredentialInput extends FlatCredentials {
  credentials?: unknown;
}

/**
 * The problems of the credentials as given, each with the option to fix: half a key pair, a
 * session token without its keys, or flat keys beside different (or uncomparable) `credentials`.
 */
export function credentialIssues(input: CredentialInput): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const { accessKeyId, secretAccessKey, sessionToken, credentials } = input;
  if (accessKeyId !== undefined && secretAccessKey === undefined)
    issues.push({ path: 'secretAccessKey', message: 'is required with accessKeyId' });
  if (secretAccessKey !== undefined && accessKeyId === undefined)
    issues.push({ path: 'accessKeyId', message: 'is required with secretAccessKey' });
  if (sessionToken !== undefined && accessKeyId === undefined)
    issues.push({ path: 'sessionToken', message: 'goes with accessKeyId and secretAccessKey' });
  if (accessKeyId === undefined || credentials === undefined) return issues;
  if (typeof credentials === 'function') {
    issues.push({
      path: 'credentials',
      message: 'is a credential provider and accessKeyId/secretAccessKey are given too: give the credentials one way',
    });
  } else if (!sameCredentials(credentials, { accessKeyId, secretAccessKey, sessionToken })) {
    issues.push({
      path: 'credentials',
      message:
        'differs from accessKeyId/secretAccessKey/sessionToken: give the credentials one way (flat, or as credentials), not two different sets',
    });
  }
  return issues;
}

/** The credentials the clients get: `credentials`, else the flat ones, else none (the SDK's default chain). */
export function clientCredentials(input: FlatCredentials & { credentials?: ClientCredentials }): ClientCredentials {
  if (input.credentials) return input.credentials;
  if (input.accessKeyId === undefined || input.secretAccessKey === undefined) return undefined;
  return {
    accessKeyId: input.accessKeyId,
    secretAccessKey: input.secretAccessKey,
    ...(input.sessionToken !== undefined ? { sessionToken: input.sessionToken } : {}),
  };
}

function sameCredentials(nested: unknown, flat: FlatCredentials): boolean {
  if (typeof nested !== 'object' || nested === null) return false;
  const given = nested as FlatCredentials;
  return (
    given.accessKeyId === flat.accessKeyId &&
    given.secretAccessKey === flat.secretAccessKey &&
    given.sessionToken === flat.sessionToken
  );
}
