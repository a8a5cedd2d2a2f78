import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedOrganizations } from '../../../../test/support.js';
import { getPage, postForm, signInCookie } from '../../../../test/forms.js';
import { createUser, resetPassword, type UserChange } from '../../../lib/server/users/accounts';
import { PASSWORD_LINK_TTL_MS } from '../../../lib/server/users/password-links';

// The set-password page of the built Worker, as the holder of a one-time link uses it. Route
// tests run on the Worker's real clock: links are issued at one Date.now() read per test (an
// expired one, a lifetime before it).
const GOOD = 'a kettle of fish and chips';
let n = 0;
const client = () => `192.0.2.${++n}`; // a fresh client for every use (the throttle counts per client)

async function invite(issuedAt = Date.now()) {
  const change: UserChange = {
    db: env.ADMIN_DB,
    actor: { kind: 'ops-token' },
    now: issuedAt,
    origin: 'http://127.0.0.1',
  };
  const email = `invited-${crypto.randomUUID()}@acme.test`;
  const { link } = await createUser(change, {
    email,
    role: 'admin',
    organizationId: 'org-acme',
    name: 'Milton Waddams',
  });
  return { email, path: `/auth/set-password${new URL(link.url).search}`, change };
}

const submit = (path: string, password: string, confirm = password, clientAddress = client()) =>
  postForm(path, { password, confirm }, { clientAddress });

const passwordHash = async (email: string) =>
  (
    await env.ADMIN_DB.prepare('SELECT password_hash AS h FROM users WHERE email = ?')
      .bind(email)
      .first<{ h: string | null }>()
  )?.h;

beforeAll(seedOrganizations);

describe('/auth/set-password', () => {
  it('shows whose account a valid link is for, never lets the page be cached or its URL leak', async () => {
    const { email, path } = await invite();
    const page = await getPage(path);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain(email);
  });

  it('sets the password once; the user signs in with it; the link is used up', async () => {
    const { email, path } = await invite();
    const done = await submit(path, GOOD);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/auth/signin?passwordSet=1');
    expect(await signInCookie(email, GOOD)).toMatch(/^kuratchi_session=/);
    const again = await submit(path, 'another kettle of fish');
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('This link was already used');
    expect(await (await getPage(path)).text()).toContain('This link was already used');
  });

  it('refuses bad entries and weak passwords with a clear message, writing nothing', async () => {
    const { email, path } = await invite();
    const cases: Array<[string, string, RegExp]> = [
      ['', '', /Enter the new password twice/],
      [GOOD, `${GOOD}!`, /The two entries of the new password differ/],
      ['short but sweet', 'short but swee', /differ/],
      ['fourteen chars', 'fourteen chars', /too short: use at least 15 characters/],
      ['1qaz2wsx3edc4rfv', '1qaz2wsx3edc4rfv', /one of the most common passwords/],
      ['miltonwaddams!!!!', 'miltonwaddams!!!!', /made longer/],
    ];
    for (const [password, confirm, message] of cases) {
      const answer = await submit(path, password, confirm);
      expect([password, answer.status]).toEqual([password, 400]);
      expect(await answer.text()).toMatch(message);
    }
    expect(await passwordHash(email)).toBeNull();
    expect((await submit(path, GOOD)).status).toBe(303); // the link still works
  });

  it('refuses forged and expired links: 404 and 410', async () => {
    const { path } = await invite();
    const forged = path.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const answer = await submit(forged, GOOD);
    expect(answer.status).toBe(404);
    expect(await answer.text()).toContain('This link is not valid');
    expect(await (await getPage('/auth/set-password')).text()).toContain('This link is not valid');

    const old = await invite(Date.now() - PASSWORD_LINK_TTL_MS - 1000);
    const expired = await submit(old.path, GOOD);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('This link has expired');
    expect(await passwordHash(old.email)).toBeNull();
  });

  it('a link replaced by a reset no longer works; the new one does', async () => {
    const { email, path, change } = await invite();
    const reset = await resetPassword(change, { email });
    expect((await submit(path, GOOD)).status).toBe(404);
    expect((await submit(`/auth/set-password${new URL(reset.link.url).search}`, GOOD)).status).toBe(303);
  });

  it(
    'is throttled per client like sign-in: guessed links from one client wait, another client is not slowed',
    { timeout: 300_000 },
    async () => {
      const guesser = client();
      const { path } = await invite();
      const guesses = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          submit(`/auth/set-password?token=guess-${i}-${crypto.randomUUID()}`, GOOD, GOOD, guesser),
        ),
      );
      const statuses = guesses.map((r) => r.status).sort();
      expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429, 429]);
      const refused = guesses.find((r) => r.status === 429)!;
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.text()).toContain('Too many failed attempts');
      // Even a valid link waits from that client; from another it works.
      expect((await submit(path, GOOD, GOOD, guesser)).status).toBe(429);
      expect((await submit(path, GOOD, GOOD, client())).status).toBe(303);
    },
  );
});
