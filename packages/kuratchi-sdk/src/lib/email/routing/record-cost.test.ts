import type { D1Database } from '@cloudflare/workers-types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { countingRowsRead } from '../../../../test/rows-read.js';
import { insertClicks, insertEmail, routedInput } from '../../../../test/seed.js';
import { classifyEngagementSet, ENGAGEMENT_RULES } from '../ses-events/engagement.js';
import { parseSesEvent, type SesEvent, type SesEventOf } from '../ses-events/ses-event.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { createD1OrgEmailStore } from './d1-org-email-store.js';

/**
 * Issue 31, item 2: recording one Open or Click must cost the same however many events its email
 * already has (the click-burst rule and the machine counters once re-read every click of the
 * email: 1,000 clicks of one link made the next click read about a million rows). Counted with
 * D1's `meta.rows_read` (and the Durable Object's `cursor.rowsRead`), so the test is deterministic.
 * @see https://developers.cloudflare.com/d1/worker-api/return-object/
 */

const LINK = 'https://example.com/offer';
const SENT = TEST_NOW.getTime() - 3_600_000;
/** The seeded clicks start here, one ms apart: one recipient fetching one link as fast as it can. */
const FIRST_CLICK = SENT + 600_000;

/** An email with `n` human clicks of {@link LINK}, one ms apart from {@link FIRST_CLICK}. */
async function emailWithClicks(db: D1Database, n: number) {
  const sesMessageId = `ses-cost-${crypto.randomUUID()}`;
  const emailId = await insertEmail(db, { sesMessageId });
  await insertClicks(db, { emailId, sesMessageId, n, firstAt: FIRST_CLICK, sentAt: SENT, link: LINK });
  return { emailId, sesMessageId };
}

describe.each(ORG_DATABASE_KINDS)('the cost of recording one event on $kind', ({ db, organizationId }) => {
  /** Rows read to record `event` (built for the email's message) through the store's batch. */
  async function rowsReadToRecord(emailId: string, event: SesEvent) {
    const counting = countingRowsRead(db);
    const store = createD1OrgEmailStore(counting.db);
    const input = await routedInput({ organizationId, emailId }, `sns-${crypto.randomUUID()}`, event, SENT);
    expect(await store.recordEvent(input)).toBe('applied');
    return counting.rowsRead();
  }

  /** Rows read by one more Click of the same link, and by one Open, after `n` clicks. */
  async function costAfter(n: number) {
    const { emailId, sesMessageId } = await emailWithClicks(db, n);
    // Within the burst window of the last seeded clicks (the worst case of the old correlated EXISTS).
    const at = new Date(FIRST_CLICK + n + 1);
    const event = (eventType: 'Click' | 'Open') =>
      parseSesEvent(
        JSON.stringify(
          buildSesEvent({ eventType, messageId: sesMessageId, time: at, sentAt: new Date(SENT), link: LINK }),
        ),
      );
    const click = await rowsReadToRecord(emailId, event('Click'));
    const open = await rowsReadToRecord(emailId, event('Open'));
    const row = await db
      .prepare('SELECT click_count AS clicks, machine_click_count AS machine FROM emails WHERE id = ?')
      .bind(emailId)
      .first();
    // Same link: no burst; every click stays a person's.
    expect(row).toEqual({ clicks: n + 1, machine: 0 });
    return { click, open };
  }

  it('rows read per Click and per Open at 1,000 clicks of one email stay within 1.5 × those at 10', async () => {
    const few = await costAfter(10);
    const many = await costAfter(1000);
    expect(many.click, `rows read per Click: ${few.click} at 10 clicks, ${many.click} at 1,000`).toBeLessThanOrEqual(
      few.click * 1.5,
    );
    expect(many.open, `rows read per Open: ${few.open} at 10 clicks, ${many.open} at 1,000`).toBeLessThanOrEqual(
      few.open * 1.5,
    );
  });

  it('a click of another link among 1,000 turns each click of its window machine once; the next costs as at 10', async () => {
    const n = 1000;
    const { emailId, sesMessageId } = await emailWithClicks(db, n);
    const other = (ms: number) =>
      parseSesEvent(
        JSON.stringify(
          buildSesEvent({
            eventType: 'Click',
            messageId: sesMessageId,
            time: new Date(FIRST_CLICK + ms),
            sentAt: new Date(SENT),
            link: `${LINK}/other`,
          }),
        ),
      );
    // Every seeded click is within the window of the middle one: all of them are a burst with it.
    expect(ENGAGEMENT_RULES.clickBurstWindowMs).toBeGreaterThanOrEqual(n / 2);
    const burst = await rowsReadToRecord(emailId, other(n / 2));
    const next = await rowsReadToRecord(emailId, other(n / 2 + 1));
    const machine = await db
      .prepare(
        `SELECT count(*) AS clicks, sum(engagement_rule = 'click-burst') AS bursts,
                (SELECT machine_click_count FROM emails WHERE id = ?) AS counted
         FROM email_events WHERE email_id = ? AND engagement = 'machine'`,
      )
      .bind(emailId, emailId)
      .first();
    expect(machine).toEqual({ clicks: n + 2, bursts: n + 2, counted: n + 2 });
    // The burst read the clicks it changed (each once); the click after it reads none of them again.
    expect(burst).toBeGreaterThanOrEqual(n);
    const few = await costAfter(10);
    expect(next, `rows read by the next click: ${next}, by a click at 10 clicks: ${few.click}`).toBeLessThanOrEqual(
      few.click * 1.5,
    );
  });

  /**
   * Rows read to record a Click of another link after `n` clicks SES called Unlikely (a burst with
   * them: machine), with the verdicts as they stand after it.
   */
  async function otherLinkAfterUnlikely(n: number) {
    const { emailId, sesMessageId } = await emailWithClicks(db, n);
    await db
      .prepare(
        `UPDATE email_events SET is_bot_event = 'Unlikely', engagement_rule = 'ses-unlikely-bot' WHERE email_id = ?`,
      )
      .bind(emailId)
      .run();
    const other = parseSesEvent(
      JSON.stringify(
        buildSesEvent({
          eventType: 'Click',
          messageId: sesMessageId,
          time: new Date(FIRST_CLICK + n / 2),
          sentAt: new Date(SENT),
          link: `${LINK}/other`,
        }),
      ),
    );
    const cost = await rowsReadToRecord(emailId, other);
    const verdicts = await db
      .prepare(
        `SELECT sum(engagement = 'human' AND is_bot_event = 'Unlikely') AS unlikelyHuman,
                sum(engagement_rule = 'click-burst') AS bursts,
                (SELECT machine_click_count FROM emails WHERE id = ?) AS counted
         FROM email_events WHERE email_id = ?`,
      )
      .bind(emailId, emailId)
      .first();
    return { cost, verdicts };
  }

  it('clicks SES called Unlikely stay human and are never read again: a click of another link costs as at 10', async () => {
    const n = 1000;
    const many = await otherLinkAfterUnlikely(n);
    // The new click is a burst with them (machine); they keep SES's verdict.
    expect(many.verdicts).toEqual({ unlikelyHuman: n, bursts: 1, counted: 1 });
    const few = await otherLinkAfterUnlikely(10);
    expect(few.verdicts).toEqual({ unlikelyHuman: 10, bursts: 1, counted: 1 });
    expect(many.cost, `rows read: ${many.cost} among ${n} Unlikely clicks, ${few.cost} among 10`).toBeLessThanOrEqual(
      few.cost * 1.5,
    );
  });
});

