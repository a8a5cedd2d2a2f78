import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { it, expect } from 'vitest';
import { createSession } from '../auth/sessions';
import { addUser, APP_ORIGIN } from '../../../../test/forms.js';
import { seedOrganizations } from '../../../../test/support.js';
it('x', async () => {
  await seedOrganizations();
  const id = await addUser(`a-${crypto.randomUUID()}@x.test`, 'pw', { role: 'superadmin' });
  const cookie = `kuratchi_session=${(await createSession(env.ADMIN_DB, { id, organizationId: 'org-acme' }, Date.now())).token}`;
  for (const path of ['/admin/organizations']) {
    const ctx = createExecutionContext();
    const r = await worker.fetch!(new Request(`${APP_ORIGIN}${path}`, { headers: { cookie, accept: 'text/html' } }) as never, { ...env } as never, ctx);
    await waitOnExecutionContext(ctx);
    console.log(path, r.status, (await r.text()).slice(0, 300));
  }
  expect(1).toBe(1);
});
