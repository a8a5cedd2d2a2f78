import { applyD1Migrations, env } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { routedInput } from '../../../../test/seed.js';
import { createOrgEmailStore } from '../organizations/org-email-store.js';
import { copyOrgTablePage, ORG_TABLES } from '../organizations/org-copy.js';
import { reclassifyEngagementPage } from '../ses-events/d1-engagement-reclassify.js';
import { ENGAGEMENT_RULES } from '../ses-events/engagement.js';
import type { SesEventType } from '../ses-events/ses-event.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { resetTrackingPage } from '../ingest/d1-tracking-reset.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import { DAY_MS, recipientsSentKeySql } from './rollups.js';
import { REPUTATION_MARK_SQL } from '../shared/reputation-marks-sql.js';
import { backfillRollups, readRollupBackfill, rollupBackfillSlice } from './rollup-backfill.js';

// The daily rollups (migrations/org/0011_daily_rollups.sql) against a recount from raw rows: random
// events of a few emails (a canary among them), recorded in a random order with duplicates, late
// events days before the others, people's and machines' opens and clicks (user agent, SES's
// isBotEvent, bursts of clicks), then sometimes a reclassification under other rules; on D1 and on
// a Durable Object. Some emails predate the rollups: a backfill marker is set before they are
// written (as 0011_daily_rollups.sql leaves one over the emails already there), so the triggers
// skip them and their events, and backfill slices interleaved with the events count them; a
// tracking reset and its replay (`kuratchi-ses rebuild`) may run in the middle. The recount is
// written here in its plainest form, independent of the triggers.

/** Each metric counted from raw rows: table, time column, condition, key (the migration's definitions). */
const RECOUNT: ReadonlyArray<[metric: string, table: string, at: string, where: string, key: string]> = [
  ['sent', 'emails', 'sent_at', 'canary = 0', `''`],
  ['delivered', 'emails', 'delivered_at', 'canary = 0', `''`],
  ['opened', 'emails', 'opened_at', 'canary = 0', `''`],
  ['clicked', 'emails', 'clicked_at', 'canary = 0', `''`],
  ['bounced', 'emails', 'bounced_at', 'canary = 0', `coalesce(bounce_type, '')`],
  ['complained', 'emails', 'complained_at', 'canary = 0', `''`],
  ['rejected', 'emails', 'rejected_at', 'canary = 0', `''`],
  ['failed', 'emails', 'failed_at', 'canary = 0', `''`],
  ['human_opened', 'emails', 'opened_at', 'canary = 0 AND open_count > machine_open_count', `''`],
  ['human_clicked', 'emails', 'clicked_at', 'canary = 0 AND click_count > machine_click_count', `''`],
  // Its UTC hour, or '' before org migration 0019's `hours_since` (a database with emails before it).
  ['recipients_sent', 'email_recipients', 'sent_at', 'NOT_CANARY', recipientsSentKeySql('sent_at')],
  ['recipients_bounced', 'email_recipients', 'bounced_at', 'NOT_CANARY', `coalesce(bounce_type, '')`],
  ['recipients_complained', 'email_recipients', 'complained_at', 'NOT_CANARY', `''`],
  [
    'verdict_human',
    'email_events',
    'occurred_at',
    `NOT_CANARY AND engagement = 'human'`,
    `coalesce(engagement_rule, '')`,
  ],
  [
    'verdict_machine',
    'email_events',
    'occurred_at',
    `NOT_CANARY AND engagement = 'machine'`,
    `coalesce(engagement_rule, '')`,
  ],
  [
    'link_human',
    'email_events',
    'occurred_at',
    `NOT_CANARY AND link IS NOT NULL AND event_type = 'Click' AND engagement IS NOT 'machine'`,
    'link',
  ],
  [
    'link_machine',
    'email_events',
    'occurred_at',
    `NOT_CANARY AND link IS NOT NULL AND event_type = 'Click' AND engagement = 'machine'`,
    'link',
  ],
];

