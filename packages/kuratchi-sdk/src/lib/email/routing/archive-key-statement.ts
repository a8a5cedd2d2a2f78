import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import type { RecordEventInput } from './ports.js';

/**
 * The statement that gives copies which were not applied (a duplicate: same SNS MessageId or
 * content identity, same email) their archived signed message, on the recorded event's row
 * when that row has none; null when no copy has one. So an event first received unsigned
 * (Firehose, import), or before the raw archive was bound, becomes provable when a signed copy
 * arrives, and still counts once: its counters and its `source` (how its first copy came) stay.
 * The first signed copy's key is kept: one signed copy proves the event, and the raw archive
 * keeps every copy's object whatever the row names. One statement for any number of copies,
 * reaching rows through the SNS MessageId key and the content identity index.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * @see https://www.sqlite.org/json1.html#jeach
 */
export function archiveKeyStatement(db: D1Database, copies: readonly RecordEventInput[]): D1PreparedStatement | null {
  const archived = copies
    .filter(({ event }) => event.archiveKey !== null)
    .map(({ emailId, event }) => ({
      email: emailId,
      sns: event.snsMessageId,
      content: event.contentId,
      key: event.archiveKey,
    }));
  if (archived.length === 0) return null;
  return db
    .prepare(
      `UPDATE email_events SET archive_key = (
         SELECT json_extract(copy.value, '$.key') FROM json_each(?1) AS copy
          WHERE json_extract(copy.value, '$.email') = email_events.email_id
            AND (json_extract(copy.value, '$.sns') = email_events.sns_message_id
                 OR json_extract(copy.value, '$.content') = email_events.content_id)
          LIMIT 1)
        WHERE archive_key IS NULL
          AND (sns_message_id IN (SELECT json_extract(value, '$.sns') FROM json_each(?1))
               OR content_id IN (SELECT json_extract(value, '$.content') FROM json_each(?1)))`,
    )
    .bind(JSON.stringify(archived));
}
