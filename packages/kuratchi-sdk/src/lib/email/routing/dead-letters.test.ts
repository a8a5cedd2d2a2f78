import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { d1SinkPorts, insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { createD1DeadLetterStore } from './d1-dead-letter-store.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { replayDeadLetters } from './dead-letters.js';
import { DEFAULT_PARK_TTL_MS } from './park-policy.js';
import { sweepParkedEvents } from './park-sweep.js';
import { recordSesEvent } from './record.js';
import { parseSesEvent, type SesEventType } from '../ses-events/ses-event.js';

/** Replaying dead letters: what can be applied now is, once; what cannot stays, with its reason. */
const NOW = TEST_NOW;
const EXPIRED = new Date(NOW.getTime() + DEFAULT_PARK_TTL_MS + 1);
const deadLetters = createD1DeadLetterStore(env.ADMIN_DB);

beforeAll(seedOrganizations);

const event = (eventType: SesEventType, messageId: string, minute: number) =>
  parseSesEvent(
    JSON.stringify(buildSesEvent({ eventType, messageId, time: new Date(NOW.getTime() - 60_000 * minute) })),
  );

/** Parks events of a message nobody has routed, and lets them expire into the dead-letter table. */
async function deadLettered(ses: string, types: SesEventType[]) {
  for (const [i, type] of types.entries())
    await recordSesEvent(
      d1SinkPorts(() => NOW),
      `${ses}-${i}`,
      event(type, ses, i + 1),
    );
  await sweepParkedEvents(
    d1SinkPorts(() => EXPIRED),
    { now: EXPIRED },
  );
  expect(await deadLetters.list({ limit: 10, sesMessageId: ses })).toHaveLength(types.length);
}

describe('replayDeadLetters', () => {
  it('applies what has a route now, once; the table empties; a second replay changes nothing', async () => {
    const ses = `ses-replay-${crypto.randomUUID()}`;
    await deadLettered(ses, ['Delivery', 'Open', 'Open']);
    // The route that was missing (e.g. sendEmail's write failed) is written by hand.
    const emailId = await insertEmail(env.ORG_DB_ACME, { sesMessageId: ses });
    await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(ses, ORGS.acme, emailId)
      .run();

    const replay = () =>
      replayDeadLetters(
        d1SinkPorts(() => EXPIRED),
        deadLetters,
        { now: EXPIRED, limit: 10, sesMessageId: ses },
      );
    const report = await replay();
    expect(report.replayed.map((r) => [r.was, r.outcome])).toEqual([
      ['no-route', 'applied'],
      ['no-route', 'applied'],
      ['no-route', 'applied'],
    ]);
    expect(report.next).toBeNull();
    expect(await createD1EmailQueries(env.ORG_DB_ACME).getEmail(emailId)).toMatchObject({
      status: 'delivered',
      openCount: 2,
    });
    expect(await deadLetters.list({ limit: 10, sesMessageId: ses })).toEqual([]);
    expect((await replay()).replayed).toEqual([]);
    expect((await createD1EmailQueries(env.ORG_DB_ACME).getEmail(emailId))?.openCount).toBe(2);
  });

  it('keeps what still cannot be applied, with the reason found now and the attempt counted', async () => {
    const ses = `ses-stuck-${crypto.randomUUID()}`;
    await deadLettered(ses, ['Open']);
    const first = await replayDeadLetters(
      d1SinkPorts(() => EXPIRED),
      deadLetters,
      { now: EXPIRED, limit: 10, sesMessageId: ses },
    );
    expect(first.replayed.map((r) => r.outcome)).toEqual(['no-route']);
    await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(ses, ORGS.acme, `deleted-${ses}`)
      .run();
    const second = await replayDeadLetters(
      d1SinkPorts(() => new Date(EXPIRED.getTime() + 1000)),
      deadLetters,
      { now: new Date(EXPIRED.getTime() + 1000), limit: 10, sesMessageId: ses },
    );
    expect(second.replayed.map((r) => r.outcome)).toEqual(['email-missing']);
    expect(await deadLetters.list({ limit: 10, sesMessageId: ses })).toMatchObject([
      {
        reason: 'email-missing',
        replayAttempts: 2,
        lastReplayAt: EXPIRED.getTime() + 1000,
        firstSeenAt: NOW.getTime(),
      },
    ]);
  });

  it('pages through the table by SNS MessageId', async () => {
    const ses = `ses-pages-${crypto.randomUUID()}`;
    await deadLettered(ses, ['Open', 'Open', 'Open']);
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 5; page++) {
      const report = await replayDeadLetters(
        d1SinkPorts(() => EXPIRED),
        deadLetters,
        { now: EXPIRED, limit: 2, sesMessageId: ses, ...(after ? { after } : {}) },
      );
      seen.push(...report.replayed.map((r) => r.snsMessageId));
      if (!report.next) break;
      after = report.next;
    }
    expect(seen).toEqual([`${ses}-0`, `${ses}-1`, `${ses}-2`]);
    expect(await deadLetters.countByReason(1000)).toMatchObject({ 'no-route': expect.any(Number) });
  });
});
