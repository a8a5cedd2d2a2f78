import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedOrganizations } from '../../../../../test/support.js';
import { addUser, getPage, postForm, signInCookie } from '../../../../../test/forms.js';

// The superadmin's Users and Organisations pages of the built Worker: invitations, resets,
// removals, organisations created with their first admin; and everyone else refused.
const PASSWORD = 'the superadmin password here';
const SET = 'what the new admin chose to use';
let root: string;
let admin: string;
let rootEmail: string;

/** The one-time link a page shows, as a path of this app. */
function linkIn(html: string): string {
  const url = /value="(http:\/\/127\.0\.0\.1\/auth\/set-password\?token=[^"]+)"/.exec(html)?.[1];
  if (!url) throw new Error('no set-password link on the page');
  return url.replace('http://127.0.0.1', '').replaceAll('&amp;', '&');
}

const count = async (sql: string, ...params: unknown[]) =>
  (await env.ADMIN_DB.prepare(`SELECT count(*) AS n FROM ${sql}`)
    .bind(...params)
    .first<{ n: number }>())!.n;

beforeAll(async () => {
  await seedOrganizations();
  rootEmail = `root-${crypto.randomUUID()}@kuratchi.test`;
  await addUser(rootEmail, PASSWORD, { role: 'superadmin' });
  root = await signInCookie(rootEmail, PASSWORD);
  const adminEmail = `acme-admin-${crypto.randomUUID()}@acme.test`;
  await addUser(adminEmail, PASSWORD, { organizationId: 'org-acme' });
  admin = await signInCookie(adminEmail, PASSWORD);
});

describe('an organisation admin manages nothing but their own password', () => {
  it('is refused the Users page, every user action and the creation of organisations (403), writing nothing', async () => {
    const before = [await count('users'), await count('organizations'), await count('password_links')];
    expect((await getPage('/admin/users', { cookie: admin })).status).toBe(403);
    for (const [path, fields] of [
      [
        '/admin/users?/invite',
        { email: `x-${crypto.randomUUID()}@acme.test`, role: 'admin', organizationId: 'org-acme' },
      ],
      ['/admin/users?/reset', { email: rootEmail }],
      ['/admin/users?/remove', { email: rootEmail }],
      ['/admin/organizations?/create', { id: 'org-sneaky', name: 'Sneaky', adminEmail: 'me@sneaky.test' }],
    ] as const) {
      const answer = await postForm(path, fields, { cookie: admin });
      expect([path, answer.status]).toEqual([path, 403]);
    }
    expect([await count('users'), await count('organizations'), await count('password_links')]).toEqual(before);
  });
});

