// The generated email rows of the benchmarks that need a large email log (bench/queries.mjs,
// bench/org-kinds.mjs): deterministic, varied, filled inside SQLite so that 1M rows take seconds.
// `db` is any D1Database: a local D1 binding, or an organisation's Durable Object through D1's API.

// Recipients are `<first>.<last><number>@<domain>` (16 × 10 × 1000 combinations), so a prefix
// such as `mia.rossi4` matches 111 numbers of one name: ~70 rows at 100k, ~700 at 1M; `mia.`
// matches 1/16 of all rows.
import { EXAMPLE_DOMAINS, FIRST_NAMES, LAST_NAMES } from '../scripts/lib/demo-names.mjs';

export const YEAR_MS = 365 * 86_400_000;
export const NOW = Date.UTC(2026, 10, 28);
/** The latest event of an email comes this long after it is created (its complaint). */
const LAST_EVENT_MS = 120_000;
/**
 * Of `total` emails, email n is created at NOW - LAST_EVENT_MS - (total - 1 - n) × SPAN / total:
 * over the year ending at NOW (every event at or before NOW), in id and rowid order, as
 * production inserts them (a table filled in time order keeps a page's newest rows together).
 */
const SPAN = YEAR_MS - LAST_EVENT_MS;

/**
 * Inserts emails with ids [from, to) of `total` (their times spread over the year), generated
 * inside SQLite (a recursive CTE), varied but deterministic, and a CC `<last>.team<0–499>@partner.example` (an `email_recipients` row) on one
 * email in ten. The To rows sendEmail also writes are left out: their address is part of
 * `recipient`, so they change nothing in the search index, and 1M of them would add fill time. Subjects are a mix by n % 20
 * ("Your receipt #n" 30 %, "Your order #n has shipped" 20 %, invoices, digests, password resets,
 * welcomes); SES message ids have SES's shape (`01000<created, hex>-<uuid-like>-000000`).
 */
export async function insertEmails(db, from, to, total) {
  for (const sql of emailRowsSql())
    await db
      .prepare(sql)
      .bind(...[from, to, total].slice(0, sql.includes('?3') ? 3 : 2))
      .run();
}

/**
 * The two statements of insertEmails (emails, then their CC rows), `?1` and `?2` the ids' range
 * [from, to), `?3` the total: bench/org-fill.mjs runs them in the sqlite3 shell.
 * @returns {[string, string]}
 */
export function emailRowsSql() {
  const json = (items) => `'${JSON.stringify(items)}'`;
  // h(n): a cheap deterministic hash of n, so neighbouring rows differ.
  const h = (salt) => `((n * 2654435761 + ${salt}) % 4294967296)`;
  return [
    `WITH RECURSIVE seq(n) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT n + 1 FROM seq WHERE n < CAST(?2 AS INTEGER) - 1),
       rows AS (
         SELECT n,
           ${NOW - LAST_EVENT_MS} - (CAST(?3 AS INTEGER) - 1 - n) * ${SPAN} / CAST(?3 AS INTEGER) AS created,
           ${h(11)} % 1000 AS roll,
           json_extract(${json(FIRST_NAMES)}, '$[' || (n % 16) || ']') || '.' || json_extract(${json(LAST_NAMES)}, '$[' || (n / 16 % 10) || ']')
             || (n / 160 % 1000) || '@' || json_extract(${json(EXAMPLE_DOMAINS)}, '$[' || (n % 3) || ']') AS recipient
         FROM seq)
       INSERT INTO emails (id, recipient, sender, subject, email_type, status, ses_message_id, user_id, metadata, created_at, updated_at,
                           sent_at, delivered_at, opened_at, clicked_at, bounced_at, complained_at, open_count, click_count,
                           last_clicked_at, last_clicked_link, bounce_type, bounce_sub_type)
       SELECT printf('email-%08d', n), recipient, 'hello@acme.example',
         CASE WHEN n % 20 < 6 THEN 'Your receipt #' || n WHEN n % 20 < 10 THEN 'Your order #' || n || ' has shipped'
              WHEN n % 20 < 13 THEN 'Invoice ' || n || ' for November' WHEN n % 20 < 16 THEN 'Weekly digest: ' || (n % 40) || ' new messages'
              WHEN n % 20 < 18 THEN 'Password reset request' ELSE 'Welcome to Acme' END,
         json_extract('["transactional","marketing","notification"]', '$[' || (n % 3) || ']'),
         CASE WHEN roll < 20 THEN 'pending' WHEN roll < 120 THEN 'sent' WHEN roll < 150 THEN 'delayed' WHEN roll < 900 THEN 'delivered'
              WHEN roll < 910 THEN 'failed' WHEN roll < 920 THEN 'rejected' WHEN roll < 995 THEN 'bounced' ELSE 'complained' END AS status,
         printf('01000%011x-%08x-%04x-%04x-%04x-%012x-000000', created, ${h(3)}, ${h(5)} % 65536, ${h(9)} % 65536, ${h(13)} % 65536,
                (n * 2654435761) % 281474976710656),
         'user-' || (n % 7), CASE WHEN n % 3 = 1 THEN '{"campaign":"nov-2026"}' ELSE NULL END, created, created + 5000,
         CASE WHEN roll >= 20 THEN created + 1000 END, CASE WHEN roll >= 150 AND roll < 900 THEN created + 4000 END,
         CASE WHEN roll >= 400 AND roll < 900 THEN created + 60000 END, CASE WHEN roll >= 700 AND roll < 900 THEN created + 90000 END,
         CASE WHEN roll >= 920 AND roll < 995 THEN created + 3000 END, CASE WHEN roll >= 995 THEN created + ${LAST_EVENT_MS} END,
         CASE WHEN roll >= 400 AND roll < 900 THEN 1 + roll % 3 ELSE 0 END, CASE WHEN roll >= 700 AND roll < 900 THEN 1 + roll % 2 ELSE 0 END,
         CASE WHEN roll >= 700 AND roll < 900 THEN created + 90000 END, CASE WHEN roll >= 700 AND roll < 900 THEN 'https://example.com/pricing' END,
         CASE WHEN roll >= 920 AND roll < 995 THEN 'Permanent' END, CASE WHEN roll >= 920 AND roll < 995 THEN 'General' END
       FROM rows`,
    `WITH RECURSIVE seq(n) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT n + 1 FROM seq WHERE n < CAST(?2 AS INTEGER) - 1)
       INSERT INTO email_recipients (email_id, address, kind)
       SELECT printf('email-%08d', n), json_extract(${json(LAST_NAMES)}, '$[' || (n / 16 % 10) || ']') || '.team' || (n / 10 % 500) || '@partner.example', 'cc'
       FROM seq WHERE n % 10 = 3`,
  ];
}

