// The Worker of bench/purge.mjs, bundled with the built SDK and run by miniflare in workerd next
// to its D1 databases: the retention-purge job's run (runRetentionPurge, its default budget) over
// one organisation, with both D1 bindings wrapped so that every query is counted as D1 counts
// them per invocation (one per run/first/all/raw, one per statement of a batch).
//   POST /seed { count, ageDays, now }   `count` emails created `ageDays` before `now`, each with a
//                                        CC recipient, three events and its route
//   POST /purge { now }                  one invocation: { queries, counted, emailsDeleted, … }
//   POST /rows {}                        rows of each purged table
// https://developers.cloudflare.com/d1/platform/limits/
import { runRetentionPurge } from 'kuratchi-sdk/internal/retention';

const ORGANIZATION = 'org-acme';
const DAY = 86_400_000;

/** `db` whose queries add to `counter.queries`. */
function counting(db, counter) {
  const statement = (s) =>
    new Proxy(s, {
      get(target, property) {
        if (property === 'bind') return (...args) => statement(target.bind(...args));
        if (typeof property === 'string' && ['run', 'all', 'first', 'raw'].includes(property))
          return (...args) => {
            counter.queries++;
            return target[property](...args);
          };
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return (sql) => statement(target.prepare(sql));
      if (property === 'batch')
        return (statements) => {
          counter.queries += statements.length;
          return target.batch(statements);
        };
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    const input = await request.json();
    if (path === '/seed') {
      const at = input.now - input.ageDays * DAY;
      const n = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${Number(input.count)})`;
      const id = `'${input.prefix}-' || i`;
      await env.ORG_DB_ACME.batch([
        env.ORG_DB_ACME.prepare(
          `${n} INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, delivered_at)
           SELECT ${id}, 'to-' || i || '@example.com', 'news@acme.example', 'Monthly news ' || i, 'delivered',
                  'ses-' || ${id}, ${at} + i, ${at} + i, ${at} + i FROM n`,
        ),
        env.ORG_DB_ACME.prepare(
          `${n} INSERT INTO email_recipients (email_id, address, kind, status)
           SELECT ${id}, 'cc-' || i || '@example.com', 'cc', 'delivered' FROM n`,
        ),
        env.ORG_DB_ACME.prepare(
          `${n}, e(k, type) AS (VALUES (1, 'Send'), (2, 'Delivery'), (3, 'Open'))
           INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token)
           SELECT 'sns-' || ${id} || '-' || k, ${id}, 'ses-' || ${id}, type, ${at} + i + k, '{}', ${at} + i + k, 't' FROM n, e`,
        ),
      ]);
      await env.ADMIN_DB.prepare(
        `${n} INSERT INTO email_message_lookup (ses_message_id, organization_id, email_id, created_at)
         SELECT 'ses-' || ${id}, '${ORGANIZATION}', ${id}, ${at} FROM n`,
      ).run();
      return Response.json({});
    }
    if (path === '/rows') {
      const count = async (db, table) => (await db.prepare(`SELECT count(*) AS n FROM ${table}`).first()).n;
      return Response.json({
        emails: await count(env.ORG_DB_ACME, 'emails'),
        recipients: await count(env.ORG_DB_ACME, 'email_recipients'),
        events: await count(env.ORG_DB_ACME, 'email_events'),
        search: await count(env.ORG_DB_ACME, 'email_search'),
        routes: await count(env.ADMIN_DB, 'email_message_lookup'),
      });
    }
    const counter = { queries: 0 };
    const run = await runRetentionPurge({
      adminDb: counting(env.ADMIN_DB, counter),
      orgDatabase: async () => counting(env.ORG_DB_ACME, counter),
      defaults: { eventsDays: 30, emailsDays: 30 },
      now: new Date(input.now),
      // The cron job's least share (apps/dashboard retention-purge `queries`) but no deadline:
      // the bench counts queries, not this machine's speed.
      budget: { queries: input.queries, milliseconds: 3_600_000 },
    });
    return Response.json({ ...run, counted: counter.queries });
  },
};
