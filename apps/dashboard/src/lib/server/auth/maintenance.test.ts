import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { seedOrganizations } from '../../../../test/support.js';
import { addUser } from '../../../../test/forms.js';
import { purgeExpiredAuthRows } from './maintenance';
import { createSession, resolveSession, SESSION_TTL_MS } from './sessions';
import { reserveSignInAttempt, SIGN_IN_THROTTLE, signInThrottleKeys } from './sign-in-throttle';
import { createUser } from '../users/accounts';
import { inspectPasswordLink, PASSWORD_LINK_TTL_MS } from '../users/password-links';

// Time is an input: the purge's `now` and every fixture time derive from this pinned instant,
// years before anything the other tests write with the real clock.
const now = TEST_NOW.getTime(); // test/clock.ts: moved by the time-shift check
const db = env.ADMIN_DB;
let userId: string;

beforeAll(async () => {
  await seedOrganizations();
  userId = await addUser(`purge-${crypto.randomUUID()}@acme.test`, 'pw');
  await purgeExpiredAuthRows(db, now); // whatever an earlier run left at these times
});

const exists = async (table: string, column: string, value: string) =>
  (await db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).bind(value).first<{ n: number }>())?.n ===
  1;

describe('purgeExpiredAuthRows (pinned now)', () => {
  it('deletes expired sessions, idle throttle rows and old links, and nothing still in use', async () => {
    const user = { id: userId, organizationId: 'org-acme' };
    const expired = await createSession(db, user, now - SESSION_TTL_MS); // expires exactly at now
    const live = await createSession(db, user, now - SESSION_TTL_MS + 1);
    const idle = signInThrottleKeys(`idle-${crypto.randomUUID()}@x.test`, `client-${crypto.randomUUID()}`);
    const recent = signInThrottleKeys(`recent-${crypto.randomUUID()}@x.test`, `client-${crypto.randomUUID()}`);
    await reserveSignInAttempt(db, idle, now - SIGN_IN_THROTTLE.memoryMs); // forgotten exactly at now
    await reserveSignInAttempt(db, recent, now - SIGN_IN_THROTTLE.memoryMs + 1);

    expect(await resolveSession(db, expired.token, now)).toBeNull();
    expect(await resolveSession(db, live.token, now)).not.toBeNull();
    // Links are kept a lifetime past their expiry (they answer "expired" meanwhile), then purged.
    const link = async (issuedAt: number) => {
      const change = { db, actor: { kind: 'ops-token' as const }, now: issuedAt, origin: 'https://dash.example.com' };
      const { link } = await createUser(change, { email: `link-${crypto.randomUUID()}@acme.test`, role: 'superadmin' });
      return new URL(link.url).searchParams.get('token')!;
    };
    const purged = await link(now - 2 * PASSWORD_LINK_TTL_MS); // purged exactly at now
    const kept = await link(now - 2 * PASSWORD_LINK_TTL_MS + 1);
    expect(await inspectPasswordLink(db, kept, now)).toEqual({ state: 'expired' });

    expect(await purgeExpiredAuthRows(db, now)).toEqual({ sessions: 1, signInAttempts: 2, passwordLinks: 1 });
    expect(await inspectPasswordLink(db, purged, now)).toEqual({ state: 'unknown' });
    expect(await inspectPasswordLink(db, kept, now)).toEqual({ state: 'expired' });

    expect(await resolveSession(db, live.token, now)).not.toBeNull();
    const sessions = await db
      .prepare('SELECT expires_at AS expiresAt FROM sessions WHERE user_id = ?')
      .bind(userId)
      .all<{ expiresAt: number }>();
    expect(sessions.results).toEqual([{ expiresAt: now + 1 }]);
    expect(await exists('sign_in_throttle', 'key', idle.pair)).toBe(false);
    expect(await exists('sign_in_throttle', 'key', idle.client)).toBe(false);
    expect(await exists('sign_in_throttle', 'key', recent.pair)).toBe(true);
    expect(await exists('sign_in_throttle', 'key', recent.client)).toBe(true);
    expect(await purgeExpiredAuthRows(db, now)).toEqual({ sessions: 0, signInAttempts: 0, passwordLinks: 0 });
  });
});
