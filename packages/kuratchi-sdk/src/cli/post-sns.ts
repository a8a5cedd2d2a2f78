/** What one POST to the webhook came to: an HTTP status, or a network error. */
export type PostOutcome = { status: number } | { error: string };

/** Options of {@link postSnsMessage}. */
export interface PostOptions {
  /** Give up after this long (SNS itself waits 15 s). */
  timeoutMs: number;
  /** Extra headers, e.g. `Authorization`. */
  headers?: Record<string, string>;
}

/**
 * POSTs one SNS message body the way Amazon SNS does: `text/plain; charset=UTF-8`, with the
 * `x-amz-sns-message-type`, `x-amz-sns-message-id` and `x-amz-sns-topic-arn` headers. A Basic
 * credential in the URL (`https://user:password@host/…`) is sent as an `Authorization` header.
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-header.html
 */
export async function postSnsMessage(url: URL, body: string, options: PostOptions): Promise<PostOutcome> {
  const target = new URL(url);
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=UTF-8',
    'user-agent': 'Amazon Simple Notification Service Agent',
    ...snsHeaders(body),
    ...options.headers,
  };
  if (target.username || target.password) {
    const credential = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`;
    headers.authorization = `Basic ${Buffer.from(credential).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  try {
    const response = await fetch(target, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await response.body?.cancel();
    return { status: response.status };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error)) };
  }
}

function snsHeaders(body: string): Record<string, string> {
  try {
    const message = JSON.parse(body) as Record<string, unknown>;
    const headers: Record<string, string> = {};
    if (typeof message.Type === 'string') headers['x-amz-sns-message-type'] = message.Type;
    if (typeof message.MessageId === 'string') headers['x-amz-sns-message-id'] = message.MessageId;
    if (typeof message.TopicArn === 'string') headers['x-amz-sns-topic-arn'] = message.TopicArn;
    return headers;
  } catch {
    return {};
  }
}

/** `200`, `403` or `error` for the summary. */
export function outcomeKey(outcome: PostOutcome): string {
  return 'status' in outcome ? String(outcome.status) : 'error';
}
