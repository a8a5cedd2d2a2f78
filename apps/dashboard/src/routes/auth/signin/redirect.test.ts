import { beforeAll, describe, expect, it } from 'vitest';
import { seedOrganizations } from '../../../../test/support.js';
import { addUser, postForm, sessionCount } from '../../../../test/forms.js';

const EMAIL = `redirect-${crypto.randomUUID()}@acme.test`;
const PASSWORD = 'correct horse battery staple';
let userId: string;

beforeAll(async () => {
  await seedOrganizations();
  userId = await addUser(EMAIL, PASSWORD);
});

/** Signs in with the right password and `redirectTo` as it arrives in the query (decoded once). */
function signIn(redirectTo: string) {
  return postForm(
    `/auth/signin?${new URLSearchParams({ redirectTo })}`,
    { email: EMAIL, password: PASSWORD },
    { clientAddress: '198.51.100.7' },
  );
}

describe('POST /auth/signin?redirectTo=… on the real build', () => {
  const cases: Array<[string, string]> = [
    ['/emails/overview?status=bounced', '/emails/overview?status=bounced'],
    ['/\t/evil.example', '/emails'], // browsers strip the tab: //evil.example
    ['/\n/evil.example', '/emails'],
    ['/\r\nSet-Cookie: planted=1', '/emails'], // a header cannot carry CR LF: this was a 500
    ['/\\evil.example', '/emails'],
    ['/.//evil.example', '/emails'],
    ['https://evil.example/', '/emails'],
    ['/%2F/evil.example', '/%2F/evil.example'], // a path of this app (no browser decodes %2F into a slash)
  ];
  for (const [redirectTo, location] of cases) {
    it(`signs in and redirects ${JSON.stringify(redirectTo)} to ${location}, with exactly one new session`, async () => {
      const before = await sessionCount(userId);
      const response = await signIn(redirectTo);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(location);
      expect(response.headers.get('set-cookie')).toMatch(/^kuratchi_session=/);
      expect(await sessionCount(userId)).toBe(before + 1);
    });
  }

  it('creates no session for a wrong password, whatever the target', async () => {
    const before = await sessionCount(userId);
    const response = await postForm(
      `/auth/signin?${new URLSearchParams({ redirectTo: '/\r\n' })}`,
      { email: EMAIL, password: 'wrong' },
      { clientAddress: '198.51.100.8' },
    );
    expect(response.status).toBe(400);
    expect(await sessionCount(userId)).toBe(before);
  });
});
