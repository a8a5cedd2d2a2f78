import { describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { insertEmail, routedInput } from '../../../../test/seed.js';
import { engagementFixture, retime } from '../ses-events/fixtures/engagement/fixtures.js';
import { parseSesEvent, type SesEvent, type SesEventOf } from '../ses-events/ses-event.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { createD1EmailQueries } from './d1-email-queries.js';
import { createOrgEmailStore } from '../organizations/org-email-store.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';

const DAY_MS = 86_400_000;
// A day of its own, far from other tests' rows, derived from the pinned now.
const day = Math.floor(testTime(-300 * DAY_MS).getTime() / DAY_MS) * DAY_MS;
const sentAt = day + 10 * 3_600_000;

async function record(db: D1Database, emailId: string, sesMessageId: string, events: SesEvent[]) {
  const store = createOrgEmailStore(db);
  for (const [i, event] of events.entries()) {
    const routed = { ...event, mail: { ...event.mail, messageId: sesMessageId } } as SesEvent;
    await store.recordEvent(
      await routedInput({ organizationId: 'org-engagement', emailId }, `${emailId}-${i}`, routed, sentAt),
    );
  }
}

const at = (name: string) => retime(engagementFixture(name), sentAt);
const clickAt = (name: string) => at(name) as SesEventOf<'Click'>;
const SCANNED_LINK = 'https://example.com/scanned-only';

/** On each kind of organisation database (test/org-database-kinds.ts). */
describe.each(ORG_DATABASE_KINDS)('engagement and per-recipient queries on $kind', ({ db }) => {
  const queries = createD1EmailQueries(db);
  it('counts people and machines apart: the log filter, link statistics, top links and daily stats', async () => {
    const machineOnly = { id: `eq-m-${crypto.randomUUID()}`, ses: `ses-eq-m-${crypto.randomUUID()}` };
    const person = { id: `eq-p-${crypto.randomUUID()}`, ses: `ses-eq-p-${crypto.randomUUID()}` };
    for (const email of [machineOnly, person]) {
      await insertEmail(db, { id: email.id, sesMessageId: email.ses });
      await db.prepare('UPDATE emails SET created_at = ? WHERE id = ?').bind(sentAt, email.id).run();
    }
    const send = (recipients: string[]) => {
      const event = buildSesEvent({ eventType: 'Send', messageId: 'x', time: new Date(sentAt) }) as SesEvent;
      return parseSesEvent(JSON.stringify({ ...event, mail: { ...event.mail, destination: recipients } }));
    };
    const bounce = parseSesEvent(
      JSON.stringify({
        ...buildSesEvent({ eventType: 'Bounce', messageId: 'x', time: new Date(sentAt + 60_000) }),
      }).replace('"recipient@example.com"', '"ann@example.com"'),
    );
    // The machine-only email: Apple's privacy proxy opened it, Safe Links clicked it.
    const scan = clickAt('click-safe-links');
    await record(db, machineOnly.id, machineOnly.ses, [
      send(['ann@example.com']),
      bounce,
      at('open-apple-mpp'),
      { ...scan, click: { ...scan.click, link: SCANNED_LINK } },
    ]);
    // The other: a person opened it and clicked a link twice, from one browser.
    const click = clickAt('click-desktop-chrome');
    const again = {
      ...click,
      click: { ...click.click, timestamp: new Date(Date.parse(click.click.timestamp) + 600_000).toISOString() },
    };
    await record(db, person.id, person.ses, [
      send(['bob@example.com', 'carla@example.com']),
      at('open-desktop-chrome'),
      at('open-apple-mpp'),
      click,
      again,
    ]);

    const window = { from: day, to: day + DAY_MS };
    const all = await queries.listEmails(window, { limit: 500 });
    const people = await queries.listEmails({ ...window, engagedBy: 'human' }, { limit: 500 });
    expect(all.emails.map((e) => e.id).sort()).toEqual([machineOnly.id, person.id].sort());
    expect(people.emails.map((e) => e.id)).toEqual([person.id]);
    expect(people.emails[0]).toMatchObject({ openCount: 2, machineOpenCount: 1, clickCount: 2, machineClickCount: 0 });

    const link = click.click.link;
    expect(await queries.linkStats(person.id)).toEqual([
      { link, humanClicks: 2, machineClicks: 0, uniqueHumanClickers: 1 },
    ]);
    expect(await queries.topLinks(day, day + DAY_MS)).toEqual([
      { link, humanClicks: 2, machineClicks: 0 },
      { link: SCANNED_LINK, humanClicks: 0, machineClicks: 1 },
    ]);

    const [stats] = await queries.dailyStats(1, day);
    expect(stats).toMatchObject({
      sent: 2,
      opened: 2,
      humanOpened: 1,
      clicked: 2,
      humanClicked: 1,
      bounced: 1,
      recipientsSent: 3,
      recipientsBounced: 1,
    });
  });
});
