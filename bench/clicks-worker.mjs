// The Worker of bench/clicks.mjs, bundled with the built SDK and run by miniflare in workerd next
// to its D1 databases: SES Click and Open events of one email recorded as the webhook's direct
// path records them (recordSesEvent: the route from the admin database, then the organisation's
// batch), with the organisation's D1 binding wrapped so that the rows each batch read
// (`meta.rows_read`, which D1 reports per statement) are added up.
//   POST /email { emailId, sesMessageId }                 the email row and its route
//   POST /record { sesMessageId, events: [{ eventType, at, link }] }
//     records each event in turn; answers { rowsRead, outcomes } (rows read by the last event)
// https://developers.cloudflare.com/d1/worker-api/return-object/
import { parseSesEvent } from 'kuratchi-sdk/internal/events';
import { buildSesEvent } from 'kuratchi-sdk/email/testing';
import { createD1AdminStore, createD1OrgEmailStore, recordSesEvent } from 'kuratchi-sdk/internal/d1';

const ORGANIZATION = 'org-acme';
/** When SES accepted the message: the events are minutes after it (no rule calls them too soon). */
const SENT_AT = Date.UTC(2026, 0, 5, 9, 0, 0);

/** `db` whose batches add the rows their statements read to `counter.rows`. */
function rowsReadCounting(db, counter) {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'batch')
        return async (statements) => {
          const results = await target.batch(statements);
          for (const result of results) counter.rows += result.meta.rows_read ?? 0;
          return results;
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
    if (path === '/email') {
      await env.ORG_DB_ACME.prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, sent_at)
         VALUES (?, 'reader@example.com', 'news@example.com', 'Offer', 'sent', ?, ?, ?, ?)`,
      )
        .bind(input.emailId, input.sesMessageId, SENT_AT, SENT_AT, SENT_AT)
        .run();
      await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
        .bind(input.sesMessageId, ORGANIZATION, input.emailId)
        .run();
      return Response.json({});
    }
    const counter = { rows: 0 };
    const orgDb = rowsReadCounting(env.ORG_DB_ACME, counter);
    const ports = {
      adminStore: createD1AdminStore(env.ADMIN_DB),
      resolveOrgEmailStore: async () => createD1OrgEmailStore(orgDb),
      now: () => new Date(SENT_AT + 86_400_000),
    };
    const outcomes = {};
    for (const { eventType, at, link } of input.events) {
      const event = parseSesEvent(
        JSON.stringify(
          buildSesEvent({
            eventType,
            messageId: input.sesMessageId,
            time: new Date(SENT_AT + at),
            sentAt: new Date(SENT_AT),
            link,
          }),
        ),
      );
      counter.rows = 0;
      const { outcome } = await recordSesEvent(ports, `sns-${crypto.randomUUID()}`, event);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    return Response.json({ rowsRead: counter.rows, outcomes });
  },
};
