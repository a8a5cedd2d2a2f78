import { UsageError } from './usage-error.js';

/** Hosts a plain http:// URL may name when it carries a secret: this machine only (the demo, tests). */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Refuses to send a secret (the operations token, a webhook's Basic credential) over plain http://
 * to another machine, where anyone on the path reads it: https:// is required, http:// only for a
 * loopback host. Checked before any request is made.
 * @param flag the flag the URL came from (`--dashboard-url`), for the message.
 * @param secret what would be sent, in words (`KURATCHI_OPS_TOKEN`).
 * @throws {UsageError} naming the flag, the host and what to do.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-5.3 (bearer tokens: always TLS)
 * @see https://www.rfc-editor.org/rfc/rfc7617#section-4 (Basic: cleartext unless TLS)
 */
export function assertSecretTransport(url: URL, flag: string, secret: string): void {
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))) return;
  throw new UsageError(
    `${flag} is ${url.protocol}// on ${url.hostname}: ${secret} would cross the network in clear text; use https:// (http:// only for a loopback host such as 127.0.0.1)`,
  );
}

/**
 * {@link assertSecretTransport} for a webhook URL that carries a Basic credential
 * (`https://user:password@host/…`, sent as an `Authorization` header); a URL without one carries
 * no secret (the SNS message proves itself by its signature).
 * @throws {UsageError} as {@link assertSecretTransport}.
 */
export function assertWebhookCredentialTransport(url: URL): void {
  if (url.username || url.password) assertSecretTransport(url, '--webhook-url', "the webhook's Basic credential");
}
