/**
 * Every table of the admin and organisation databases (packages/kuratchi-sdk/migrations/{admin,org}),
 * with its owner, its bound and what enforces it: the one place where growth is accounted for.
 * docs/table-bounds.md is generated from it (scripts/table-bounds-reference.mjs) and
 * test/node/table-bounds.test.mjs fails when a migration creates a table that has no entry here,
 * or an entry names a table no migration leaves in place.
 * @see https://developers.cloudflare.com/d1/platform/limits/ (10 GB per database)
 * @see https://developers.cloudflare.com/durable-objects/platform/limits/ (10 GB per object)
 */

/** The command that rewrites the generated page. */
export const REGENERATE_COMMAND = 'node apps/dashboard/scripts/table-bounds-reference.mjs --write';

/**
 * How a table's size is held:
 * - `time`: rows older than a time are deleted;
 * - `count`: at most a number of rows (per something);
 * - `fixed`: a row per organisation, user, key… (grows only with them);
 * - `retention`: grows with emails, purged by the organisation's retention;
 * - `never`: never purged, on purpose: only the tables of test/node/table-bounds.test.mjs's allow-list.
 */
export type BoundKind = 'time' | 'count' | 'fixed' | 'retention' | 'never';

/** One table's entry. */
export interface TableBound {
  table: string;
  database: 'admin' | 'org';
  /** The SDK slice (`routing/`) or the dashboard folder (`dashboard auth/`) that writes it. */
  owner: string;
  kind: BoundKind;
  /** The bound in a few words, naming the setting or constant that sets it. */
  bound: string;
  /** The cron job (scheduled/jobs.ts) that enforces it; or, without one, what does. */
  enforcedBy: { job: string } | { by: string };
}

const admin = (
  table: string,
  owner: string,
  kind: BoundKind,
  bound: string,
  enforcedBy: TableBound['enforcedBy'],
): TableBound => ({ table, database: 'admin', owner, kind, bound, enforcedBy });
const org = (
  table: string,
  owner: string,
  kind: BoundKind,
  bound: string,
  enforcedBy: TableBound['enforcedBy'],
): TableBound => ({ table, database: 'org', owner, kind, bound, enforcedBy });

const job = (name: string) => ({ job: name });
const by = (what: string) => ({ by: what });
const NOTHING = by('nothing needed');

