// The Worker of benchmark 3 (bench/queries.mjs), run by miniflare in workerd next to its D1
// database, so both contenders run where the dashboard runs them (a D1 call from Node would add
// a round trip per prepare/bind/all and measure that instead). bench/queries.mjs bundles it with
// the built SDK (bench/lib.mjs bundleWorker): workerd resolves relative imports only.
import { createD1EmailQueries } from 'kuratchi-sdk/internal/d1';

export default {
  /**
   * POST { filter, limit, bare: { sql, params }, run: 'ours' | 'bare' | 'check', repeat }:
   * `check` answers both results' ids (`id` of the bare rows) and the plans of the statements
   * listEmails ran; otherwise the mean ms of `repeat` sequential calls of one contender, timed here.
   */
  async fetch(request, env) {
    const { filter, limit, bare, run, repeat } = await request.json();
    const ours = createD1EmailQueries(env.DB);
    const bareQuery = () =>
      env.DB.prepare(bare.sql)
        .bind(...bare.params)
        .all();
    if (run === 'check') {
      const prepared = [];
      const recording = {
        prepare(sql) {
          const statement = env.DB.prepare(sql);
          return { bind: (...params) => (prepared.push({ sql, params }), statement.bind(...params)) };
        },
      };
      // Only `prepare(…).bind(…)` is recorded: what listEmails calls of its database.
      const database = /** @type {import('@cloudflare/workers-types').D1Database} */ (
        /** @type {unknown} */ (recording)
      );
      const page = await createD1EmailQueries(database).listEmails(filter, { limit });
      const { results } = await bareQuery();
      // Every statement listEmails ran (a search by message id may run two), with its plan.
      const plans = [];
      for (const { sql, params } of prepared) {
        const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .bind(...params)
          .all();
        // listEmails chooses a page (`log_page`, nested) and then counts its rows' outcomes: the
        // steps on that page of at most `limit` + 1 rows (its scan, its sort) are marked `(page) `,
        // so the checks of bench/queries.mjs read only what finds the page.
        const steps = plan.results;
        const paged = steps.some(
          (step) => step.parent === 0 && /^(CO-ROUTINE|MATERIALIZE) log_page$/.test(step.detail),
        );
        plans.push({
          sql,
          plan: steps.map((step) => (paged && step.parent === 0 ? `(page) ${step.detail}` : step.detail)),
        });
      }
      return Response.json({
        ours: page.emails.map((email) => email.id),
        bare: results.map((row) => row.id),
        plans,
      });
    }
    const call = run === 'ours' ? () => ours.listEmails(filter, { limit }) : bareQuery;
    const start = performance.now();
    for (let i = 0; i < repeat; i++) await call();
    return Response.json({ ms: (performance.now() - start) / repeat });
  },
};