describe('a superadmin', () => {
  it('invites an admin of another organisation, who sets a password, signs in and sees only that organisation', async () => {
    const email = `globex-${crypto.randomUUID()}@globex.test`;
    const invited = await postForm(
      '/admin/users?/invite',
      { email, name: 'Hank Scorpio', role: 'admin', organizationId: 'org-globex' },
      { cookie: root },
    );
    expect(invited.status).toBe(200);
    const html = await invited.text();
    expect(html).toContain('Not mailed: mail is off (KURATCHI_MAIL_FROM is not set)');
    expect((await postForm(linkIn(html), { password: SET, confirm: SET })).status).toBe(303);
    const cookie = await signInCookie(email, SET);
    const log = await getPage('/emails', { cookie });
    expect(log.status).toBe(200);
    expect(await log.text()).toContain('Globex');
    // Another organisation is refused to them, whatever they post.
    expect((await postForm('/auth/organization', { organizationId: 'org-acme' }, { cookie })).status).toBe(403);
    expect((await getPage('/admin/users', { cookie })).status).toBe(403);
    // Inviting the same address again is a conflict.
    const again = await postForm('/admin/users?/invite', { email, role: 'superadmin' }, { cookie: root });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already exists');
  });

  it('resets a password (sessions end, a new link) and removes a user, but not themselves', async () => {
    const email = `reset-${crypto.randomUUID()}@acme.test`;
    await addUser(email, PASSWORD, { organizationId: 'org-acme' });
    const theirs = await signInCookie(email, PASSWORD);
    const reset = await postForm('/admin/users?/reset', { email }, { cookie: root });
    expect(reset.status).toBe(200);
    const html = await reset.text();
    expect(html).toContain(`Password reset for`);
    expect((await getPage('/emails', { cookie: theirs })).status).toBe(303); // signed out
    expect((await postForm('/auth/signin', { email, password: PASSWORD })).status).toBe(400); // the old one is gone
    expect((await postForm(linkIn(html), { password: SET, confirm: SET })).status).toBe(303);
    expect(await signInCookie(email, SET)).toMatch(/^kuratchi_session=/);

    const removed = await postForm('/admin/users?/remove', { email }, { cookie: root });
    expect(removed.status).toBe(200);
    expect(await count('users WHERE email = ?', email)).toBe(0);
    const self = await postForm('/admin/users?/remove', { email: rootEmail }, { cookie: root });
    expect(self.status).toBe(409);
    expect(await self.text()).toContain('you cannot remove your own account');
    const unknown = await postForm(
      '/admin/users?/reset',
      { email: `nobody-${crypto.randomUUID()}@x.test` },
      { cookie: root },
    );
    expect(unknown.status).toBe(404);
  });

  it('creates an organisation on its Durable Object from the Organisations page and invites its admin', async () => {
    const id = `org-new-${crypto.randomUUID().slice(0, 8)}`;
    const email = `first-${crypto.randomUUID()}@new.test`;
    const created = await postForm(
      '/admin/organizations?/create',
      { id, name: 'New Co', adminEmail: email, adminName: 'Ada' },
      { cookie: root },
    );
    expect(created.status).toBe(200);
    const html = await created.text();
    expect(html).toContain(`New Co (${id}) is created`);
    const row = await env.ADMIN_DB.prepare(
      'SELECT database_kind AS kind, database_binding AS binding FROM organizations WHERE id = ?',
    )
      .bind(id)
      .first();
    expect(row).toEqual({ kind: 'durable-object', binding: 'ORG_DO' });
    expect((await postForm(linkIn(html), { password: SET, confirm: SET })).status).toBe(303);
    const cookie = await signInCookie(email, SET);
    const log = await getPage('/emails', { cookie });
    expect(log.status).toBe(200);
    expect(await log.text()).toContain('New Co');

    // Removed from the same page, its id typed twice: its admin's pages find no database any more.
    const remove = (confirm: string) =>
      postForm('/admin/organizations?/remove', { organizationId: id, confirm }, { cookie: root });
    const unconfirmed = await remove('org-else');
    expect(unconfirmed.status).toBe(400);
    expect(await unconfirmed.text()).toMatch(/confirm: must be the organisation(&#39;|'|&#x27;)s id/);
    const removed = await remove(id);
    expect(removed.status).toBe(200);
    expect(await removed.text()).toContain(`New Co (${id}) is removed`);
    expect((await getPage('/admin/organizations', { cookie: root })).status).toBe(200);
    const after = await getPage('/emails', { cookie });
    expect([after.status, after.headers.get('location')]).toEqual([303, expect.stringMatching(/^\/auth\/signin/)]);
  });

  it('is refused a bad id, a taken id or a taken admin address, and nothing is left behind', async () => {
    const id = `org-taken-${crypto.randomUUID().slice(0, 8)}`;
    const takenEmail = `taken-${crypto.randomUUID()}@acme.test`;
    await addUser(takenEmail, PASSWORD, { organizationId: 'org-acme' });
    const before = [await count('users'), await count('organizations'), await count('password_links')];
    const cases: Array<[Record<string, string>, number, RegExp]> = [
      [{ id: 'Bad Id!', name: 'Bad' }, 400, /id: must be 2–64 lower-case letters/],
      [{ id, name: '' }, 400, /name: must not be empty/],
      [{ id: 'org-acme', name: 'Acme again' }, 409, /already exists/],
      [{ id, name: 'Taken', adminEmail: takenEmail }, 409, /already exists/],
      [{ id, name: 'Bad address', adminEmail: 'not-an-address' }, 400, /adminEmail: must be an email address/],
    ];
    for (const [fields, status, message] of cases) {
      const answer = await postForm('/admin/organizations?/create', fields, { cookie: root });
      expect([fields, answer.status]).toEqual([fields, status]);
      expect(await answer.text()).toMatch(message);
    }
    expect([await count('users'), await count('organizations'), await count('password_links')]).toEqual(before);
  });
});
