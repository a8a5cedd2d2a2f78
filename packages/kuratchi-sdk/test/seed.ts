import { env } from 'cloudflare:test';
import { createD1AdminStore, createOrgDatabaseClient, createOrgEmailStore } from '../src/lib/email/subpaths/d1.js';
import { recordEventInput, type EventSinkPorts } from '../src/lib/email/routing/record.js';
import { sesEventContentId } from '../src/lib/email/ses-events/content-identity.js';
import type { MessageRoute, RecordEventInput } from '../src/lib/email/routing/ports.js';
import type { SesEvent } from '../src/lib/email/ses-events/ses-event.js';
import { ENGAGEMENT_RULES } from '../src/lib/email/ses-events/engagement.js';

/**
 * The organisations every test database knows: Acme and Globex on D1 bindings, Initech on its
 * Durable Object (test/org-database-kinds.ts).
 */
export const ORGS = { acme: 'org-acme', globex: 'org-globex', initech: 'org-initech' } as const;

/** Registers the test organisations in the admin database (idempotent). */
export async function seedOrganizations(): Promise<void> {
  await env.ADMIN_DB.batch(
    [
      [ORGS.acme, 'Acme', 'd1', 'ORG_DB_ACME'],
      [ORGS.globex, 'Globex', 'd1', 'ORG_DB_GLOBEX'],
      [ORGS.initech, 'Initech', 'durable-object', 'ORG_DO'],
    ].map(([id, name, kind, binding]) =>
      env.ADMIN_DB.prepare(
        `INSERT INTO organizations (id, name, database_kind, database_binding, created_at) VALUES (?, ?, ?, ?, 0)
         ON CONFLICT (id) DO NOTHING`,
      ).bind(id, name, kind, binding),
    ),
  );
}

/**
 * Registers organisations of a test's own in the admin database (idempotent): each on its
 * `binding` of `kind`, by default the tests' Durable Object namespace (a D1 database belongs to
 * one organisation, admin migration 0016), named after its id unless `name` is given.
 */
export async function addOrganizations(
  organizations: ReadonlyArray<{ id: string; name?: string; binding?: string; kind?: 'd1' | 'durable-object' }>,
): Promise<void> {
  await env.ADMIN_DB.batch(
    organizations.map(({ id, name = id, binding = 'ORG_DO', kind = binding === 'ORG_DO' ? 'durable-object' : 'd1' }) =>
      env.ADMIN_DB.prepare(
        `INSERT INTO organizations (id, name, database_binding, database_kind, created_at) VALUES (?, ?, ?, ?, 0)
         ON CONFLICT (id) DO NOTHING`,
      ).bind(id, name, binding, kind),
    ),
  );
}

/**
 * Lets a test put a fresh organisation on a D1 binding the tests share: one organisation per D1
 * database (admin migration 0016), and the tests have two. The organisations of earlier tests
 * that held it are pointed at no database.
 */
export async function releaseD1Binding(binding: string): Promise<void> {
  await env.ADMIN_DB.batch([
    env.ADMIN_DB.prepare(
      `UPDATE organizations SET database_binding = 'RELEASED_' || id WHERE database_kind = 'd1' AND database_binding = ?`,
    ).bind(binding),
    env.ADMIN_DB.prepare('UPDATE organizations SET former_d1_binding = NULL WHERE former_d1_binding = ?').bind(binding),
  ]);
}

/** Inserts a sent email row (as sendEmail will) and returns its id. */
export async function insertEmail(
  db: D1Database,
  fields: { id?: string; sesMessageId?: string | null; recipient?: string } = {},
): Promise<string> {
  const id = fields.id ?? crypto.randomUUID();
  await db
    .prepare(
      `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at)
       VALUES (?, ?, 'sender@example.com', 'Hello', 'pending', ?, 1, 1)`,
    )
    .bind(id, fields.recipient ?? 'recipient@example.com', fields.sesMessageId ?? null)
    .run();
  return id;
}

/** The D1-backed ports of the event sink, wired as the webhook route wires them, on the clock `now`. */
export function d1SinkPorts(now: () => Date): EventSinkPorts {
  const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>);
  return {
    adminStore: createD1AdminStore(env.ADMIN_DB),
    resolveOrgEmailStore: async (organizationId) => createOrgEmailStore(await orgDatabase(organizationId)),
    now,
  };
}

/** Counts rows of a table (to prove that nothing was written). */
export async function countRows(db: D1Database, table: string): Promise<number> {
  const row = await db.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}

/** An email row as a snapshot compares it: every column but `updated_at` (the time of the write). */
export async function emailSnapshot(db: D1Database, id: string): Promise<Record<string, unknown>> {
  const row = await db.prepare('SELECT * FROM emails WHERE id = ?').bind(id).first();
  return { ...row, updated_at: 'x' };
}

/** `value` with the run's namespace `ns` replaced by `NS`, so runs in different namespaces compare equal. */
export function withoutNamespace<T>(value: T, ns: string): T {
  return JSON.parse(JSON.stringify(value).replaceAll(ns, 'NS')) as T;
}

/** The store's input for `event` under `snsMessageId`, built as ingestion builds it (content identity included). */
export async function routedInput(
  route: MessageRoute,
  snsMessageId: string,
  event: SesEvent,
  receivedAt: number,
): Promise<RecordEventInput> {
  return recordEventInput(route, { snsMessageId, contentId: await sesEventContentId(event) }, event, receivedAt);
}

/**
 * Adds `n` human clicks of one link to an email, one ms apart from `firstAt`, in one statement, as
 * the store records them (same link: none a burst; `detail` left empty), and counts them on its
 * row: thousands of clicks in a moment, where recording each through the store would take long.
 */
export async function insertClicks(
  db: D1Database,
  clicks: { emailId: string; sesMessageId: string; n: number; firstAt: number; sentAt: number; link: string },
): Promise<void> {
  const { emailId, sesMessageId, n, firstAt, sentAt, link } = clicks;
  await db.batch([
    db
      .prepare(
        `WITH RECURSIVE seq (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?)
         INSERT INTO email_events
           (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token,
            engagement, engagement_rule, rules_version, link, mail_timestamp, content_id, source)
         SELECT ? || '-seed-' || i, ?, ?, 'Click', CAST(? AS INTEGER) + i, '{}', CAST(? AS INTEGER), 'seed',
                'human', 'default-human', ?, ?, CAST(? AS INTEGER), ? || '-content-' || i, 'sns'
         FROM seq`,
      )
      .bind(n, emailId, emailId, sesMessageId, firstAt, sentAt, ENGAGEMENT_RULES.version, link, sentAt, emailId),
    db
      .prepare('UPDATE emails SET click_count = click_count + ?, clicked_at = coalesce(clicked_at, ?) WHERE id = ?')
      .bind(n, firstAt, emailId),
  ]);
}
