import { signWebhook } from './signing.js';

/**
 * How long an attempt waits for the endpoint's answer: 15 s, as SNS waits for ours.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export const WEBHOOK_ATTEMPT_TIMEOUT_MS = 15_000;

/**
 * One attempt's result: `delivered` (a 2xx answer), `gone` (410: the receiver asks us to stop; the
 * endpoint is disabled), `failed` (anything else: another status, a redirect, which is never
 * followed, a timeout, a refused connection).
 */
export interface WebhookAttempt {
  readonly outcome: 'delivered' | 'failed' | 'gone';
  /** The answer's HTTP status, or null when there was none. */
  readonly status: number | null;
  readonly latencyMs: number;
  /** Why there was no answer (timeout, connection refused). */
  readonly error?: string;
}

/** What an attempt needs: where, the signing secrets, and the delivery's id and body. */
export interface WebhookAttemptInput {
  readonly url: string;
  /** Current secret first (during a rotation the previous one too). */
  readonly secrets: readonly string[];
  readonly webhookId: string;
  readonly body: string;
}

/**
 * POSTs one delivery, signed per Standard Webhooks with the attempt's own time. A redirect is
 * not followed (`redirect: 'manual'`: workerd refuses `'error'`): the endpoint registered is the
 * only one that receives the organisation's events.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 * @see https://developers.cloudflare.com/workers/runtime-apis/fetch/
 */
export async function attemptWebhook(
  input: WebhookAttemptInput,
  options: { fetch?: typeof fetch; now?: () => Date; timeoutMs?: number } = {},
): Promise<WebhookAttempt> {
  const now = () => (options.now ? options.now().getTime() : Date.now());
  const started = now();
  const headers = await signWebhook(
    { id: input.webhookId, timestamp: Math.floor(started / 1000), body: input.body },
    input.secrets,
  );
  try {
    const response = await (options.fetch ?? fetch)(input.url, {
      method: 'POST',
      headers,
      body: input.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? WEBHOOK_ATTEMPT_TIMEOUT_MS),
    });
    await response.body?.cancel();
    const outcome =
      response.status === 410 ? 'gone' : response.status >= 200 && response.status < 300 ? 'delivered' : 'failed';
    return { outcome, status: response.status, latencyMs: now() - started };
  } catch (error) {
    return { outcome: 'failed', status: null, latencyMs: now() - started, error: String(error) };
  }
}