/** Every table, admin first, in the order of the migrations that create them. */
export const TABLE_BOUNDS: readonly TableBound[] = [
  admin('organizations', 'organizations/', 'fixed', 'a row per organisation', NOTHING),
  admin(
    'email_message_lookup',
    'routing/',
    'retention',
    'a row per email sent; deleted with its email',
    job('retention-purge'),
  ),
  admin(
    'parked_email_events',
    'routing/',
    'time',
    'KURATCHI_PARK_TTL_HOURS, then dead-lettered; KURATCHI_PARK_MAX_EVENTS_PER_MESSAGE per message',
    job('park-sweep'),
  ),
  admin(
    'sns_subscription_messages',
    'routing/',
    'time',
    '90 days; the latest of each topic is kept',
    job('admin-purge'),
  ),
  admin('ingestion_counters', 'routing/', 'fixed', 'a row per counter name', NOTHING),
  admin('users', 'dashboard users/', 'fixed', 'a row per user', NOTHING),
  admin('sessions', 'dashboard auth/', 'time', 'until they expire (7 days)', job('auth-purge')),
  admin('sign_in_throttle', 'dashboard auth/', 'time', '24 hours idle', job('auth-purge')),
  admin(
    'email_event_dead_letters',
    'routing/',
    'time',
    'KURATCHI_DEAD_LETTER_DAYS (the alert warns a week before), KURATCHI_DEAD_LETTER_UNROUTED_DAYS for mail of no known organisation; dropped ones are tallied',
    job('park-sweep'),
  ),
  admin('ingestion_lag', 'routing/', 'time', 'a day of minutes', job('lag-purge')),
  admin('organization_configuration_sets', 'guard/', 'fixed', 'a row per organisation', NOTHING),
  admin('reputation_guard_state', 'guard/', 'fixed', 'a row per organisation', NOTHING),
  admin('reputation_guard_audit', 'guard/', 'time', '400 days (an audit)', job('admin-purge')),
  admin('canary_runs', 'canary/', 'time', '30 days after decided', job('admin-purge')),
  admin('canary_expectations', 'canary/', 'time', 'with their run', job('admin-purge')),
  admin('alert_incidents', 'dashboard alerts/', 'time', '90 days after cleared', job('admin-purge')),
  admin('alert_notices', 'dashboard alerts/', 'time', 'with their incident', job('admin-purge')),
  admin(
    'org_move_verification',
    'organizations/',
    'fixed',
    'a row per table of a moving organisation',
    by('the move: deleted at its switch or abort'),
  ),
  admin('password_links', 'dashboard users/', 'time', 'a lifetime (72 hours) past their expiry', job('auth-purge')),
  admin('organization_ingestion_counters', 'routing/', 'fixed', 'a row per organisation and counter', NOTHING),
  admin('organization_ingestion_lag', 'routing/', 'time', 'a day of minutes', job('lag-purge')),
  admin(
    'dropped_dead_letters',
    'routing/',
    'time',
    '400 days of tallies (a row per day and reason)',
    job('admin-purge'),
  ),
  admin('ses_tenants', 'tenants/', 'fixed', 'a row per organisation', NOTHING),
  admin('ses_tenant_resources', 'tenants/', 'fixed', 'a row per resource of a tenant', NOTHING),
  admin('ses_reputation_views', 'guard/', 'fixed', 'a row per organisation', NOTHING),
  admin('ses_reputation_sweeps', 'guard/', 'fixed', 'one row', NOTHING),
  admin(
    'reconcile_export_jobs',
    'reconcile/',
    'time',
    'finished ones 30 days; the latest day is kept',
    job('admin-purge'),
  ),
  admin('api_keys', 'dashboard api/', 'fixed', 'a row per key', NOTHING),
  admin('api_idempotency', 'dashboard api/', 'time', '24 hours', job('api-purge')),
  admin('api_rate_windows', 'dashboard api/', 'time', 'windows still current', job('api-purge')),
  admin('webhook_endpoints', 'webhooks/', 'fixed', 'a row per endpoint', NOTHING),
  admin(
    'webhook_deliveries',
    'webhooks/',
    'count',
    'the last 100 of each endpoint (what its page shows)',
    by('the webhook queue consumer, at each delivery'),
  ),
  admin('organization_retention', 'retention/', 'fixed', 'a row per organisation with an override', NOTHING),
  admin('retention_purge_progress', 'retention/', 'fixed', 'a row per organisation', job('retention-purge')),
  admin('reputation_guard_cursor', 'guard/', 'fixed', 'one row', job('reputation-guard')),
  admin('alert_scan_cursor', 'dashboard alerts/', 'fixed', 'a row per provider', job('alerts')),
  admin('organization_storage', 'dashboard bounds/', 'fixed', 'a row per organisation', job('storage-measure')),
  admin('rollup_backfill_progress', 'routing/', 'fixed', 'a row per organisation', job('rollup-backfill')),

  org('emails', 'send/', 'retention', 'grows with emails: retention', job('retention-purge')),
  org('email_events', 'ses-events/', 'retention', 'grows with emails: retention', job('retention-purge')),
  org('email_suppressions', 'send/', 'never', 'never purged: the suppression list', NOTHING),
  org('email_recipients', 'send/', 'retention', 'grows with emails: retention', job('retention-purge')),
  org('email_search', 'email-log/', 'retention', 'grows with emails: retention', job('retention-purge')),
  org(
    'email_rollups',
    'routing/',
    'never',
    "a row per UTC day, metric and key: about 50 a day, plus a row per link clicked that day until the day is past the events retention and the overview's 30 days (TOP_LINKS_DAYS), then its top 10 links of each kind (LINK_ROLLUPS_TOP_N): about 1.5 MB a year; kept, they outlive raw events",
    job('retention-purge'),
  ),
  org(
    'email_rollups_backfill',
    'routing/',
    'fixed',
    'one row while the emails older than the rollups are counted',
    job('rollup-backfill'),
  ),
  org('email_tags', 'send/', 'retention', 'a row per tag of an email; deleted with its email', job('retention-purge')),
  org(
    'email_reconciliation',
    'reconcile/',
    'retention',
    'a row per email asked about; deleted with its email',
    job('retention-purge'),
  ),
  org('ses_suppression_changes', 'send/', 'count', 'a row per address still to change at SES', job('suppression-sync')),
  org('ses_suppression_sync', 'send/', 'fixed', 'one row', NOTHING),
  org('event_position_sequence', 'routing/', 'fixed', 'one row', NOTHING),
  org(
    'email_reputation_marks',
    'guard/',
    'time',
    'a row per recipient that bounced permanently or complained, 90 days (the longest KURATCHI_GUARD_WINDOW_DAYS): they outlive the emails',
    job('retention-purge'),
  ),
  org(
    'email_guard_rollups',
    'guard/',
    'time',
    'a row per hour or day and metric (four, of bounced and complaining addresses), 91 days at most (MAX_GUARD_WINDOW_DAYS)',
    job('retention-purge'),
  ),
  org('email_guard_rollups_since', 'guard/', 'fixed', 'one row', NOTHING),
  org('email_rollups_links_trimmed', 'retention/', 'fixed', 'one row', NOTHING),
  org(
    'email_reputation_marks_backfill',
    'routing/',
    'fixed',
    'one row while the emails older than the marks are marked',
    job('rollup-backfill'),
  ),
];

/** Markdown-safe text of a cell. */
const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The generated page, docs/table-bounds.md. */
export function tableBoundsMarkdown(bounds: readonly TableBound[] = TABLE_BOUNDS): string {
  const section = (database: TableBound['database'], title: string) => [
    `## ${title}`,
    '',
    '| table | owner | bound | kind | enforced by |',
    '|---|---|---|---|---|',
    ...bounds
      .filter((b) => b.database === database)
      .map(
        (b) =>
          `| \`${b.table}\` | ${cell(b.owner)} | ${cell(b.bound)} | ${b.kind} | ${
            'job' in b.enforcedBy ? `cron \`${b.enforcedBy.job}\`` : cell(b.enforcedBy.by)
          } |`,
      ),
    '',
  ];
  return [
    '<!-- Generated from apps/dashboard/src/lib/server/bounds/table-bounds.ts: do not edit. -->',
    `<!-- Regenerate: ${REGENERATE_COMMAND} -->`,
    '',
    '# Table bounds',
    '',
    'Every table of the admin database and of each organisation database, who writes it, how its',
    'size is held and which cron job (or which step) holds it. A D1 database and a Durable',
    "Object's SQLite both stop at 10 GB: the Organisations page shows each organisation's size.",
    'Kinds: `time` (older rows deleted), `count` (at most so many rows), `fixed` (a row per',
    'organisation, user…), `retention` (grows with emails, purged by retention), `never`.',
    '',
    ...section('admin', 'Admin database (`ADMIN_DB`)'),
    ...section('org', 'Organisation database (D1 or Durable Object)'),
  ].join('\n');
}