/**
 * Opens and clicks of the emails [from, to) as events (`email_events`, in primary-key order: a
 * range's Clicks, then its Opens), a machine's (SES said Likely) one in five, and the machine
 * opens and clicks on their emails' counters, as recording them does.
 */
export async function insertEvents(db, from, to) {
  for (const sql of eventRowsSql()) await db.prepare(sql).bind(from, to).run();
}

/**
 * The statements of insertEvents, `?1` and `?2` the emails' range [from, to). With `positions`,
 * each event gets its feed position (migrations/org/0010_event_positions.sql): increasing in the
 * order inserted, chunk after chunk (2 × from + its rank), as the trigger dropped for a fill would.
 * @param {{ positions?: boolean }} [options]
 * @returns {string[]}
 */
export function eventRowsSql({ positions = false } = {}) {
  const id = (n) => `printf('email-%08d', ${n})`;
  const events = [
    [
      'Click',
      'clicked_at',
      `'https://example.com/' || (abs(unicode(substr(id, -1)) * 7 + unicode(substr(id, -2, 1))) % 40)`,
      '0',
    ],
    ['Open', 'opened_at', 'NULL', '(?2 - ?1)'],
  ];
  return [
    ...events.map(
      ([type, at, link, offset]) =>
        `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at,
                                   ingest_token, engagement, engagement_rule, rules_version, link, mail_timestamp, content_id, source${positions ? ', position' : ''})
         SELECT '${type}-' || id, id, ses_message_id, '${type}', ${at}, '{}', ${at}, 'bench',
                CASE WHEN substr(id, -1) IN ('0', '5') THEN 'machine' ELSE 'human' END,
                CASE WHEN substr(id, -1) IN ('0', '5') THEN 'ses-likely-bot' ELSE 'ses-unlikely-bot' END,
                1, ${link}, sent_at, '${type}-' || id, 'sns'${positions ? `, 2 * ?1 + ${offset} + CAST(substr(id, 7) AS INTEGER) - ?1 + 1` : ''}
         FROM emails WHERE id >= ${id('?1')} AND id < ${id('?2')} AND ${at} IS NOT NULL ORDER BY id`,
    ),
    `UPDATE emails SET machine_open_count = (open_count > 0), machine_click_count = (click_count > 0)
     WHERE id >= ${id('?1')} AND id < ${id('?2')} AND substr(id, -1) IN ('0', '5')`,
  ];
}
