import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { newWebhookSecret, signWebhook } from './signing.js';

/** The receiver's side: the published `standardwebhooks` verifier, as a customer runs it. */
function verify(secret: string, body: string, headers: Headers): unknown {
  return new Webhook(secret).verify(body, Object.fromEntries(headers));
}

const seconds = Math.floor(TEST_NOW.getTime() / 1000);
const content = { id: 'abc-123', timestamp: seconds, body: JSON.stringify({ type: 'email.delivered', data: {} }) };

describe('signWebhook (Standard Webhooks)', () => {
  it('makes secrets of whsec_ and 32 random bytes, never twice the same', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newWebhookSecret()).not.toBe(a);
  });

  it('signs so that the standardwebhooks package verifies, and says which id and time', async () => {
    const secret = newWebhookSecret();
    const headers = await signWebhook(content, [secret]);
    expect(headers.get('webhook-id')).toBe('abc-123');
    expect(headers.get('webhook-timestamp')).toBe(String(seconds));
    expect(headers.get('webhook-signature')).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    // The verifier checks the timestamp against its own clock: sign at the real time here.
    const now = { ...content, timestamp: Math.floor(Date.now() / 1000) };
    expect(verify(secret, now.body, await signWebhook(now, [secret]))).toEqual(JSON.parse(content.body));
  });

  it('fails verification when the body, the id, the time or the secret differ', async () => {
    const secret = newWebhookSecret();
    const now = { ...content, timestamp: Math.floor(Date.now() / 1000) };
    const headers = await signWebhook(now, [secret]);
    expect(() => verify(secret, now.body.replace('delivered', 'bounced'), headers)).toThrow(WebhookVerificationError);
    expect(() => verify(newWebhookSecret(), now.body, headers)).toThrow(WebhookVerificationError);
    const otherId = new Headers(headers);
    otherId.set('webhook-id', 'abc-124');
    expect(() => verify(secret, now.body, otherId)).toThrow(WebhookVerificationError);
    const otherTime = new Headers(headers);
    otherTime.set('webhook-timestamp', String(now.timestamp - 1));
    expect(() => verify(secret, now.body, otherTime)).toThrow(WebhookVerificationError);
  });

  it('signs with every secret during a rotation: a receiver with either one verifies', async () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const now = { ...content, timestamp: Math.floor(Date.now() / 1000) };
    const headers = await signWebhook(now, [current, previous]);
    expect(headers.get('webhook-signature')!.split(' ')).toHaveLength(2);
    expect(verify(current, now.body, headers)).toBeTruthy();
    expect(verify(previous, now.body, headers)).toBeTruthy();
  });
});
