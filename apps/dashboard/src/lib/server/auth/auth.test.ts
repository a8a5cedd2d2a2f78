import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { seedOrganizations } from '../../../../test/support.js';
import { hashPassword, PBKDF2_ITERATIONS, verifyPassword } from './password.js';
import { createSession, resolveSession, SESSION_TTL_MS, switchOrganization } from './sessions';
import { cookieIsSecure, safeRedirectTarget } from './guard';

describe('passwords', () => {
  it('hashes with a random salt and verifies only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(new RegExp(`^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$[A-Za-z0-9+/=]{24}\\$[A-Za-z0-9+/=]{44}$`));
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('never accepts a malformed or weakened stored hash', async () => {
    const good = await hashPassword('pw');
    const [, , salt, hash] = good.split('$');
    for (const stored of [
      '',
      'plain',
      `sha1$1$${salt}$${hash}`,
      `pbkdf2-sha256$0$${salt}$${hash}`,
      `pbkdf2-sha256$1$${salt}$${hash}`,
      `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${salt}$`,
    ]) {
      expect(await verifyPassword('pw', stored), stored).toBe(false);
    }
  });
});

const users = { admin: 'user-test-admin', root: 'user-test-root' };

beforeAll(async () => {
  await seedOrganizations();
  const hash = await hashPassword('pw');
  await env.ADMIN_DB.batch([
    env.ADMIN_DB.prepare(
      "INSERT INTO users VALUES (?, 'a@acme.test', 'A', 'org-acme', 'admin', ?, 0) ON CONFLICT DO NOTHING",
    ).bind(users.admin, hash),
    env.ADMIN_DB.prepare(
      "INSERT INTO users VALUES (?, 'r@acme.test', 'R', 'org-acme', 'superadmin', ?, 0) ON CONFLICT DO NOTHING",
    ).bind(users.root, hash),
  ]);
});

describe('sessions', () => {
  it('resolves a fresh session, not an expired or unknown one', async () => {
    const now = TEST_NOW.getTime();
    const { token } = await createSession(env.ADMIN_DB, { id: users.admin, organizationId: 'org-acme' }, now);
    expect(await resolveSession(env.ADMIN_DB, token, now)).toMatchObject({
      user: { email: 'a@acme.test', role: 'admin' },
      organization: { id: 'org-acme', name: 'Acme' },
    });
    expect(await resolveSession(env.ADMIN_DB, token, now + SESSION_TTL_MS + 1)).toBeNull();
    expect(await resolveSession(env.ADMIN_DB, `${token}x`, now)).toBeNull();
    const stored = await env.ADMIN_DB.prepare('SELECT count(*) AS n FROM sessions WHERE token_hash = ?')
      .bind(token)
      .first<{ n: number }>();
    expect(stored?.n).toBe(0); // only a hash of the token is stored
  });

  it('lets only a superadmin switch organisation, and only to one that exists', async () => {
    const now = TEST_NOW.getTime();
    const admin = await createSession(env.ADMIN_DB, { id: users.admin, organizationId: 'org-acme' }, now);
    const adminSession = (await resolveSession(env.ADMIN_DB, admin.token, now))!;
    expect(await switchOrganization(env.ADMIN_DB, adminSession, 'org-globex')).toBe(false);
    const root = await createSession(env.ADMIN_DB, { id: users.root, organizationId: 'org-acme' }, now);
    const rootSession = (await resolveSession(env.ADMIN_DB, root.token, now))!;
    expect(await switchOrganization(env.ADMIN_DB, rootSession, 'org-nope')).toBe(false);
    expect(await switchOrganization(env.ADMIN_DB, rootSession, 'org-globex')).toBe(true);
    expect((await resolveSession(env.ADMIN_DB, root.token, now))?.organization?.id).toBe('org-globex');
  });

  it("refuses an admin's session that points at another organisation", async () => {
    const now = TEST_NOW.getTime();
    const { token } = await createSession(env.ADMIN_DB, { id: users.admin, organizationId: 'org-globex' }, now);
    expect(await resolveSession(env.ADMIN_DB, token, now)).toBeNull();
  });
});

describe('redirects and cookies', () => {
  const origin = 'https://dash.example.com';

  it('only redirects to paths of this app', () => {
    expect(safeRedirectTarget('/emails/overview?x=1', origin)).toBe('/emails/overview?x=1');
    for (const evil of ['https://evil.example/', '//evil.example/', '/\\evil.example', null, ''])
      expect(safeRedirectTarget(evil, origin)).toBe('/emails');
  });

  it("refuses the WHATWG URL parser's tricks that lead to another host", () => {
    const refused = [
      '/\t/evil.example', // the parser removes tabs and newlines: //evil.example
      '/\n/evil.example',
      '/\r\n/evil.example',
      '\t//evil.example',
      '/\u0000/evil.example',
      '/\\/evil.example', // a backslash is a slash in http(s) URLs
      '\\\\evil.example',
      '/.//evil.example', // dot segments normalise to //evil.example
      '/..//evil.example',
      '/%2e%2e//evil.example', // %2e is a dot segment too
      '/emails/../..//evil.example',
      ' //evil.example', // leading spaces are stripped by the parser
      'https://dash.example.com/emails', // an absolute URL, even of this origin, is not a path
      'https:evil.example',
      'javascript:alert(1)',
      'evil.example',
    ];
    for (const value of refused) expect(safeRedirectTarget(value, origin), JSON.stringify(value)).toBe('/emails');
  });

  it('keeps encoded forms as the same-origin paths they are, serialised as the browser will resolve them', () => {
    const kept: Array<[string, string]> = [
      ['/%2F/evil.example', '/%2F/evil.example'], // %2F stays in the path: https://dash.example.com/%2F/evil.example
      ['/%09/evil.example', '/%09/evil.example'],
      ['/%5C/evil.example', '/%5C/evil.example'],
      ['/%2e/emails', '/emails'],
      ['/emails?next=//evil.example#//evil.example', '/emails?next=//evil.example#//evil.example'],
      ['/é?q=ü', '/%C3%A9?q=%C3%BC'], // always ASCII, so a Location header can carry it
      ['/a b', '/a%20b'],
    ];
    for (const [value, target] of kept) {
      expect(safeRedirectTarget(value, origin), JSON.stringify(value)).toBe(target);
      expect(new URL(target, origin).origin).toBe(origin);
    }
  });

  it('marks cookies Secure except on plain-http loopback', () => {
    expect(cookieIsSecure(new URL('https://dash.example.com/'))).toBe(true);
    expect(cookieIsSecure(new URL('http://dash.example.com/'))).toBe(true);
    expect(cookieIsSecure(new URL('http://127.0.0.1:8787/'))).toBe(false);
  });
});
