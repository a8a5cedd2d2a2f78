import type { AlertWebhookBody } from './notice-message';

/** How long the alert webhook has to answer. */
export const ALERT_WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * POSTs one alert to the webhook: JSON, no redirects followed (a 3xx is a failure, so the body
 * never goes to a host that was not configured), at most {@link ALERT_WEBHOOK_TIMEOUT_MS}.
 * Resolves to null when the webhook answered 2xx, else to the reason.
 * @see https://developers.cloudflare.com/workers/runtime-apis/fetch/
 */
export async function postAlert(
  url: string,
  body: AlertWebhookBody,
  fetcher: typeof fetch = fetch,
): Promise<string | null> {
  try {
    const response = await fetcher(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(ALERT_WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? null : `the alert webhook answered HTTP ${response.status}`;
  } catch (error) {
    return `the alert webhook could not be reached: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
}
