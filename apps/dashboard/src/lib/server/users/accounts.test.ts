import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { seedOrganizations } from '../../../../test/support.js';
import { hashPassword } from '../auth/password.js';
import { createSession, resolveSession } from '../auth/sessions';
import { createUser, listUsers, removeUser, resetPassword, type UserChange } from './accounts';
import { UserError } from './errors';
import { inspectPasswordLink, PASSWORD_LINK_TTL_MS, setPasswordWithLink } from './password-links';

// Time is an input: every change and check takes `now`, derived from the pinned instant.
const now = TEST_NOW.getTime();
const db = env.ADMIN_DB;
const ORIGIN = 'https://dash.example.com';
const byOps: UserChange = { db, actor: { kind: 'ops-token' }, now, origin: ORIGIN };
const unique = (what: string) => `${what}-${crypto.randomUUID()}@acme.test`;
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

/** Row counts of every table a user change writes (to prove a refusal wrote nothing). */
async function footprint() {
  const count = async (table: string) =>
    (await db.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
  return { users: await count('users'), links: await count('password_links'), sessions: await count('sessions') };
}

async function refusal(run: Promise<unknown>): Promise<UserError> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

beforeAll(seedOrganizations);

describe('createUser', () => {
  it('creates an admin without a password and a link whose token is stored only as a hash', async () => {
    const email = unique('new-admin');
    const { user, link } = await createUser(byOps, {
      email: ` ${email.toUpperCase()} `,
      role: 'admin',
      organizationId: 'org-acme',
    });
    expect(user).toMatchObject({
      email,
      role: 'admin',
      organizationId: 'org-acme',
      status: 'invited',
      name: email.split('@')[0],
    });
    expect(user.pendingLink).toEqual({ purpose: 'invitation', expiresAt: now + PASSWORD_LINK_TTL_MS });
    expect(link.url).toMatch(/^https:\/\/dash\.example\.com\/auth\/set-password\?token=[A-Za-z0-9_-]{43}$/);
    expect(link).toMatchObject({ purpose: 'invitation', expiresAt: now + PASSWORD_LINK_TTL_MS });
    const token = tokenOf(link.url);
    const stored = await db
      .prepare('SELECT token_hash AS tokenHash, created_by AS createdBy FROM password_links WHERE user_id = ?')
      .bind(user.id)
      .all<{ tokenHash: string; createdBy: string }>();
    expect(stored.results).toHaveLength(1);
    expect(stored.results[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.results[0]!.tokenHash).not.toContain(token);
    expect(stored.results[0]!.createdBy).toBe('ops-token');
    expect(await inspectPasswordLink(db, token, now)).toMatchObject({ state: 'valid', user: { email } });
  });

  it('creates a superadmin who belongs to no organisation', async () => {
    const email = unique('root');
    const { user } = await createUser(byOps, { email, role: 'superadmin' });
    expect(user).toMatchObject({ role: 'superadmin', organizationId: null, status: 'invited' });
  });

  it('refuses bad input, an unknown organisation and a taken address, writing nothing', async () => {
    const taken = unique('taken');
    await createUser(byOps, { email: taken, role: 'admin', organizationId: 'org-acme' });
    const before = await footprint();
    const cases: Array<[unknown, string, RegExp]> = [
      [
        { email: 'not-an-address', role: 'admin', organizationId: 'org-acme' },
        'invalid-request',
        /email: must be an email address/,
      ],
      [{ email: unique('x'), role: 'admin' }, 'invalid-request', /organizationId: is required for an admin/],
      [
        { email: unique('x'), role: 'owner', organizationId: 'org-acme' },
        'invalid-request',
        /role: must be admin or superadmin/,
      ],
      [{ email: unique('x'), role: 'admin', organizationId: 'org-acme', password: 'x' }, 'invalid-request', /password/],
      [
        { email: unique('x'), role: 'admin', organizationId: 'org-nope' },
        'organization-not-found',
        /no organisation org-nope/,
      ],
      [{ email: taken.toUpperCase(), role: 'superadmin' }, 'user-exists', /already exists/],
    ];
    for (const [input, code, message] of cases) {
      const error = await refusal(createUser(byOps, input));
      expect([code, error.code], JSON.stringify(input)).toEqual([code, code]);
      expect(error.message).toMatch(message);
    }
    expect(await footprint()).toEqual(before);
  });

  it('lists users with their status, one organisation at a time', async () => {
    const email = unique('listed');
    await createUser(byOps, { email, role: 'admin', organizationId: 'org-globex' });
    const globex = await listUsers(db, now, { organizationId: 'org-globex' });
    expect(globex.map((u) => u.organizationId)).toEqual(globex.map(() => 'org-globex'));
    expect(globex.find((u) => u.email === email)).toMatchObject({
      status: 'invited',
      pendingLink: { purpose: 'invitation' },
    });
    // Once the link has expired it is no longer pending; the user still has no password.
    const later = await listUsers(db, now + PASSWORD_LINK_TTL_MS, { organizationId: 'org-globex' });
    expect(later.find((u) => u.email === email)).toMatchObject({ status: 'invited', pendingLink: null });
  });
});

describe('set-password links', () => {
  it('works once, before it expires; refuses forged, used, expired and replaced links', async () => {
    const { user, link } = await createUser(byOps, {
      email: unique('once'),
      role: 'admin',
      organizationId: 'org-acme',
    });
    const token = tokenOf(link.url);
    const hash = await hashPassword('a long enough first password');
    expect(await setPasswordWithLink(db, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, hash, now)).toBe(
      'unknown',
    );
    expect(await setPasswordWithLink(db, token, hash, now + PASSWORD_LINK_TTL_MS)).toBe('expired');
    expect(await inspectPasswordLink(db, token, now + PASSWORD_LINK_TTL_MS - 1)).toMatchObject({ state: 'valid' });
    expect(await setPasswordWithLink(db, token, hash, now + 1000)).toBe('set');
    expect(await setPasswordWithLink(db, token, hash, now + 2000)).toBe('used');
    expect(await inspectPasswordLink(db, token, now + 2000)).toEqual({ state: 'used' });
    const row = await db
      .prepare('SELECT password_hash AS h FROM users WHERE id = ?')
      .bind(user.id)
      .first<{ h: string }>();
    expect(row!.h).toBe(hash);

    // A newer link replaces an unused one.
    const first = await resetPassword(byOps, { email: user.email });
    const second = await resetPassword(byOps, { email: user.email });
    expect(await inspectPasswordLink(db, tokenOf(first.link.url), now)).toEqual({ state: 'unknown' });
    expect(await inspectPasswordLink(db, tokenOf(second.link.url), now)).toMatchObject({ state: 'valid' });
  });

  it('lets exactly one of two concurrent uses set the password', async () => {
    const { user, link } = await createUser(byOps, {
      email: unique('race'),
      role: 'admin',
      organizationId: 'org-acme',
    });
    const token = tokenOf(link.url);
    const [a, b] = [await hashPassword('the first concurrent one'), await hashPassword('the second concurrent one')];
    const outcomes = await Promise.all([
      setPasswordWithLink(db, token, a, now),
      setPasswordWithLink(db, token, b, now),
    ]);
    expect(outcomes.sort()).toEqual(['set', 'used']);
    const row = await db
      .prepare('SELECT password_hash AS h FROM users WHERE id = ?')
      .bind(user.id)
      .first<{ h: string }>();
    expect([a, b]).toContain(row!.h);
  });

  it('ends the sessions of its user when it sets a password', async () => {
    const { user, link } = await createUser(byOps, {
      email: unique('ends'),
      role: 'admin',
      organizationId: 'org-acme',
    });
    const session = await createSession(db, { id: user.id, organizationId: 'org-acme' }, now);
    expect(await resolveSession(db, session.token, now)).not.toBeNull();
    expect(await setPasswordWithLink(db, tokenOf(link.url), await hashPassword('x'.repeat(20)), now)).toBe('set');
    expect(await resolveSession(db, session.token, now)).toBeNull();
  });
});

describe('resetPassword and removeUser', () => {
  it('a reset clears the password, ends every session and issues a new link', async () => {
    const { user, link } = await createUser(byOps, {
      email: unique('reset'),
      role: 'admin',
      organizationId: 'org-acme',
    });
    await setPasswordWithLink(db, tokenOf(link.url), await hashPassword('old password, long enough'), now);
    const session = await createSession(db, { id: user.id, organizationId: 'org-acme' }, now);
    const byRoot: UserChange = { ...byOps, actor: { kind: 'superadmin', userId: 'user-root', email: 'root@x.test' } };
    const reset = await resetPassword(byRoot, { email: user.email.toUpperCase() });
    expect(reset.user).toMatchObject({ status: 'invited', pendingLink: { purpose: 'reset' } });
    expect(reset.link.purpose).toBe('reset');
    expect(await resolveSession(db, session.token, now)).toBeNull();
    const row = await db
      .prepare('SELECT password_hash AS h FROM users WHERE id = ?')
      .bind(user.id)
      .first<{ h: string | null }>();
    expect(row!.h).toBeNull();
    const by = await db
      .prepare('SELECT created_by AS by FROM password_links WHERE user_id = ? AND used_at IS NULL')
      .bind(user.id)
      .first<{ by: string }>();
    expect(by!.by).toBe('root@x.test');
  });

  it("removes a user with their sessions and links; refuses unknown users and one's own account", async () => {
    const { user } = await createUser(byOps, { email: unique('gone'), role: 'admin', organizationId: 'org-acme' });
    const session = await createSession(db, { id: user.id, organizationId: 'org-acme' }, now);
    const self: UserChange = { ...byOps, actor: { kind: 'superadmin', userId: user.id, email: user.email } };
    expect((await refusal(removeUser(self, { email: user.email }))).code).toBe('own-account');
    expect((await refusal(removeUser(byOps, { email: unique('nobody') }))).code).toBe('user-not-found');
    expect((await refusal(removeUser(byOps, { email: 'nope' }))).code).toBe('invalid-request');
    expect((await refusal(resetPassword(byOps, { email: unique('nobody') }))).code).toBe('user-not-found');

    expect(await removeUser(byOps, { email: user.email })).toMatchObject({ id: user.id });
    expect(await resolveSession(db, session.token, now)).toBeNull();
    for (const table of ['users WHERE id = ?', 'sessions WHERE user_id = ?', 'password_links WHERE user_id = ?']) {
      const left = await db.prepare(`SELECT count(*) AS n FROM ${table}`).bind(user.id).first<{ n: number }>();
      expect([table, left!.n]).toEqual([table, 0]);
    }
  });
});
