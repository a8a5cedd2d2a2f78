import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { countingRowsRead } from '../../../../test/rows-read.js';
import { insertClicks, insertEmail, routedInput } from '../../../../test/seed.js';
import { ENGAGEMENT_RULES } from './engagement.js';
import { parseSesEvent } from './ses-event.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { countEngagementToReclassify, reclassifyEngagementPage } from './d1-engagement-reclassify.js';
import { createD1OrgEmailStore } from '../routing/d1-org-email-store.js';

const db = env.ORG_DB_GLOBEX;
const store = createD1OrgEmailStore(db);

/** An email with a Send, an Open and two clicks on different links one second apart (a burst). */
async function emailWithBurst() {
  const sesMessageId = `ses-rc-${crypto.randomUUID()}`;
  const emailId = await insertEmail(db, { sesMessageId });
  const base = TEST_NOW.getTime() - 3_600_000;
  const specs = [
    { eventType: 'Send', time: new Date(base) },
    { eventType: 'Open', time: new Date(base + 600_000) },
    { eventType: 'Click', time: new Date(base + 601_000), link: 'https://example.com/a' },
    { eventType: 'Click', time: new Date(base + 602_000), link: 'https://example.com/b' },
  ] as const;
  for (const [i, spec] of specs.entries()) {
    const event = parseSesEvent(JSON.stringify(buildSesEvent({ ...spec, messageId: sesMessageId })));
    await store.recordEvent(
      await routedInput({ organizationId: 'org-globex', emailId }, `${emailId}-${i}`, event, base),
    );
  }
  return emailId;
}

async function engagementOf(emailId: string) {
  const email = await db
    .prepare('SELECT machine_open_count AS opens, machine_click_count AS clicks FROM emails WHERE id = ?')
    .bind(emailId)
    .first();
  const { results } = await db
    .prepare(
      `SELECT event_type AS type, engagement, engagement_rule AS rule, rules_version AS version FROM email_events
       WHERE email_id = ? AND engagement IS NOT NULL ORDER BY sns_message_id`,
    )
    .bind(emailId)
    .all();
  return { email, events: results };
}

async function reclassifyAll(rules = ENGAGEMENT_RULES) {
  let after: string | null = null;
  let scanned = 0;
  let changed = 0;
  do {
    const page = await reclassifyEngagementPage(db, { after, limit: 3, rules });
    scanned += page.scanned;
    changed += page.changed;
    after = page.next;
  } while (after);
  return { scanned, changed };
}

describe('reclassifyEngagementPage', () => {
  it('a newer rules version reclassifies history (burst window and counters), and running it again does nothing', async () => {
    const emailId = await emailWithBurst();
    const live = await engagementOf(emailId);
    expect(live.email).toEqual({ opens: expect.any(Number), clicks: 2 });
    expect(live.events.filter((e) => e['rule'] === 'click-burst')).toHaveLength(2);

    const noBurst = { ...ENGAGEMENT_RULES, version: ENGAGEMENT_RULES.version + 1, clickBurstWindowMs: 0 };
    const first = await reclassifyAll(noBurst);
    expect(first.scanned).toBeGreaterThanOrEqual(3);
    const after = await engagementOf(emailId);
    expect(after.email).toMatchObject({ clicks: 0 });
    expect(after.events.every((e) => e['version'] === noBurst.version && e['rule'] !== 'click-burst')).toBe(true);
    expect(await countEngagementToReclassify(db, noBurst)).toBe(0);
    expect(await reclassifyAll(noBurst)).toEqual({ scanned: 0, changed: 0 });

    // Back to the current rules: exactly the rows live ingestion recorded.
    await reclassifyAll();
    expect(await engagementOf(emailId)).toEqual(live);
  });

  it('events recorded before engagement was classified get what live ingestion records', async () => {
    const emailId = await emailWithBurst();
    const live = await engagementOf(emailId);
    await db.batch([
      db
        .prepare(
          'UPDATE email_events SET engagement = NULL, engagement_rule = NULL, rules_version = NULL, mail_timestamp = NULL WHERE email_id = ?',
        )
        .bind(emailId),
      db.prepare('UPDATE emails SET machine_open_count = 0, machine_click_count = 0 WHERE id = ?').bind(emailId),
    ]);
    expect(await countEngagementToReclassify(db)).toBeGreaterThanOrEqual(3);
    await reclassifyAll();
    expect(await engagementOf(emailId)).toEqual(live);
  });

  it('reclassifying a click of an email with 1,000 clicks reads as few rows as with 10 (issue 31)', async () => {
    /** Rows read by the batch reclassifying one click recorded after `n` clicks of the same link. */
    async function rowsRead(n: number) {
      const sesMessageId = `ses-rc-cost-${crypto.randomUUID()}`;
      const emailId = await insertEmail(db, { sesMessageId });
      const base = TEST_NOW.getTime() - 3_600_000;
      const link = 'https://example.com/a';
      await insertClicks(db, { emailId, sesMessageId, n, firstAt: base + 600_000, sentAt: base, link });
      const click = buildSesEvent({
        eventType: 'Click',
        messageId: sesMessageId,
        time: new Date(base + 600_000 + n),
        sentAt: new Date(base),
        link,
      });
      const snsId = `${emailId}-click`;
      await store.recordEvent(
        await routedInput({ organizationId: 'org-globex', emailId }, snsId, parseSesEvent(JSON.stringify(click)), base),
      );
      await db.prepare('UPDATE email_events SET rules_version = NULL WHERE sns_message_id = ?').bind(snsId).run();
      const counting = countingRowsRead(db);
      expect(await reclassifyEngagementPage(counting.db)).toMatchObject({ scanned: 1, changed: 0 });
      return counting.rowsRead();
    }
    const few = await rowsRead(10);
    const many = await rowsRead(1000);
    expect(many, `rows read: ${few} at 10 clicks, ${many} at 1,000`).toBeLessThanOrEqual(few * 1.5);
  });
});
