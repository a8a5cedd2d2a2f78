import { base64ToBytes, bytesToBase64, utf8 } from '../shared/encoding.js';

/** The prefix of a Standard Webhooks signing secret; base64 of the key's bytes follows. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/**
 * A new signing secret: `whsec_` + base64 of 32 random bytes (the specification asks for 24 to
 * 64), from the Workers runtime's CSPRNG.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + bytesToBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/** One delivery's identity, time and body: what the signature covers. */
export interface WebhookSignedContent {
  /** `webhook-id`: the event's content identity, the same on every attempt and replay. */
  readonly id: string;
  /** `webhook-timestamp`: the attempt's time, in whole seconds since the epoch. */
  readonly timestamp: number;
  /** The exact JSON body sent. */
  readonly body: string;
}

/**
 * The Standard Webhooks headers of one attempt: `webhook-id`, `webhook-timestamp` and
 * `webhook-signature`, which is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for each secret,
 * space-separated (during a rotation, the new secret's and the previous one's, so a receiver that
 * knows either verifies).
 * @param secrets `whsec_…` secrets, the current one first.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export async function signWebhook(content: WebhookSignedContent, secrets: readonly string[]): Promise<Headers> {
  const signed = utf8(`${content.id}.${content.timestamp}.${content.body}`);
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const key = await crypto.subtle.importKey(
        'raw',
        base64ToBytes(secret.slice(WEBHOOK_SECRET_PREFIX.length)),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      return `v1,${bytesToBase64(new Uint8Array(await crypto.subtle.sign('HMAC', key, signed)))}`;
    }),
  );
  return new Headers({
    'content-type': 'application/json',
    'webhook-id': content.id,
    'webhook-timestamp': String(content.timestamp),
    'webhook-signature': signatures.join(' '),
  });
}
