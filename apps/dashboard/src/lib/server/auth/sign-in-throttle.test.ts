import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { signInClient, UNKNOWN_CLIENT } from './sign-in-client';
import {
  reserveSignInAttempt,
  settleSuccessfulSignIn,
  SIGN_IN_THROTTLE,
  signInThrottleKeys,
  throttleDelayMs,
} from './sign-in-throttle';

// Time is an input: every time below is derived from this one pinned instant.
const now = TEST_NOW.getTime(); // test/clock.ts: moved by the time-shift check
const db = env.ADMIN_DB;
const { pair, client } = SIGN_IN_THROTTLE;

/** Fresh keys (the D1 database is shared with the other tests). */
const keysFor = (address = `${crypto.randomUUID()}@x.test`, from = `client-${crypto.randomUUID()}`) =>
  signInThrottleKeys(address, from);

async function row(key: string) {
  return db
    .prepare('SELECT failures, last_attempt_at AS lastAttemptAt FROM sign_in_throttle WHERE key = ?')
    .bind(key)
    .first<{ failures: number; lastAttemptAt: number }>();
}

describe('sign-in throttle (pinned now)', () => {
  it(`grants ${pair.freeAttempts} attempts per address and client, then waits 1, 2, 4, 8 and at most 15 minutes`, async () => {
    const keys = keysFor();
    for (let i = 0; i < pair.freeAttempts; i++)
      expect(await reserveSignInAttempt(db, keys, now)).toEqual({ granted: true });
    let t = now;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const refused = await reserveSignInAttempt(db, keys, t);
      expect(refused.granted).toBe(false);
      const wait = (refused as { retryAfterMs: number }).retryAfterMs;
      waits.push(wait);
      // One millisecond early is still refused; on time is granted (Retry-After tells the truth).
      expect((await reserveSignInAttempt(db, keys, t + wait - 1)).granted).toBe(false);
      expect(await reserveSignInAttempt(db, keys, t + wait)).toEqual({ granted: true });
      t += wait;
    }
    expect(waits).toEqual([1, 2, 4, 8, 15, 15].map((minutes) => minutes * 60_000));
  });

  it('counts a refused attempt against neither key', async () => {
    const keys = keysFor();
    for (let i = 0; i < pair.freeAttempts; i++) await reserveSignInAttempt(db, keys, now);
    for (let i = 0; i < 3; i++) expect((await reserveSignInAttempt(db, keys, now + 1000)).granted).toBe(false);
    expect(await row(keys.pair)).toEqual({ failures: pair.freeAttempts, lastAttemptAt: now });
    expect(await row(keys.client)).toEqual({ failures: pair.freeAttempts, lastAttemptAt: now });
  });

  it(`grants one client ${client.freeAttempts} attempts across addresses, then makes it wait; other clients are not affected`, async () => {
    const from = `client-${crypto.randomUUID()}`;
    for (let i = 0; i < client.freeAttempts; i++)
      expect((await reserveSignInAttempt(db, keysFor(undefined, from), now)).granted).toBe(true);
    expect(await reserveSignInAttempt(db, keysFor(undefined, from), now)).toEqual({
      granted: false,
      retryAfterMs: client.firstDelayMs,
    });
    expect((await reserveSignInAttempt(db, keysFor(undefined, from), now + client.firstDelayMs)).granted).toBe(true);
    expect((await reserveSignInAttempt(db, keysFor(), now)).granted).toBe(true);
  });

  it('a success clears the pair and gives the client its attempt back', async () => {
    const keys = keysFor();
    for (let i = 0; i < pair.freeAttempts; i++) await reserveSignInAttempt(db, keys, now); // the last one is the right password
    await settleSuccessfulSignIn(db, keys);
    expect(await row(keys.pair)).toBeNull();
    expect(await row(keys.client)).toEqual({ failures: pair.freeAttempts - 1, lastAttemptAt: now });
    for (let i = 0; i < pair.freeAttempts; i++) expect((await reserveSignInAttempt(db, keys, now)).granted).toBe(true);
  });

  it('forgets a key idle for its memory (and keeps counting until then)', async () => {
    const keys = keysFor();
    for (let i = 0; i < pair.freeAttempts + 1; i++) await reserveSignInAttempt(db, keys, now + i * pair.maxDelayMs);
    expect((await reserveSignInAttempt(db, keys, now + pair.freeAttempts * pair.maxDelayMs + 1000)).granted).toBe(
      false,
    );
    const later = now + pair.freeAttempts * pair.maxDelayMs + SIGN_IN_THROTTLE.memoryMs + 1;
    for (let i = 0; i < pair.freeAttempts; i++)
      expect((await reserveSignInAttempt(db, keys, later)).granted).toBe(true);
    expect((await reserveSignInAttempt(db, keys, later)).granted).toBe(false);
  });

  it('the delay function doubles from the first delay up to the cap', () => {
    expect([4, 5, 6, 7, 8, 9, 10, 60].map((n) => throttleDelayMs(pair, n))).toEqual([
      0, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000,
    ]);
  });
});

describe('the client of a sign-in', () => {
  it('is the IPv4 address, the /64 network of an IPv6 one, or one shared unknown client', () => {
    expect(signInClient('198.51.100.7')).toBe('198.51.100.7');
    expect(signInClient('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(signInClient('2001:DB8:1:2::ffff')).toBe('2001:db8:1:2::/64');
    expect(signInClient('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(signInClient('::ffff:198.51.100.7')).toBe('198.51.100.7');
    for (const absent of [
      null,
      undefined,
      '',
      'not an address',
      '256.1.1.1',
      '01.2.3.4',
      'fe80::1%eth0',
      '2001:db8::1::2',
    ]) {
      expect(signInClient(absent), String(absent)).toBe(UNKNOWN_CLIENT);
    }
  });
});
