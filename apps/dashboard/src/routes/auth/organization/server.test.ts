import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../../lib/server/auth/sessions';
import { ORGS, seedOrganizations } from '../../../../test/support.js';
import { addUser, postForm } from '../../../../test/forms.js';

let rootId: string;
let adminId: string;
beforeAll(async () => {
  await seedOrganizations();
  rootId = await addUser(`root-${crypto.randomUUID()}@kuratchi.test`, 'pw', { role: 'superadmin' });
  adminId = await addUser(`admin-${crypto.randomUUID()}@acme.test`, 'pw');
});

/** A session of the user as the sign-in creates it (the Worker's real clock, read once). */
async function sessionOf(userId: string) {
  const { token } = await createSession(env.ADMIN_DB, { id: userId, organizationId: ORGS.acme }, Date.now());
  return { cookie: `kuratchi_session=${token}`, token };
}

async function activeOrganizations(userId: string): Promise<string[]> {
  const { results } = await env.ADMIN_DB.prepare('SELECT active_organization_id AS id FROM sessions WHERE user_id = ?')
    .bind(userId)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

describe('POST /auth/organization on the real build', () => {
  const cases: Array<[string, string]> = [
    ['/emails/overview', '/emails/overview'],
    ['/\t/evil.example', '/emails'],
    ['/\r\nSet-Cookie: planted=1', '/emails'], // was a 500 after the session had been switched
    ['//evil.example', '/emails'],
    ['/..//evil.example', '/emails'],
  ];
  for (const [redirectTo, location] of cases) {
    it(`switches a superadmin's session and redirects ${JSON.stringify(redirectTo)} to ${location}`, async () => {
      const { cookie } = await sessionOf(rootId);
      const response = await postForm('/auth/organization', { organizationId: ORGS.globex, redirectTo }, { cookie });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(location);
      expect((await activeOrganizations(rootId)).at(-1)).toBe(ORGS.globex);
      await env.ADMIN_DB.prepare('DELETE FROM sessions WHERE user_id = ?').bind(rootId).run();
    });
  }

  it("refuses an admin's switch (403) and leaves the session as it was, whatever the target", async () => {
    const { cookie } = await sessionOf(adminId);
    const response = await postForm(
      '/auth/organization',
      { organizationId: ORGS.globex, redirectTo: '/\r\n' },
      { cookie },
    );
    expect(response.status).toBe(403);
    expect(await activeOrganizations(adminId)).toEqual([ORGS.acme]);
  });
});
