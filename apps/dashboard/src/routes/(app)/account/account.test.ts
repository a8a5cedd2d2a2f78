import { beforeAll, describe, expect, it } from 'vitest';
import { seedOrganizations } from '../../../../test/support.js';
import { addUser, getPage, postForm, sessionCount, signInCookie } from '../../../../test/forms.js';

// Changing one's password on /account of the built Worker: the current password is required
// (and throttled like a sign-in), the new one must pass the policy, the other sessions end.
const OLD = 'the old password of this user';
const NEW = 'a brand new password for them';
let n = 0;
const client = () => `203.0.113.${100 + ++n}`;

const change = (cookie: string, fields: Record<string, string>, clientAddress = client()) =>
  postForm('/account?/password', fields, { cookie, clientAddress });

beforeAll(seedOrganizations);

describe('/account: change password', () => {
  it('changes it, keeps this session and ends the others; the new password signs in, the old one no longer', async () => {
    const email = `changer-${crypto.randomUUID()}@acme.test`;
    const userId = await addUser(email, OLD);
    const here = await signInCookie(email, OLD);
    const elsewhere = await signInCookie(email, OLD);
    expect(await sessionCount(userId)).toBe(2);
    const page = await getPage('/account', { cookie: here });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Change your password');

    const done = await change(here, { current: OLD, password: NEW, confirm: NEW });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Your password is changed');
    expect(await sessionCount(userId)).toBe(1);
    expect((await getPage('/account', { cookie: here })).status).toBe(200);
    expect((await getPage('/account', { cookie: elsewhere })).status).toBe(303); // to the sign-in page
    expect(await signInCookie(email, NEW)).toMatch(/^kuratchi_session=/);
    expect((await postForm('/auth/signin', { email, password: OLD }, { clientAddress: client() })).status).toBe(400);
  });

  it('refuses a wrong current password, bad entries and weak passwords, writing nothing', async () => {
    const email = `refused-${crypto.randomUUID()}@acme.test`;
    const userId = await addUser(email, OLD);
    const cookie = await signInCookie(email, OLD);
    await signInCookie(email, OLD); // a second session, which must survive every refusal
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ current: '', password: NEW, confirm: NEW }, /Enter your current password/],
      [{ current: OLD, password: NEW, confirm: `${NEW}.` }, /differ/],
      [{ current: 'not the old password', password: NEW, confirm: NEW }, /Your current password is wrong/],
      [{ current: OLD, password: OLD, confirm: OLD }, /the one you have/],
      [{ current: OLD, password: 'too short pass', confirm: 'too short pass' }, /too short/],
      [{ current: OLD, password: 'passwordpassword', confirm: 'passwordpassword' }, /most common/],
    ];
    for (const [fields, message] of cases) {
      const answer = await change(cookie, fields);
      expect([fields, answer.status]).toEqual([fields, 400]);
      expect(await answer.text()).toMatch(message);
    }
    expect(await sessionCount(userId)).toBe(2);
    expect(await signInCookie(email, OLD)).toMatch(/^kuratchi_session=/);
  });

  it('counts wrong current passwords against the sign-in throttle of the address', { timeout: 300_000 }, async () => {
    const email = `guessed-${crypto.randomUUID()}@acme.test`;
    await addUser(email, OLD);
    const cookie = await signInCookie(email, OLD);
    const guesser = client();
    const answers = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        change(cookie, { current: `guess ${i}`, password: NEW, confirm: NEW }, guesser),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([400, 400, 400, 400, 400, 429, 429]);
    // The sign-in form of the same address from the same client waits too.
    expect((await postForm('/auth/signin', { email, password: OLD }, { clientAddress: guesser })).status).toBe(429);
  });

  it('needs a session', async () => {
    const answer = await postForm('/account?/password', { current: OLD, password: NEW, confirm: NEW });
    expect(answer.status).toBe(401);
  });
});
