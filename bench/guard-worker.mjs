// The Worker of bench/guard.mjs, bundled by esbuild and run by miniflare in workerd: organisations
// on the SDK's SQLite-backed Durable Object class (ORG_DO, exported here as the dashboard's entry
// exports it) and the admin database (ADMIN_DB), the reputation guard's cron share run as the
// dashboard's `reputation-guard` job runs it (apps/dashboard/src/lib/server/reputation/guard-job.ts:
// runReputationGuardSlice, each organisation's database opened where its row says).
// Calls are counted: on the admin database one per run/first/all/raw/exec and one per batch (what
// D1 counts against its 1,000 queries per invocation); on an organisation's object one per RPC
// call (a subrequest of the invocation).
//   POST /seed { organizations: [id], now }  each organisation's sent emails, in one RPC per organisation
//   POST /run { now, limit }                 one cron invocation's share: { ms, admin, org, organizations, last, states }
import { openOrgDatabase } from 'kuratchi-sdk/internal/d1';
import { parseReputationGuardSettings, runReputationGuardSlice } from 'kuratchi-sdk/internal/guard';
import { countingD1 } from './counting-d1.mjs';

export { OrganizationDatabase } from 'kuratchi-sdk/email/durable-object';

const HOUR = 3_600_000;

/** The Durable Object namespace, its stubs counting each RPC call in `counter.org`. */
function countingNamespace(namespace, counter) {
  return {
    idFromName: (name) => namespace.idFromName(name),
    get(id) {
      const stub = namespace.get(id);
      return {
        runStatements: (statements, atomic) => (counter.org++, stub.runStatements(statements, atomic)),
        recordEvents: (inputs) => (counter.org++, stub.recordEvents(inputs)),
      };
    },
  };
}

/**
 * An organisation's emails of the last 5 days: 10 emails of 10 recipients each, half in the last
 * hour; one organisation in 50 bounces 15 of its 100 recipients (pause), one in 50 3 of them
 * (warn: 3 %), the others none.
 */
function seedStatements(db, organizationId, index, now) {
  const pausing = index % 50 === 7;
  const warning = index % 50 === 21;
  const statements = [];
  for (let e = 0; e < 10; e++) {
    const id = `${organizationId}-e${e}`;
    // Half in the last hour, half 1 to 5 days ago: inside the 7-day window of every invocation of a pass.
    const sentAt = now - (e < 5 ? (e + 1) * 600_000 : (e - 4) * 24 * HOUR);
    statements.push(
      db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at, sent_at)
           VALUES (?, ?, 'hello@acme.example', 'Guard bench', 'sent', ?, ?, ?)`,
        )
        .bind(id, `r0@${organizationId}.example`, sentAt, sentAt, sentAt),
    );
    for (let r = 0; r < 10; r++) {
      const bounced = (pausing && e < 5 && r < 3) || (warning && e === 0 && r < 3);
      statements.push(
        db
          .prepare(
            `INSERT INTO email_recipients (email_id, address, kind, status, sent_at, bounced_at, bounce_type)
             VALUES (?, ?, 'to', ?, ?, ?, ?)`,
          )
          .bind(
            id,
            `r${r}-e${e}@${organizationId}.example`,
            bounced ? 'bounced' : 'sent',
            sentAt,
            bounced ? sentAt + 1000 : null,
            bounced ? 'Permanent' : null,
          ),
      );
    }
  }
  return statements;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const input = await request.json();
    if (url.pathname === '/seed') {
      await Promise.all(
        input.organizations.map(async ({ id, index }) => {
          const db = openOrgDatabase(env, id, { kind: 'durable-object', binding: 'ORG_DO', movingSince: null });
          await db.batch(seedStatements(db, id, index, input.now));
        }),
      );
      return Response.json({ seeded: input.organizations.length });
    }
    if (url.pathname === '/run') {
      const counter = { admin: 0, org: 0 };
      const counted = { ...env, ORG_DO: countingNamespace(env.ORG_DO, counter) };
      const adminDb = countingD1(env.ADMIN_DB, () => counter.admin++);
      // Small fixtures: the evidence minimums scaled down as the guard's own tests do.
      const settings = parseReputationGuardSettings({ minRecipients: 20, minEvidence: { bounce: 2, complaint: 2 } });
      // workerd's clock only moves on I/O; every organisation here does I/O.
      const started = performance.now();
      const slice = await runReputationGuardSlice({
        adminDb,
        orgDatabase: ({ organizationId, location }) => openOrgDatabase(counted, organizationId, location),
        now: new Date(input.now),
        settings,
        limit: input.limit,
      });
      const ms = performance.now() - started;
      const states = {};
      for (const e of slice.evaluations) states[e.state] = (states[e.state] ?? 0) + 1;
      return Response.json({
        ms,
        ...counter,
        organizations: slice.organizations.length,
        last: slice.last,
        failures: slice.failures.map((f) => `${f.organizationId}: ${f.error}`),
        states,
      });
    }
    return new Response('not found', { status: 404 });
  },
};
