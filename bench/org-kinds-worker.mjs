// The Worker of bench/org-kinds.mjs, bundled by esbuild and run by miniflare in workerd: the
// organisation databases of both kinds side by side, D1 bindings (ORG_D1_00…) and the
// SQLite-backed Durable Object namespace ORG_DO (the SDK's OrganizationDatabase class, exported
// here as the dashboard's entry exports it). The SDK is wired as the dashboard wires it
// (apps/dashboard/src/lib/server/event-sink.ts): the admin store, each organisation's database
// found through its `organizations` row, an org location cache for the isolate's life.
// Round trips are counted: on the admin D1 database and an organisation's D1 binding, one per
// run/first/all/raw/exec and one per batch; on an organisation's object, one per RPC call.
//   POST /seed { organizations: [{id}], emailsPerOrganization }  emails and lookup rows, as sendEmail leaves them
//   POST /log { kind, repeat }          listEmails first page on the 1M-email database of that kind
//   POST /consume { messages, batchSize }  consumeSesEventQueue per batch of `batchSize` queue bodies
// Each answers { ms, admin, org, outcomes }: the time spent (timed here), the round trips to the
// admin database and to organisation databases, and the outcome counts.
import {
  createD1AdminStore,
  createD1EmailQueries,
  createOrgBindingCache,
  createOrgDatabaseClient,
  createOrgEmailStore,
  durableObjectDatabase,
} from 'kuratchi-sdk/internal/d1';
import { consumeSesEventQueue } from 'kuratchi-sdk/internal/events';
import { countingD1, messageBatch } from './counting-d1.mjs';

export { OrganizationDatabase } from 'kuratchi-sdk/email/durable-object';

/** The organisation holding the 1M emails of the log benchmark, in ORG_DO. */
const LOG_ORGANIZATION = 'org-log-1m';

const locations = createOrgBindingCache();

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

function countedEnv(env, counter) {
  const wrapped = {
    ...env,
    ADMIN_DB: countingD1(env.ADMIN_DB, () => counter.admin++),
    ORG_DO: countingNamespace(env.ORG_DO, counter),
  };
  for (const name of Object.keys(env))
    if (name.startsWith('ORG_D1_')) wrapped[name] = countingD1(env[name], () => counter.org++);
  return wrapped;
}

/** The dashboard's event sink, per batch as the dashboard makes it. */
function sink(env) {
  const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env, locations);
  return {
    adminStore: createD1AdminStore(env.ADMIN_DB),
    resolveOrgEmailStore: async (organizationId) => createOrgEmailStore(await orgDatabase(organizationId)),
  };
}

async function seed(env, { organizations, emailsPerOrganization }) {
  const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env);
  const emails = [];
  for (const { id } of organizations) {
    const db = await orgDatabase(id);
    const rows = Array.from({ length: emailsPerOrganization }, (_, n) => ({
      id: `${id}-email-${n}`,
      sesMessageId: `ses-${id}-${n}`,
      recipient: `r${n}@${id}.example`,
    }));
    await db.batch(
      rows.map((r) =>
        db
          .prepare(
            `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at)
             VALUES (?, ?, 'bench@example.com', 'Hello', 'sent', ?, 1, 1)`,
          )
          .bind(r.id, r.recipient, r.sesMessageId),
      ),
    );
    await env.ADMIN_DB.batch(
      rows.map((r) =>
        env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)').bind(r.sesMessageId, id, r.id),
      ),
    );
    emails.push(...rows.map((r) => ({ organizationId: id, sesMessageId: r.sesMessageId, recipient: r.recipient })));
  }
  return { emails };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const input = await request.json();
    if (url.pathname === '/seed') return Response.json(await seed(env, input));
    const counter = { admin: 0, org: 0 };
    const counted = countedEnv(env, counter);
    const outcomes = {};
    let page = [];
    // workerd's clock only moves on I/O; every contender here does I/O per unit.
    const started = performance.now();
    if (url.pathname === '/log') {
      const db =
        input.kind === 'd1'
          ? env.LOG_D1
          : durableObjectDatabase(env.ORG_DO.get(env.ORG_DO.idFromName(LOG_ORGANIZATION)));
      const queries = createD1EmailQueries(db);
      for (let i = 0; i < input.repeat; i++) page = (await queries.listEmails({}, { limit: 50 })).emails;
    } else if (url.pathname === '/consume') {
      const size = input.batchSize ?? 100;
      for (let i = 0; i < input.messages.length; i += size) {
        const report = await consumeSesEventQueue(messageBatch(input.messages.slice(i, i + size), i), sink(counted));
        for (const [name, n] of report.counts)
          if (name.startsWith('outcome:')) outcomes[name.slice(8)] = (outcomes[name.slice(8)] ?? 0) + n;
      }
    } else {
      return new Response('not found', { status: 404 });
    }
    const ms = performance.now() - started;
    return Response.json({ ms, ...counter, outcomes, ids: page.map((email) => email.id) });
  },
};
