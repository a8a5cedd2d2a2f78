import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { describe, expect, it } from 'vitest';

/**
 * The operations API is closed by default: hooks.server.ts checks the bearer token once for every
 * path under /api/ops/, before any route runs, so no route needs to (or can forget to) do it.
 */
const TOKEN = 'ops-token-for-tests-0123456789abcdef';

async function call(path: string, method: string, opsToken: string | null, bearer: string | null) {
  const ctx = createExecutionContext();
  const headers = new Headers({ 'content-type': 'application/json' });
  if (bearer) headers.set('authorization', `Bearer ${bearer}`);
  const body = method === 'GET' ? undefined : '{}';
  const response = await worker.fetch!(
    new Request(`http://127.0.0.1${path}`, { method, headers, body }) as never,
    { ...env, ...(opsToken ? { KURATCHI_OPS_TOKEN: opsToken } : {}) },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** Every route file under src/routes/api/ops, as a request path (`[id]` filled in). */
const OPS_ROUTES = Object.keys(import.meta.glob('/src/routes/api/ops/**/+server.ts')).map((file) =>
  file
    .replace('/src/routes', '')
    .replace('/+server.ts', '')
    .replace(/\[[^\]]+\]/g, 'x'),
);

describe('the operations API is closed by default', () => {
  it('finds the routes it checks', () => {
    expect(OPS_ROUTES).toContain('/api/ops/dead-letters');
    expect(OPS_ROUTES.length).toBeGreaterThanOrEqual(14);
  });

  it.each(OPS_ROUTES)('%s refuses GET and POST without the token, before the route runs', async (path) => {
    for (const method of ['GET', 'POST']) {
      const off = await call(path, method, null, TOKEN);
      expect(off.status, `${method} ${path} with no token configured`).toBe(403);
      expect(await off.json()).toMatchObject({ error: 'ops-disabled' });
      const missing = await call(path, method, TOKEN, null);
      expect(missing.status, `${method} ${path} without a bearer`).toBe(401);
      expect(await missing.json()).toMatchObject({ error: 'unauthorized' });
      expect((await call(path, method, TOKEN, `${TOKEN}x`)).status, `${method} ${path} wrong bearer`).toBe(401);
    }
  });

  it('refuses a path no route serves yet, as it will refuse a route added without thinking of auth', async () => {
    for (const path of ['/api/ops/added-later', '/api/ops/added-later/deeper', '/api/ops', '/API/OPS/added-later']) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const missing = await call(path, method, TOKEN, null);
        expect(missing.status, `${method} ${path}`).toBe(401);
        expect(await missing.json()).toMatchObject({ error: 'unauthorized' });
      }
    }
    // With the token, the same request passes the check and finds no route: the refusal above
    // came from the one check, not from a route.
    expect((await call('/api/ops/added-later', 'GET', TOKEN, TOKEN)).status).toBe(404);
  });

  it('refuses an encoded path that routes to an operations route', async () => {
    const encoded = await call('/api/%6Fps/dead-letters', 'GET', TOKEN, null);
    expect(encoded.status).toBe(401);
    expect(await encoded.json()).toMatchObject({ error: 'unauthorized' });
    expect((await call('/api/%6Fps/dead-letters', 'GET', TOKEN, TOKEN)).status).toBe(200);
  });
});