/**
 * The verdicts and counters recording keeps incrementally are still those of the whole set
 * (`classifyEngagementSet`), whatever the order and however often a click arrives: dense clicks
 * on three links, a late click turning earlier ones into a burst, duplicates.
 */
describe.each(ORG_DATABASE_KINDS)('click bursts recorded one click at a time on $kind', ({ db, organizationId }) => {
  const store = createD1OrgEmailStore(db);
  const WINDOW = ENGAGEMENT_RULES.clickBurstWindowMs;
  const HUMAN = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

  const clickSpec = fc.record({
    ms: fc.oneof(fc.integer({ min: 0, max: 3 * WINDOW }), fc.constantFrom(0, WINDOW, WINDOW + 1, 2 * WINDOW)),
    link: fc.constantFrom('https://example.com/a', 'https://example.com/b', 'https://example.com/c'),
    agent: fc.constantFrom(HUMAN, HUMAN, 'python-requests/2.31.0'),
    // SES's own verdict: none (older events), Likely, Unlikely, or a value that counts as none.
    isBotEvent: fc.constantFrom(undefined, undefined, 'Likely', 'Unlikely', 'Maybe'),
  });
  /** Distinct clicks, and an arrival order of them with duplicates. */
  const arrivalsArbitrary = fc
    .uniqueArray(clickSpec, { minLength: 1, maxLength: 10, selector: (s) => `${s.ms} ${s.link} ${s.agent}` })
    .chain((specs) =>
      fc.record({
        specs: fc.constant(specs),
        order: fc
          .array(fc.nat({ max: specs.length - 1 }), { maxLength: specs.length })
          .chain((again) =>
            fc.shuffledSubarray([...specs.keys(), ...again], { minLength: specs.length + again.length }),
          ),
      }),
    );

  it('stores exactly the verdicts and machine count classifyEngagementSet gives the set', async () => {
    await fc.assert(
      fc.asyncProperty(arrivalsArbitrary, async ({ specs, order }) => {
        const sesMessageId = `ses-burst-${crypto.randomUUID()}`;
        const emailId = await insertEmail(db, { sesMessageId });
        const events = specs.map(
          (spec) =>
            parseSesEvent(
              JSON.stringify(
                buildSesEvent({
                  eventType: 'Click',
                  messageId: sesMessageId,
                  time: new Date(FIRST_CLICK + spec.ms),
                  sentAt: new Date(SENT),
                  link: spec.link,
                  userAgent: spec.agent,
                  isBotEvent: spec.isBotEvent,
                }),
              ),
            ) as SesEventOf<'Click'>,
        );
        for (const i of order) {
          await store.recordEvent(await routedInput({ organizationId, emailId }, `${emailId}-${i}`, events[i]!, SENT));
        }
        const verdicts = classifyEngagementSet(events);
        const { results } = await db
          .prepare(
            `SELECT sns_message_id AS id, engagement, engagement_rule AS rule FROM email_events
             WHERE email_id = ? ORDER BY sns_message_id`,
          )
          .bind(emailId)
          .all();
        expect(results).toEqual(
          verdicts
            .map((v, i) => ({ id: `${emailId}-${i}`, engagement: v.engagement, rule: v.rule }))
            .sort((a, b) => (a.id < b.id ? -1 : 1)),
        );
        const row = await db
          .prepare('SELECT click_count AS clicks, machine_click_count AS machine FROM emails WHERE id = ?')
          .bind(emailId)
          .first();
        expect(row).toEqual({
          clicks: specs.length,
          machine: verdicts.filter((v) => v.engagement === 'machine').length,
        });
      }),
      { numRuns: 40 },
    );
  });
});
