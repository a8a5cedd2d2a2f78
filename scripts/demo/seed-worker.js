// The Worker that writes the demo data (scripts/demo/write-seed.mjs bundles it and runs it in
// miniflare on the local D1 state of `wrangler dev`): every email goes through the SDK's own
// `sendEmail` (SES answering from a local transport, as SES would: a MessageId, or its error),
// and every SES event through the queue consumer of queued mode (`consumeSesEventBatch`), so
// the rows, counters, suppressions and lookup rows are exactly what live ingestion writes.
// Inside workerd a D1 query costs a few ms; through miniflare's Node proxy, ten times that.
import { clearOrgTables, createD1AdminStore, createOrgEmailStore, openOrgDatabase } from 'kuratchi-sdk/internal/d1';
import { consumeSesEventBatch } from 'kuratchi-sdk/internal/events';
import { createEmailSender } from 'kuratchi-sdk/internal/send';

// The organisation Durable Object, hosted here under the dashboard Worker's name, so the objects
// this Worker seeds are the ones `wrangler dev` serves (write-seed.mjs).
export { OrganizationDatabase } from 'kuratchi-sdk/email/durable-object';
/** Tables a reset leaves alone: wrangler's migration log and SQLite's and D1's own. */
const KEPT_TABLES =
  "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name != 'd1_migrations'";

export default {
  /**
   * POST /reset {bindings, organizations}: empties every table of those D1 databases, and the
   *   database of each organisation on a Durable Object.
   * POST /admin {organizations, users, apiKeys, now}: the organisations, dashboard users and API keys.
   * POST /send {organizations, emails}: sends each planned email through `sendEmail`.
   * POST /ingest {organizations, batches}: applies each batch of queued SES events.
   * Answers JSON: what happened, for the caller to check against the plan.
   */
  async fetch(request, env) {
    const input = await request.json();
    const routes = { '/reset': reset, '/admin': admin, '/send': send, '/ingest': ingest };
    const route = routes[new URL(request.url).pathname];
    if (!route) return new Response('not found', { status: 404 });
    try {
      return Response.json(await route(env, input));
    } catch (error) {
      return Response.json(
        { error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
        { status: 500 },
      );
    }
  },
};

/** The database of a demo organisation ({id, kind, binding}), of either kind, as a `D1Database`. */
function databaseOf(env, organization) {
  return openOrgDatabase(env, organization.id, {
    kind: organization.kind,
    binding: organization.binding,
    movingSince: null,
  });
}

async function reset(env, { bindings, organizations }) {
  for (const organization of organizations.filter((o) => o.kind === 'durable-object')) {
    await clearOrgTables(databaseOf(env, organization));
  }
  for (const binding of bindings) {
    const db = env[binding];
    const { results } = await db
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND ${KEPT_TABLES}`)
      .all();
    // A virtual table (the FTS5 search index) is emptied through itself, never through the shadow
    // tables SQLite keeps for it (`<name>_data`, `_idx`…), which may not be written to.
    const virtual = results.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql ?? '')).map((t) => t.name);
    const tables = results.filter(({ name }) => !virtual.some((v) => name.startsWith(`${v}_`)));
    // One transaction; foreign keys are checked at its end, when every table is empty.
    await db.batch([
      db.prepare('PRAGMA defer_foreign_keys = on'),
      ...tables.map(({ name }) => db.prepare(`DELETE FROM "${name}"`)),
    ]);
  }
  return { ok: true };
}

async function admin(env, { organizations, users, apiKeys = [], now }) {
  const db = env.ADMIN_DB;
  await db.batch([
    ...organizations.map((o) =>
      db
        .prepare(
          'INSERT INTO organizations (id, name, database_kind, database_binding, created_at) VALUES (?, ?, ?, ?, ?)',
        )
        .bind(o.id, o.name, o.kind, o.binding, now),
    ),
    ...users.map((u) =>
      db
        .prepare(
          'INSERT INTO users (id, email, name, organization_id, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .bind(u.id, u.email, u.name, u.organizationId, u.role, u.passwordHash, now),
    ),
    ...apiKeys.map((k) =>
      db
        .prepare(
          'INSERT INTO api_keys (id, organization_id, name, scopes, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .bind(k.id, k.organizationId, k.name, k.scopes, k.keyHash, now),
    ),
  ]);
  return { ok: true };
}

/** What SES answers for each planned email (by the email id the SDK tags the message with). */
function localSes(outcomes) {
  const encoder = new TextEncoder();
  return {
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDKURATCHIDEMO', secretAccessKey: 'kuratchi-demo-not-a-secret' },
    maxAttempts: 1,
    requestHandler: {
      // SESv2 SendEmail answers {"MessageId"} (200) or an error named by x-amzn-ErrorType (400).
      // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
      async handle(request) {
        const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
        const tags = JSON.parse(text).EmailTags ?? [];
        const emailId = tags.find((t) => t.Name === 'kuratchi-email-id')?.Value;
        const outcome = outcomes.get(emailId) ?? { error: { name: 'BadRequestException', message: 'not planned' } };
        const [statusCode, errorType, body] = outcome.messageId
          ? [200, undefined, { MessageId: outcome.messageId }]
          : [400, outcome.error.name, { message: outcome.error.message }];
        return {
          response: {
            statusCode,
            headers: { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
            body: encoder.encode(JSON.stringify(body)),
          },
        };
      },
    },
  };
}

async function send(env, { organizations, emails }) {
  const byId = new Map(organizations.map((o) => [o.id, o]));
  // One sender, one SES client; the clock and the new row's id are those of the email being sent.
  let current;
  const sender = createEmailSender({
    ses: localSes(new Map(emails.map((e) => [e.id, e.ses]))),
    adminDb: env.ADMIN_DB,
    orgDatabase: async (id) => databaseOf(env, byId.get(id)),
    now: () => new Date(current.createdAt),
    newEmailId: () => current.id,
  });
  const results = [];
  for (const email of emails) {
    current = email;
    const result = await sender.sendEmail({ organizationId: email.organizationId, ...email.send });
    results.push(result);
  }
  return { results };
}

async function ingest(env, { organizations, batches }) {
  const byId = new Map(organizations.map((o) => [o.id, o]));
  const adminStore = createD1AdminStore(env.ADMIN_DB);
  const resolveOrgEmailStore = async (id) => createOrgEmailStore(databaseOf(env, byId.get(id)));
  const outcomes = {};
  const problems = [];
  for (const batch of batches) {
    const ports = { adminStore, resolveOrgEmailStore, now: () => new Date(batch.now) };
    const report = await consumeSesEventBatch(ports, batch.deliveries);
    for (const [id, verdict] of report.verdicts) {
      const name = verdict.action === 'ack' ? verdict.outcome : 'retry';
      outcomes[name] = (outcomes[name] ?? 0) + 1;
      if (name !== 'applied') problems.push({ id, verdict });
    }
  }
  return { outcomes, problems: problems.slice(0, 10) };
}
