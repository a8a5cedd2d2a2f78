import type { D1Database } from '@cloudflare/workers-types';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { countingRowsRead } from '../../../../test/rows-read.js';
import { insertEmail, routedInput } from '../../../../test/seed.js';
import { parseSesEvent, type SesEventType } from '../ses-events/ses-event.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { createD1OrgEmailStore } from './d1-org-email-store.js';

/**
 * What recording one event writes, counted: D1 bills every row and every index entry written
 * (`meta.rows_written`; the Durable Object's `cursor.rowsWritten` through its wire), and rows
 * written are most of the cost of an event (docs/cost.md). Each bound is the count after org
 * migration 0017 (the position written with the event's row, no index by recipient address):
 * a new index, trigger or statement on this path makes it fail, and should lower the bound only
 * with a reason. The email's status is assigned only when it rises (`compileStatusSplit`), a
 * recipient row only written when it changes (`compileChangeCondition`).
 * @see https://developers.cloudflare.com/d1/platform/pricing/ ("Indexes will add an additional written row")
 * @see https://developers.cloudflare.com/d1/worker-api/return-object/
 */

/**
 * Half past the hour before TEST_NOW's: the life's events stay in SENT's UTC hour, so the
 * recipients' hour-keyed rollup row (org 0019) moves only where the life says.
 */
const HOUR_MS = 3_600_000;
const SENT = Math.floor((TEST_NOW.getTime() - HOUR_MS) / HOUR_MS) * HOUR_MS + HOUR_MS / 2;
const RECIPIENT = 'reader@example.com';

/**
 * Rows written per event of a sent email's life, in order (its type, its time after SENT), with
 * the most each may write: the event's row and its indexes (by email, content id, time,
 * position; a click's two click indexes), the email's row (its status index only when the status
 * rises), the daily rollups each first milestone moves, and the recipient's row and its status
 * index (nothing when nothing of it changes).
 */
const LIFE: ReadonlyArray<[SesEventType, number, number]> = [
  // SES accepted the message just before sendEmail marked it sent: event 5; email row 1; recipient
  // row, its status index (assigned, not changed), `email_recipients_by_sent` (its earlier sent_at) 3
  ['Send', -500, 9],
  // event 5; email row, status index, `delivered` rollup 3; recipient row, status index 2
  ['Delivery', 60_000, 10],
  // another Delivery of the message, later: event 5; email row (updated_at) 1; recipient nothing
  ['Delivery', 90_000, 6],
  // event 5, verdict rollup 1; email row, `opened` and `human_opened` rollups 3
  ['Open', 120_000, 9],
  // event 5, click indexes 2, verdict and link rollups 2; email row, `clicked` and `human_clicked` rollups 3
  ['Click', 180_000, 12],
  // event 5, verdict rollup 1; email row 1
  ['Open', 240_000, 7],
];

describe.each(ORG_DATABASE_KINDS)('rows written to record an event on $kind', ({ db, organizationId }) => {
  /** An email as sendEmail leaves it once SES accepted it: sent, its recipient row sent. */
  async function sentEmail(target: D1Database) {
    const sesMessageId = `ses-writes-${crypto.randomUUID()}`;
    const emailId = await insertEmail(target, { sesMessageId, recipient: RECIPIENT });
    await target.batch([
      target.prepare(`UPDATE emails SET status = 'sent', sent_at = ? WHERE id = ?`).bind(SENT, emailId),
      target
        .prepare(
          `INSERT INTO email_recipients (email_id, address, kind, status, sent_at) VALUES (?, ?, 'to', 'sent', ?)`,
        )
        .bind(emailId, RECIPIENT, SENT),
    ]);
    return { emailId, sesMessageId };
  }

  it('each event of a sent email’s life writes at most its counted rows', async () => {
    const { emailId, sesMessageId } = await sentEmail(db);
    const written: Array<[SesEventType, number]> = [];
    for (const [eventType, after] of LIFE) {
      const counting = countingRowsRead(db);
      const store = createD1OrgEmailStore(counting.db);
      const at = SENT + after;
      const event = parseSesEvent(
        JSON.stringify(
          buildSesEvent({
            eventType,
            messageId: sesMessageId,
            recipient: RECIPIENT,
            time: new Date(at),
            sentAt: new Date(SENT),
            link: 'https://example.com/offer',
          }),
        ),
      );
      const input = await routedInput({ organizationId, emailId }, `sns-${crypto.randomUUID()}`, event, SENT + 300_000);
      expect(await store.recordEvent(input)).toBe('applied');
      written.push([eventType, counting.rowsWritten()]);
    }
    expect(written, `rows written per event: ${JSON.stringify(written)}`).toSatisfy((counts: typeof written) =>
      counts.every(([, n], i) => n <= LIFE[i]![2]),
    );
  });
});
