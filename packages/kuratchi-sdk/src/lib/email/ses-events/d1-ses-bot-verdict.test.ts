import { applyD1Migrations, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { insertEmail, routedInput } from '../../../../test/seed.js';
import { ENGAGEMENT_RULES } from './engagement.js';
import { parseSesEvent } from './ses-event.js';
import { buildSesEvent, type SesEventSpec } from '../testing/ses-event-factory.js';
import { reclassifyEngagementPage } from './d1-engagement-reclassify.js';
import { createD1OrgEmailStore } from '../routing/d1-org-email-store.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';

const APPLE_MPP = 'Mozilla/5.0';
const base = TEST_NOW.getTime() - 3_600_000;

/**
 * SES's `isBotEvent` recorded through the store's real statements, on a D1 binding and on a
 * Durable Object (migrations/org/0008_ses_bot_verdict.sql in both), in both arrival orders.
 */
describe.each(ORG_DATABASE_KINDS)("SES's bot verdict recorded on $kind", ({ db, organizationId }) => {
  const store = createD1OrgEmailStore(db);

  /** An email and its events (recorded in the given order); returns its id. */
  async function record(specs: Array<Omit<SesEventSpec, 'messageId'>>) {
    const sesMessageId = `ses-bot-${crypto.randomUUID()}`;
    const emailId = await insertEmail(db, { sesMessageId });
    for (const spec of specs) {
      const event = parseSesEvent(JSON.stringify(buildSesEvent({ ...spec, messageId: sesMessageId })));
      const snsId = `${emailId}-${spec.eventType}-${spec.link ?? ''}-${spec.time.getTime()}`;
      await store.recordEvent(await routedInput({ organizationId, emailId }, snsId, event, base));
    }
    return emailId;
  }

  async function verdicts(emailId: string) {
    const { results } = await db
      .prepare(
        `SELECT event_type AS type, link, is_bot_event AS raw, engagement, engagement_rule AS rule FROM email_events
         WHERE email_id = ? AND engagement IS NOT NULL ORDER BY occurred_at`,
      )
      .bind(emailId)
      .all();
    const counts = await db
      .prepare('SELECT machine_open_count AS opens, machine_click_count AS clicks FROM emails WHERE id = ?')
      .bind(emailId)
      .first();
    return { events: results, counts };
  }

  const open = (isBotEvent?: string, ms = 0) =>
    ({
      eventType: 'Open',
      time: new Date(base + 600_000 + ms),
      sentAt: new Date(base),
      userAgent: APPLE_MPP,
      isBotEvent,
    }) as const;
  const click = (link: 'a' | 'b', ms: number, isBotEvent?: string) =>
    ({
      eventType: 'Click',
      time: new Date(base + 600_000 + ms),
      sentAt: new Date(base),
      link: `https://example.com/${link}`,
      isBotEvent,
    }) as const;

  it('stores isBotEvent raw; Likely/Unlikely decide, absent or unknown leaves the rules (Apple MPP) to decide', async () => {
    for (const [raw, engagement, rule] of [
      ['Unlikely', 'human', 'ses-unlikely-bot'],
      ['Likely', 'machine', 'ses-likely-bot'],
      [undefined, 'machine', 'apple-mpp'],
      ['Maybe', 'machine', 'apple-mpp'],
    ] as const) {
      const emailId = await record([open(raw)]);
      expect(await verdicts(emailId), String(raw)).toEqual({
        events: [{ type: 'Open', link: null, raw: raw ?? null, engagement, rule }],
        counts: { opens: engagement === 'machine' ? 1 : 0, clicks: 0 },
      });
    }
  });

  it('click-burst never turns an Unlikely click machine, in either order, and the counters agree', async () => {
    const expected = {
      events: [
        {
          type: 'Click',
          link: 'https://example.com/a',
          raw: 'Unlikely',
          engagement: 'human',
          rule: 'ses-unlikely-bot',
        },
        { type: 'Click', link: 'https://example.com/b', raw: null, engagement: 'machine', rule: 'click-burst' },
      ],
      counts: { opens: 0, clicks: 1 },
    };
    expect(await verdicts(await record([click('a', 0, 'Unlikely'), click('b', 600)]))).toEqual(expected);
    expect(await verdicts(await record([click('b', 600), click('a', 0, 'Unlikely')]))).toEqual(expected);
    const likely = await verdicts(await record([click('b', 600), click('a', 0, 'Likely')]));
    expect(likely.events.map((e) => e['rule'])).toEqual(['ses-likely-bot', 'click-burst']);
    expect(likely.counts).toEqual({ opens: 0, clicks: 2 });
  });

  it('reclassify never overrides an SES verdict with the rules, and gives back what live ingestion recorded', async () => {
    const emailId = await record([
      open('Unlikely'),
      click('a', 0, 'Unlikely'),
      click('b', 600),
      open(undefined, 5_000),
    ]);
    const live = await verdicts(emailId);
    const noBurst = { ...ENGAGEMENT_RULES, version: ENGAGEMENT_RULES.version + 1, clickBurstWindowMs: 0 };
    for (const rules of [noBurst, ENGAGEMENT_RULES]) {
      await db.prepare('UPDATE email_events SET rules_version = NULL WHERE email_id = ?').bind(emailId).run();
      let after: string | null = null;
      do after = (await reclassifyEngagementPage(db, { after, rules })).next;
      while (after);
      const now = await verdicts(emailId);
      expect(now.events.filter((e) => e['raw'] === 'Unlikely').map((e) => e['rule'])).toEqual([
        'ses-unlikely-bot',
        'ses-unlikely-bot',
      ]);
      if (rules === noBurst) expect(now.counts).toEqual({ opens: 1, clicks: 0 });
    }
    expect(await verdicts(emailId)).toEqual(live);
  });

  it('counts the verdicts of a period by rule, SES and rules apart (the overview)', async () => {
    // A day of its own, ten days back, so other tests' events stay out of the period.
    const day = base - 10 * 86_400_000;
    const at = (ms: number) => ({ time: new Date(day + 600_000 + ms), sentAt: new Date(day) });
    await record([
      { ...open('Likely'), ...at(0) },
      { ...open('Likely', 1), ...at(1) },
      { ...open(undefined), ...at(2) },
      { ...click('a', 0, 'Unlikely'), ...at(30_000) },
    ]);
    expect(await createD1EmailQueries(db).verdictCounts(day, day + 86_400_000)).toEqual([
      { engagement: 'machine', rule: 'ses-likely-bot', count: 2 },
      { engagement: 'human', rule: 'ses-unlikely-bot', count: 1 },
      { engagement: 'machine', rule: 'apple-mpp', count: 1 },
    ]);
  });

  it("the email's timeline carries each event's verdict and its rule", async () => {
    const emailId = await record([open('Likely'), click('a', 30_000)]);
    const timeline = await createD1EmailQueries(db).listEmailEvents(emailId);
    expect(timeline.map((e) => [e.eventType, e.engagement, e.engagementRule])).toEqual([
      ['Open', 'machine', 'ses-likely-bot'],
      ['Click', 'human', 'default-human'],
    ]);
  });
});

describe('migration 0008_ses_bot_verdict on a database that already has opens and clicks', () => {
  it('copies isBotEvent from the stored detail, raw, and leaves those it decides to reclassify', async () => {
    const db = env.ORG_DB_UNMIGRATED; // a scratch database of this file
    await applyD1Migrations(
      db,
      env.ORG_MIGRATIONS.filter((migration) => migration.name < '0008'),
    );
    const event = (id: string, type: string, detail: object, engagement: string, rule: string) =>
      db
        .prepare(
          `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at,
                                     ingest_token, engagement, engagement_rule, rules_version, mail_timestamp, link)
           VALUES (?, 'e-1', 'ses-1', ?, ?, ?, 1, 't', ?, ?, 1, ?, ?)`,
        )
        .bind(
          id,
          type,
          base + 600_000,
          JSON.stringify(detail),
          engagement,
          rule,
          base,
          type === 'Click' ? 'https://example.com/a' : null,
        );
    const at = new Date(base + 600_000).toISOString();
    await db.batch([
      db.prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, machine_open_count)
         VALUES ('e-1', 'r@example.com', 's@example.com', 'Hi', 'delivered', 'ses-1', 1, 1, 2)`,
      ),
      event(
        'o-likely',
        'Open',
        { timestamp: at, userAgent: 'Thunderbird/1', isBotEvent: 'Likely' },
        'human',
        'default-human',
      ),
      event(
        'o-unlikely',
        'Open',
        { timestamp: at, userAgent: APPLE_MPP, isBotEvent: 'Unlikely' },
        'machine',
        'apple-mpp',
      ),
      event('o-none', 'Open', { timestamp: at, userAgent: APPLE_MPP }, 'machine', 'apple-mpp'),
      event(
        'c-odd',
        'Click',
        { timestamp: at, link: 'https://example.com/a', userAgent: 'curl/8', isBotEvent: true },
        'machine',
        'http-client-library',
      ),
      db.prepare(`INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token)
                  VALUES ('d-1', 'e-1', 'ses-1', 'Delivery', 1, '{"isBotEvent":"Likely"}', 1, 't')`),
    ]);
    await applyD1Migrations(db, env.ORG_MIGRATIONS);
    const rows = async () =>
      (
        await db
          .prepare(
            `SELECT sns_message_id AS id, is_bot_event AS raw, engagement, engagement_rule AS rule, rules_version AS version
             FROM email_events ORDER BY sns_message_id`,
          )
          .all()
      ).results;
    expect(await rows()).toEqual([
      { id: 'c-odd', raw: 'true', engagement: 'machine', rule: 'http-client-library', version: 1 },
      { id: 'd-1', raw: null, engagement: null, rule: null, version: null },
      { id: 'o-likely', raw: 'Likely', engagement: 'human', rule: 'default-human', version: null },
      { id: 'o-none', raw: null, engagement: 'machine', rule: 'apple-mpp', version: 1 },
      { id: 'o-unlikely', raw: 'Unlikely', engagement: 'machine', rule: 'apple-mpp', version: null },
    ]);
    expect(await reclassifyEngagementPage(db)).toMatchObject({ scanned: 2, changed: 2 });
    expect((await rows()).map((row) => [row['id'], row['engagement'], row['rule']])).toEqual([
      ['c-odd', 'machine', 'http-client-library'],
      ['d-1', null, null],
      ['o-likely', 'machine', 'ses-likely-bot'],
      ['o-none', 'machine', 'apple-mpp'],
      ['o-unlikely', 'human', 'ses-unlikely-bot'],
    ]);
    const counters = await db.prepare(`SELECT machine_open_count AS opens FROM emails WHERE id = 'e-1'`).first();
    expect(counters).toEqual({ opens: 2 });
  });
});