type Row = { day: number; metric: string; key: string; count: number };
const sorted = (rows: Row[]) =>
  rows.map((r) => `${r.day} ${r.metric} ${r.key} ${r.count}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

async function recount(db: D1Database): Promise<string[]> {
  const notCanary = (table: string) =>
    `NOT EXISTS (SELECT 1 FROM emails AS c WHERE c.id = ${table}.email_id AND c.canary = 1)`;
  const results = await db.batch<Row>(
    RECOUNT.map(([metric, table, at, where, key]) =>
      db
        .prepare(
          `SELECT ${at} / ${DAY_MS} AS day, ? AS metric, ${key} AS key, count(*) AS count FROM ${table}
           WHERE ${at} IS NOT NULL AND ${where.replace('NOT_CANARY', notCanary(table))} GROUP BY day, key`,
        )
        .bind(metric),
    ),
  );
  return sorted(results.flatMap((r) => r.results));
}

async function rollups(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare('SELECT day, metric, key, count FROM email_rollups WHERE count <> 0').all<Row>();
  return sorted(results);
}

const TYPES: SesEventType[] = [
  'Send',
  'Delivery',
  'Bounce',
  'Complaint',
  'Reject',
  'Rendering Failure',
  'Open',
  'Click',
];
const MACHINE_AGENT = 'python-requests/2.31.0';

const eventSpec = fc.record({
  email: fc.nat({ max: 2 }),
  eventType: fc.constantFrom(...TYPES, 'Open', 'Click', 'Click'),
  // Days before now (late events land days before the others), and seconds (bursts of clicks).
  daysBefore: fc.nat({ max: 3 }),
  second: fc.nat({ max: 4 }),
  link: fc.constantFrom('https://example.com/a', 'https://example.com/b'),
  machineAgent: fc.boolean(),
  isBotEvent: fc.constantFrom(undefined, 'Likely', 'Unlikely'),
  bounceType: fc.constantFrom('Permanent', 'Transient', 'Undetermined'),
  recipients: fc.subarray(['ann@example.com', 'bob@example.com'], { minLength: 1 }),
});

const scenario = fc.record({
  canary: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  sentBefore: fc.array(fc.nat({ max: 3 }), { minLength: 3, maxLength: 3 }),
  events: fc.array(eventSpec, { minLength: 1, maxLength: 10 }),
  // Arrival order: indexes of events, each at least once, some again (duplicate deliveries).
  order: fc.array(fc.nat(), { maxLength: 6 }),
  seed: fc.integer(),
  reclassify: fc.boolean(),
  // Emails (the first ones) that predate the rollups; after which arrivals a backfill slice runs,
  // of how many emails; a reset and replay of every event after the arrivals.
  older: fc.nat({ max: 3 }),
  slices: fc.array(fc.record({ after: fc.nat(), size: fc.integer({ min: 1, max: 2 }) }), { maxLength: 4 }),
  rebuild: fc.boolean(),
});

/** Runs one backfill slice of `size` emails (a budget of one batch). */
const slice = (db: D1Database, size: number) =>
  backfillRollups(db, { queriesLeft: 6, deadline: Number.POSITIVE_INFINITY }, { slice: size });

/** The reputation marks, and the recipients the rule of shared/reputation-marks-sql.ts marks. */
const MARKS = 'SELECT email_id, address, kind, sent_at FROM email_reputation_marks ORDER BY 1, 2, 3';
const MARKS_RECOUNT = `SELECT r.email_id, r.address, k.kind, r.sent_at
  FROM email_recipients r JOIN emails e ON e.id = r.email_id CROSS JOIN (SELECT 'bounced' AS kind UNION ALL SELECT 'complained') AS k
  WHERE e.canary = 0 AND CASE k.kind WHEN 'bounced' THEN ${REPUTATION_MARK_SQL.bounced('r')} ELSE ${REPUTATION_MARK_SQL.complained('r')} END
  ORDER BY 1, 2, 3`;
const rows = async (db: D1Database, sql: string) => (await db.prepare(sql).all()).results;

describe.each(ORG_DATABASE_KINDS)('daily rollups on $kind', ({ db, organizationId }) => {
  const store = createOrgEmailStore(db);

  it('equal a recount from raw rows after random, duplicated, late and reclassified events', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ canary, sentBefore, events, order, seed, reclassify, ...backfill }) => {
        // The emails written next get the rowids after the highest: the first `older` are pending.
        const highest = Number(await db.prepare('SELECT coalesce(max(rowid), 0) AS n FROM emails').first('n'));
        if (backfill.older)
          await db
            .prepare('INSERT INTO email_rollups_backfill (id, high_water, cursor) VALUES (1, ?, ?)')
            .bind(highest + backfill.older, highest)
            .run();
        const emails: { id: string; sesMessageId: string }[] = [];
        for (const [i, isCanary] of canary.entries()) {
          emails.push(
            await (async () => {
              const id = crypto.randomUUID();
              const sesMessageId = `ses-${id}`;
              const sentAt = TEST_NOW.getTime() - sentBefore[i]! * DAY_MS;
              // As sendEmail leaves a sent email: its row (canary or not) and its two To recipients.
              await db.batch([
                db
                  .prepare(
                    `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, sent_at, canary)
                   VALUES (?, 'ann@example.com, bob@example.com', 's@example.com', 'Hi', 'sent', ?, ?, ?, ?, ?)`,
                  )
                  .bind(id, sesMessageId, sentAt, sentAt, sentAt, isCanary ? 1 : 0),
                db
                  .prepare(
                    `INSERT INTO email_recipients (email_id, address, kind, status, sent_at)
                   SELECT ?, value, 'to', 'sent', ? FROM json_each('["ann@example.com","bob@example.com"]')`,
                  )
                  .bind(id, sentAt),
              ]);
              return { id, sesMessageId };
            })(),
          );
        }
        const deliveries = events.map((spec, i) => {
          const email = emails[spec.email]!;
          const time = new Date(TEST_NOW.getTime() - spec.daysBefore * DAY_MS + spec.second * 1000);
          const ses = buildSesEvent({
            eventType: spec.eventType as SesEventType,
            messageId: email.sesMessageId,
            time,
            to: ['ann@example.com', 'bob@example.com'],
            recipients: spec.recipients,
            link: spec.link,
            bounceType: spec.bounceType,
            ...(spec.machineAgent ? { userAgent: MACHINE_AGENT } : {}),
            ...(spec.isBotEvent ? { isBotEvent: spec.isBotEvent } : {}),
          });
          return { emailId: email.id, snsMessageId: `sns-${email.id}-${i}`, ses };
        });
        const arrivals = fc.sample(
          fc.shuffledSubarray([...deliveries, ...order.map((n) => deliveries[n % deliveries.length]!)], {
            minLength: deliveries.length + order.length,
          }),
          { seed, numRuns: 1 },
        )[0]!;
        const record = async (d: (typeof arrivals)[number]) =>
          store.recordEvent(
            await routedInput({ organizationId, emailId: d.emailId }, d.snsMessageId, d.ses, TEST_NOW.getTime()),
          );
        for (const [n, d] of arrivals.entries()) {
          await record(d);
          for (const s of backfill.slices) if (s.after % arrivals.length === n) await slice(db, s.size);
        }
        if (backfill.rebuild) {
          let after: string | null = null;
          do after = (await resetTrackingPage(db, { after, dropUnarchived: true })).next;
          while (after !== null);
          // Nothing of the outcomes reset is left marked.
          expect(await rows(db, MARKS)).toEqual(await rows(db, MARKS_RECOUNT));
          await slice(db, 1);
          for (const d of arrivals) await record(d);
        }
        if (reclassify) {
          const rules = { ...ENGAGEMENT_RULES, version: ENGAGEMENT_RULES.version + 1, clickBurstWindowMs: 10_000 };
          let after: string | null = null;
          do after = (await reclassifyEngagementPage(db, { after, rules })).next;
          while (after !== null);
          // Back to today's rules, so the next run's events are classified alike.
          do after = (await reclassifyEngagementPage(db, { after })).next;
          while (after !== null);
        }
        let marker = await readRollupBackfill(db);
        while (marker) marker = (await slice(db, 2)).marker;
        expect(await rollups(db)).toEqual(await recount(db));
        // The reputation marks (org migration 0016) too: the rule applied to the raw rows.
        expect(await rows(db, MARKS)).toEqual(await rows(db, MARKS_RECOUNT));
      }),
      { numRuns: 15 },
    );
  });
});

describe('daily rollups outlive raw rows, and a rebuild counts nothing twice', () => {
  const db = env.ORG_DB_ACME;
  const store = createOrgEmailStore(db);
  const queries = createD1EmailQueries(db);
  const CREATED = TEST_NOW.getTime() + DAY_MS;

  async function trackedEmail(prefix: string) {
    const id = `${prefix}-${crypto.randomUUID()}`;
    const sesMessageId = `ses-${id}`;
    const at = TEST_NOW.getTime() - 2 * DAY_MS;
    // Created after the other tests' emails (`CREATED`), so that a reset can take only these.
    await db
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, sent_at)
         VALUES (?, 'ann@example.com', 's@example.com', 'Hi', 'sent', ?, ?, ?, ?)`,
      )
      .bind(id, sesMessageId, CREATED, at, at)
      .run();
    let n = 0;
    const inputs = [];
    for (const [eventType, extra] of [
      ['Delivery', {}],
      ['Open', {}],
      ['Click', { link: 'https://example.com/kept' }],
      ['Click', { link: 'https://example.com/kept', userAgent: MACHINE_AGENT }],
      ['Bounce', { bounceType: 'Transient', recipient: 'cc@example.com' }],
    ] as const) {
      const ses = buildSesEvent({ eventType, messageId: sesMessageId, time: new Date(at + ++n * 60_000), ...extra });
      const input = await routedInput({ organizationId: 'org-acme', emailId: id }, `sns-${id}-${n}`, ses, at);
      // Archived (a key), so the reset takes the event back, as `kuratchi-ses rebuild` would replay it.
      inputs.push({ ...input, event: { ...input.event, archiveKey: `k/${id}/${n}` } });
    }
    for (const input of inputs) expect(await store.recordEvent(input)).toBe('applied');
    return { id, inputs };
  }

  it('keeps the charts and totals once the emails and events are deleted', async () => {
    const { id } = await trackedEmail('purged');
    const before = await rollups(db);
    const stats = await queries.dailyStats(7, TEST_NOW.getTime());
    const links = await queries.topLinks(TEST_NOW.getTime() - 7 * DAY_MS, TEST_NOW.getTime() + 1);
    expect(links).toContainEqual({ link: 'https://example.com/kept', humanClicks: 1, machineClicks: 1 });
    // Deleting the email deletes its recipients and events (ON DELETE CASCADE), as retention does.
    await db.prepare('DELETE FROM emails WHERE id = ?').bind(id).run();
    expect(await db.prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?').bind(id).first('n')).toBe(0);
    expect(await rollups(db)).toEqual(before);
    expect(await queries.dailyStats(7, TEST_NOW.getTime())).toEqual(stats);
    expect(await queries.topLinks(TEST_NOW.getTime() - 7 * DAY_MS, TEST_NOW.getTime() + 1)).toEqual(links);
  });

  it('a tracking reset takes back what it deletes, so the events recorded again count once', async () => {
    const { inputs } = await trackedEmail('rebuilt');
    const before = await rollups(db);
    let after: string | null = null;
    do after = (await resetTrackingPage(db, { after, since: CREATED })).next;
    while (after !== null);
    const reset = await rollups(db);
    expect(reset).not.toEqual(before);
    // The replay of `kuratchi-ses rebuild`: the same SNS messages again, in another order.
    for (const input of inputs.reverse()) expect(await store.recordEvent(input)).toBe('applied');
    expect(await rollups(db)).toEqual(before);
  });

  it('an organisation copied table by table has the same rollups, those of deleted emails included', async () => {
    const target = env.ORG_DB_GLOBEX;
    for (const table of ORG_TABLES) {
      let cursor: string | null = null;
      do cursor = (await copyOrgTablePage(db, target, table, cursor, 7)).next;
      while (cursor !== null);
    }
    expect(await rollups(target)).toEqual(await rollups(db));
  });
});

