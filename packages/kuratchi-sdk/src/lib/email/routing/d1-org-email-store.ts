import type { D1Database, D1PreparedStatement, D1Result } from '@cloudflare/workers-types';
import { recordInputCost } from './record.js';
import { recordStatements } from './record-statements.js';
import { archiveKeyStatement } from './archive-key-statement.js';
import { marks } from '../shared/sql-marks.js';
import type { OrgEmailStore, RecordEventInput, RecordEventOutcome } from './ports.js';

/**
 * Most statements sent in one `db.batch` by `recordEvents` (an event's statements are never split
 * across two). D1 runs a batch as one transaction; a bounded batch keeps each one short.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export const MAX_STATEMENTS_PER_RECORD_BATCH = 300;

/** Options of {@link createD1OrgEmailStore}. */
export interface D1OrgEmailStoreOptions {
  /**
   * Most statements per batch of `recordEvents`; default {@link MAX_STATEMENTS_PER_RECORD_BATCH}.
   * An organisation's Durable Object passes `Infinity`: its SQLite has no D1 request limits, so
   * the whole batch is one transaction.
   */
  maxStatementsPerBatch?: number;
}

/**
 * An organisation's email database on D1 prepared statements (schema: `migrations/org`).
 *
 * `recordEvent` is one D1 batch (one transaction): insert the event unless its SNS MessageId or
 * its content identity is already there, its email row is missing or that row is bound to another SES message, then
 * UPDATE the email row and add suppressions only if that insert is this attempt's own (matched by
 * a random token). So a duplicate delivery, a concurrent duplicate, or a retry after a failure can
 * never count an event twice, and a counter is a `+ 1` in SQL, never a read-modify-write. An event
 * never binds the row to its SES message: only `markSent` does, with SES's own answer.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function createD1OrgEmailStore(db: D1Database, options: D1OrgEmailStoreOptions = {}): OrgEmailStore {
  const maxStatementsPerBatch = options.maxStatementsPerBatch ?? MAX_STATEMENTS_PER_RECORD_BATCH;
  return {
    async recordEvent(input) {
      const token = crypto.randomUUID();
      const [inserted] = await db.batch(recordStatements(db, input, token));
      if (insertedRow(inserted)) return 'applied';
      const archiveKey = archiveKeyStatement(db, [input]);
      const [explained] = await db.batch([
        db
          .prepare(
            `SELECT EXISTS (SELECT 1 FROM email_events WHERE sns_message_id = ? OR content_id = ?) AS seen,
                    EXISTS (SELECT 1 FROM emails WHERE id = ? AND ses_message_id IS NOT NULL AND ses_message_id != ?) AS mismatch`,
          )
          .bind(input.event.snsMessageId, input.event.contentId, input.emailId, input.event.sesMessageId),
        ...(archiveKey ? [archiveKey] : []),
      ]);
      const found = explained?.results[0] as { seen: number; mismatch: number } | undefined;
      return found?.seen ? 'duplicate' : found?.mismatch ? 'email-mismatch' : 'email-missing';
    },

    async recordEvents(inputs) {
      const outcomes: Array<RecordEventOutcome | undefined> = new Array(inputs.length);
      const notApplied: number[] = [];
      for (const chunk of chunkByStatements(inputs, maxStatementsPerBatch)) {
        const statements: D1PreparedStatement[] = [];
        const inserts: number[] = [];
        for (const index of chunk) {
          const token = crypto.randomUUID();
          inserts.push(statements.length);
          statements.push(...recordStatements(db, inputs[index]!, token));
        }
        const results = await db.batch(statements);
        chunk.forEach((index, i) => {
          if (insertedRow(results[inserts[i]!])) outcomes[index] = 'applied';
          else notApplied.push(index);
        });
      }
      for (let from = 0; from < notApplied.length; from += MAX_IDS_PER_QUERY) {
        await explainNotApplied(db, inputs, notApplied.slice(from, from + MAX_IDS_PER_QUERY), outcomes);
      }
      return outcomes as RecordEventOutcome[];
    },
  };
}

/**
 * Whether the event's insert wrote its row: the insert ends `RETURNING`, so it returns the row
 * exactly when it wrote one. (Not `meta.changes`: in a batch, D1 can report there the changes of
 * an earlier statement's triggers, such as the search index's FTS5 writes.)
 * @see https://www.sqlite.org/lang_returning.html
 */
function insertedRow(result: D1Result | undefined): boolean {
  return (result?.results.length ?? 0) === 1;
}

/** At most 100 bound parameters per D1 query: ids per IN list. */
const MAX_IDS_PER_QUERY = 100;

/** Input indexes in chunks whose statements fit one batch; an event is never split. */
function chunkByStatements(inputs: readonly RecordEventInput[], maxStatements: number): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let size = 0;
  inputs.forEach((input, index) => {
    const cost = recordInputCost(input);
    if (current.length && size + cost > maxStatements) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(index);
    size += cost;
  });
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * Why the events at `indexes` were not applied, in one round trip: recorded before under the same
 * SNS MessageId or content identity (`duplicate`: an archived signed copy gives the recorded row
 * its archive key, `archiveKeyStatement`), their email row bound to another message
 * (`email-mismatch`), or no such row (`email-missing`).
 */
async function explainNotApplied(
  db: D1Database,
  inputs: readonly RecordEventInput[],
  indexes: readonly number[],
  outcomes: Array<RecordEventOutcome | undefined>,
): Promise<void> {
  const snsIds = [...new Set(indexes.map((i) => inputs[i]!.event.snsMessageId))];
  const contentIds = [...new Set(indexes.map((i) => inputs[i]!.event.contentId))];
  const emailIds = [...new Set(indexes.map((i) => inputs[i]!.emailId))];
  const [seenSns, seenContent, emails] = await db.batch([
    db
      .prepare(`SELECT sns_message_id AS id FROM email_events WHERE sns_message_id IN (${marks(snsIds.length)})`)
      .bind(...snsIds),
    db
      .prepare(`SELECT content_id AS id FROM email_events WHERE content_id IN (${marks(contentIds.length)})`)
      .bind(...contentIds),
    db
      .prepare(`SELECT id, ses_message_id AS ses FROM emails WHERE id IN (${marks(emailIds.length)})`)
      .bind(...emailIds),
    ...[
      archiveKeyStatement(
        db,
        indexes.map((i) => inputs[i]!),
      ),
    ].filter((statement) => statement !== null),
  ]);
  const recorded = new Set(
    [...(seenSns?.results ?? []), ...(seenContent?.results ?? [])].map((r) => (r as { id: string }).id),
  );
  const boundTo = new Map((emails?.results as Array<{ id: string; ses: string | null }>).map((r) => [r.id, r.ses]));
  for (const index of indexes) {
    const { emailId, event } = inputs[index]!;
    const bound = boundTo.get(emailId);
    outcomes[index] =
      recorded.has(event.snsMessageId) || recorded.has(event.contentId)
        ? 'duplicate'
        : bound !== undefined && bound !== null && bound !== event.sesMessageId
          ? 'email-mismatch'
          : 'email-missing';
  }
}
