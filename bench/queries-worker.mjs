// The Worker of benchmark 3 (bench/queries.mjs), run by miniflare in workerd next to its D1
// database, so both contenders run where the dashboard runs them (a D1 call from Node would add
// a round trip per prepare/bind/all and measure that instead). Imports the built module directly:
// workerd resolves relative files only, and this module has no bare imports.
import { createD1EmailQueries } from '../packages/kuratchi-sdk/dist/email/email-log/d1-email-queries.js';

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
      const page = await createD1EmailQueries(recording).listEmails(filter, { limit });
      const { results } = await bareQuery();
      // Every statement listEmails ran (a search by message id may run two), with its plan.
      const plans = [];
      for (const { sql, params } of prepared) {
        const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .bind(...params)
          .all();
        plans.push({ sql, plan: plan.results.map((step) => step.detail) });
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