describe('the rows already there when the rollups began are backfilled by the job, not the migration', () => {
  it('the migration leaves a marker over them; bounded slices make the rollups equal a recount, canaries left out', async () => {
    const db = env.ORG_DB_UNMIGRATED; // a scratch database of this file
    await applyD1Migrations(
      db,
      env.ORG_MIGRATIONS.filter((migration) => migration.name < '0011'),
    );
    const day = TEST_NOW.getTime() - 5 * DAY_MS;
    const email = (id: string, canary: number, offset: number) =>
      db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, canary,
                               sent_at, delivered_at, opened_at, clicked_at, bounced_at, bounce_type, open_count,
                               machine_open_count, click_count, machine_click_count)
           VALUES (?1, 'a@example.com', 's@example.com', 'Hi', 'bounced', ?2, ?4, ?4, ?3, ?4, ?4 + 1, ?4 + 2, ?4 + ${DAY_MS},
                   ?4 + 3, 'Transient', 2, 1, 1, 1)`,
        )
        .bind(id, `ses-${id}`, canary, day + offset);
    const event = (id: string, emailId: string, type: string, engagement: string | null, link: string | null) =>
      db
        .prepare(
          `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at,
                                     ingest_token, engagement, engagement_rule, link)
           VALUES (?, ?, 'ses', ?, ?, '{}', 1, 't', ?, ?, ?)`,
        )
        .bind(id, emailId, type, day + 10, engagement, engagement ? `rule-${engagement}` : null, link);
    await db.batch([
      email('e-1', 0, 0),
      email('e-2', 0, DAY_MS),
      email('e-canary', 1, 0),
      db.prepare(
        `INSERT INTO email_recipients (email_id, address, kind, status, sent_at, bounced_at, bounce_type)
         VALUES ('e-1', 'a@example.com', 'to', 'bounced', ${day}, ${day + 3}, 'Permanent'),
                ('e-2', 'b@example.com', NULL, 'sent', ${day}, NULL, NULL),
                ('e-canary', 'c@example.com', 'to', 'bounced', ${day}, ${day + 3}, 'Permanent')`,
      ),
      event('o-1', 'e-1', 'Open', 'human', null),
      event('o-2', 'e-1', 'Open', 'machine', null),
      event('c-1', 'e-1', 'Click', 'human', 'https://example.com/a'),
      event('c-2', 'e-2', 'Click', 'machine', 'https://example.com/a'),
      event('c-3', 'e-2', 'Click', null, 'https://example.com/b'),
      event('c-canary', 'e-canary', 'Click', 'human', 'https://example.com/a'),
    ]);
    await applyD1Migrations(db, env.ORG_MIGRATIONS);
    // The migration counted nothing: it left a marker over the three emails (rowids 1 to 3).
    expect(await rollups(db)).toEqual([]);
    expect(await readRollupBackfill(db)).toEqual({ highWater: 3, cursor: 0 });
    // A budget of one slice of two emails: it stops there, and the next call resumes.
    const first = await backfillRollups(db, { queriesLeft: 6, deadline: Number.POSITIVE_INFINITY }, { slice: 2 });
    expect(first).toMatchObject({ done: false, marker: { highWater: 3, cursor: 2 }, queries: 6 });
    // A slice sent again (a retried or concurrent run) counts nothing twice.
    await db.batch(rollupBackfillSlice(db, 0, 2));
    const rest = await backfillRollups(
      db,
      { queriesLeft: 100, deadline: Number.POSITIVE_INFINITY },
      { slice: 2, now: TEST_NOW.getTime() },
    );
    // The last email's rollups, then the reputation marks of all three (org migration 0016).
    expect(rest).toMatchObject({ done: true, marker: null, marks: null, rowids: 1 + 3 });
    expect(await readRollupBackfill(db)).toBeNull();
    expect((await db.prepare('SELECT email_id, address, kind FROM email_reputation_marks').all()).results).toEqual([
      { email_id: 'e-1', address: 'a@example.com', kind: 'bounced' },
    ]);
    const backfilled = await rollups(db);
    expect(backfilled).toEqual(await recount(db));
    expect(backfilled).toContain(`${Math.floor((day + 10) / DAY_MS)} link_human https://example.com/b 1`);
    expect(backfilled.filter((row) => row.includes(' sent '))).toEqual([
      `${Math.floor(day / DAY_MS)} sent  1`,
      `${Math.floor(day / DAY_MS) + 1} sent  1`,
    ]);
  });
});
