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
