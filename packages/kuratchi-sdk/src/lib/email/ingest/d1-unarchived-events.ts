import type { D1Database } from '@cloudflare/workers-types';

/**
 * Where the events the raw archive does not hold came from: `firehose` (the Firehose endpoint),
 * `import` (files Firehose wrote to S3), `reconcile` (SES's GetMessageInsights), or
 * `pre-archive` (through SNS while the archive was not bound: before it existed, or with it
 * removed). An event row without `archive_key` is one of these; a rebuild cannot give it back.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/
 */
export type UnarchivedSource = 'firehose' | 'import' | 'reconcile' | 'pre-archive';

/** Every {@link UnarchivedSource}, in the order above. */
export const UNARCHIVED_SOURCES = [
  'firehose',
  'import',
  'reconcile',
  'pre-archive',
] as const satisfies readonly UnarchivedSource[];

/** How many recorded events of each {@link UnarchivedSource} (sources with none left out). */
export type UnarchivedEventCounts = Partial<Record<UnarchivedSource, number>>;

/**
 * A rebuild's reset was refused: it would delete events the raw archive does not hold (named by
 * source in `counts`), and the caller did not say to drop them (`dropUnarchived`). Nothing was
 * changed.
 */
export class UnarchivedEventsError extends Error {
  override readonly name = 'UnarchivedEventsError';
  readonly code = 'unarchived-events';
  constructor(readonly counts: UnarchivedEventCounts) {
    super(
      `a reset would delete ${unarchivedTotal(counts)} event(s) the raw archive does not hold (${formatUnarchived(counts)}); a rebuild cannot give them back: drop them only on purpose (dropUnarchived)`,
    );
  }
}

/** The total of {@link UnarchivedEventCounts}. */
export function unarchivedTotal(counts: UnarchivedEventCounts): number {
  return UNARCHIVED_SOURCES.reduce((sum, source) => sum + (counts[source] ?? 0), 0);
}

/** `firehose 2, pre-archive 10`, in the order of {@link UNARCHIVED_SOURCES}. */
export function formatUnarchived(counts: UnarchivedEventCounts): string {
  return UNARCHIVED_SOURCES.filter((s) => counts[s])
    .map((s) => `${s} ${counts[s]}`)
    .join(', ');
}

/**
 * SQL naming the {@link UnarchivedSource} of an `email_events` row without `archive_key`: its
 * `source` for the paths that never archive, `pre-archive` for the SNS paths (`sns`, `redrive`,
 * `rebuild`), which archive whenever the archive is bound.
 */
const SOURCE_SQL = `CASE WHEN source IN ('firehose', 'import', 'reconcile') THEN source ELSE 'pre-archive' END`;

/**
 * The events without an archived SNS message, by {@link UnarchivedSource}, of the emails a
 * rebuild resets: `ids` (a page) or, without it, every email bound to an SES message created at
 * or after `since`. Conservative: an event first recorded from Firehose whose SNS copy came later
 * (a duplicate, not recorded) counts here although the archive holds that copy.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export async function countUnarchivedEvents(
  db: D1Database,
  scope: { since?: number | null; ids?: readonly string[] },
): Promise<UnarchivedEventCounts> {
  const emails = scope.ids
    ? db
        .prepare(
          `SELECT ${SOURCE_SQL} AS source, count(*) AS n FROM email_events
         WHERE archive_key IS NULL AND email_id IN (SELECT value FROM json_each(?)) GROUP BY 1`,
        )
        .bind(JSON.stringify(scope.ids))
    : db
        .prepare(
          `SELECT ${SOURCE_SQL} AS source, count(*) AS n FROM email_events
           WHERE archive_key IS NULL
             AND email_id IN (SELECT id FROM emails WHERE ses_message_id IS NOT NULL AND created_at >= ?)
           GROUP BY 1`,
        )
        .bind(scope.since ?? 0);
  const { results } = await emails.all<{ source: UnarchivedSource; n: number }>();
  const counts: UnarchivedEventCounts = {};
  for (const row of results) counts[row.source] = row.n;
  return counts;
}
