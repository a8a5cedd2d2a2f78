// Reads and writes of the built Worker's databases for node tests, through a second Worker in the
// same miniflare (bound to the same local D1 databases and Durable Object class) reached by
// `dispatchFetch`. Miniflare's binding proxies (`mf.getD1Database`) make their first call of each
// method synchronously, through a worker thread and `Atomics.wait`, and under load that channel
// has failed with `assert(message?.id === id)`; a plain fetch has no such path.

/** The helper Worker's host: `dispatchFetch` routes requests for it to the helper. */
const HOST = 'test-sql.local';

/**
 * The miniflare worker options of the helper: the same D1 bindings as the Worker, and the
 * Worker's organisation Durable Object class (`ORG_DO`, of the worker named `scriptName`).
 * @see https://developers.cloudflare.com/workers/testing/miniflare/core/multiple-workers/
 */
export function sqlWorkerOptions(d1Databases, scriptName) {
  return {
    name: 'test-sql',
    routes: [`${HOST}/*`],
    modules: true,
    compatibilityDate: '2026-05-01',
    d1Databases,
    durableObjects: { ORG_DO: { className: 'OrganizationDatabase', scriptName, useSQLite: true } },
    script: `
      export default {
        async fetch(request, env) {
          const { binding, mode, statements, organizationId } = await request.json();
          try {
            if (mode === 'object') {
              const stub = env.ORG_DO.get(env.ORG_DO.idFromName(organizationId));
              return Response.json(await stub.runStatements(statements, false));
            }
            const db = env[binding];
            if (!db) return Response.json({ error: 'no D1 binding ' + binding }, { status: 400 });
            const prepared = statements.map((s) => db.prepare(s.sql).bind(...s.params));
            if (mode === 'batch') return Response.json(await db.batch(prepared));
            if (mode === 'first') return Response.json({ row: await prepared[0].first() });
            return Response.json(await prepared[0][mode]());
          } catch (error) {
            return Response.json({ error: String(error?.message ?? error) }, { status: 500 });
          }
        },
      };`,
  };
}

/** POSTs one request to the helper; its JSON answer, or the helper's error thrown. */
async function call(mf, body) {
  const response = await mf.dispatchFetch(`http://${HOST}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${body.binding ?? body.organizationId}: ${answer.error}`);
  return answer;
}

/**
 * A local D1 database of the Worker with the D1 API the tests use (`prepare`, `bind`, `all`,
 * `first`, `run`, `batch`), each call one fetch of the helper.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/
 */
export function d1Database(mf, binding) {
  const statement = (sql, params) => ({
    sql,
    params,
    bind: (...values) => statement(sql, values),
    all: () => call(mf, { binding, mode: 'all', statements: [{ sql, params }] }),
    run: () => call(mf, { binding, mode: 'run', statements: [{ sql, params }] }),
    first: async (column) => {
      const { row } = await call(mf, { binding, mode: 'first', statements: [{ sql, params }] });
      return column === undefined ? row : (row?.[column] ?? null);
    },
  });
  return {
    prepare: (sql) => statement(sql, []),
    batch: (statements) =>
      call(mf, { binding, mode: 'batch', statements: statements.map(({ sql, params }) => ({ sql, params })) }),
  };
}

/** Rows (arrays, with the columns) of `sql` on an organisation's Durable Object, as the Worker's RPC returns them. */
export async function onDurableObject(mf, organizationId, sql, params = []) {
  const [result] = await call(mf, { mode: 'object', organizationId, statements: [{ sql, params }] });
  return result;
}
