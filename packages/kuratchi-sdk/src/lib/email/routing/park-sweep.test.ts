import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { d1SinkPorts, insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { DEFAULT_PARK_TTL_MS, parkLimits } from './park-policy.js';
import { sweepParkedEvents } from './park-sweep.js';
import { recordSesEvent } from './record.js';
import { parseSesEvent, type SesEventType } from '../ses-events/ses-event.js';

/**
 * The park is bounded: events wait at most the time to live (longer than SNS's retry window),
 * at most a cap per message, and what leaves it unapplied goes to the dead-letter table with its
 * reason. The sweep also applies waiting events whose route appeared without a drain.
 * Every time is derived from NOW.
 */
const NOW = TEST_NOW;
const later = (ms: number) => new Date(NOW.getTime() + ms);
const TTL = DEFAULT_PARK_TTL_MS;

beforeAll(seedOrganizations);

/** An event of `messageId`; a different `second` makes it another event (another content identity). */
const event = (eventType: SesEventType, messageId: string, second = 0) =>
  parseSesEvent(
    JSON.stringify(buildSesEvent({ eventType, messageId, time: new Date(NOW.getTime() - 60_000 + second * 1000) })),
  );
const parkedRows = async (sesMessageId: string) =>
  (
    await env.ADMIN_DB.prepare(
      'SELECT sns_message_id AS id, reason, parked_at AS at FROM parked_email_events WHERE ses_message_id = ? ORDER BY 1',
    )
      .bind(sesMessageId)
      .all()
  ).results;
const deadLetters = async (sesMessageId: string) =>
  (
    await env.ADMIN_DB.prepare(
      'SELECT sns_message_id AS id, reason, first_seen_at AS firstSeenAt, dead_lettered_at AS deadLetteredAt FROM email_event_dead_letters WHERE ses_message_id = ? ORDER BY 1',
    )
      .bind(sesMessageId)
      .all()
  ).results;
const route = (sesMessageId: string, emailId: string) =>
  env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(sesMessageId, ORGS.acme, emailId)
    .run();

describe('time to live', () => {
  it('refuses a time to live that is not longer than SNS retries (1 hour)', () => {
    expect(() => parkLimits({ ttlMs: 3_600_000 })).toThrow(/longer than SNS's retry window of 3600000 ms/);
    expect(parkLimits({ ttlMs: 3_600_001 }).ttlMs).toBe(3_600_001);
    expect(parkLimits()).toEqual({ ttlMs: 24 * 3_600_000, maxParkedEventsPerMessage: 100 });
  });

  it('an event with no route stays parked for the time to live, then is dead-lettered as no-route', async () => {
    const ses = `ses-ttl-${crypto.randomUUID()}`;
    expect(
      await recordSesEvent(
        d1SinkPorts(() => NOW),
        `${ses}-open`,
        event('Open', ses),
      ),
    ).toEqual({ outcome: 'parked' });
    expect(
      await sweepParkedEvents(
        d1SinkPorts(() => later(TTL - 1)),
        { now: later(TTL - 1) },
      ),
    ).toMatchObject({ deadLettered: 0 });
    expect(await parkedRows(ses)).toEqual([{ id: `${ses}-open`, reason: 'no-route', at: NOW.getTime() }]);

    const report = await sweepParkedEvents(
      d1SinkPorts(() => later(TTL + 1)),
      { now: later(TTL + 1) },
    );
    expect(report.deadLettered).toBeGreaterThanOrEqual(1);
    expect(await parkedRows(ses)).toEqual([]);
    expect(await deadLetters(ses)).toEqual([
      { id: `${ses}-open`, reason: 'no-route', firstSeenAt: NOW.getTime(), deadLetteredAt: later(TTL + 1).getTime() },
    ]);
  });

  it('an orphaned event (route, email row deleted) is kept for the time to live, then dead-lettered as email-missing', async () => {
    const ses = `ses-orphan-${crypto.randomUUID()}`;
    await route(ses, `deleted-${ses}`);
    expect(
      await recordSesEvent(
        d1SinkPorts(() => NOW),
        `${ses}-open`,
        event('Open', ses),
      ),
    ).toEqual({ outcome: 'orphaned', organizationId: ORGS.acme });
    expect(await parkedRows(ses)).toEqual([{ id: `${ses}-open`, reason: 'email-missing', at: NOW.getTime() }]);
    // An orphan is not re-tried by later events or sweeps: it waits for the TTL (or a replay).
    expect(
      await sweepParkedEvents(
        d1SinkPorts(() => later(60_000)),
        { now: later(60_000) },
      ),
    ).toMatchObject({ applied: 0, orphaned: 0 });
    await sweepParkedEvents(
      d1SinkPorts(() => later(TTL + 1)),
      { now: later(TTL + 1) },
    );
    expect(await deadLetters(ses)).toMatchObject([{ id: `${ses}-open`, reason: 'email-missing' }]);
  });

  it('an event for a row bound to another message is orphaned as email-mismatch', async () => {
    const ses = `ses-mismatch-${crypto.randomUUID()}`;
    const emailId = await insertEmail(env.ORG_DB_ACME, { sesMessageId: `other-${ses}` });
    await route(ses, emailId);
    expect(
      await recordSesEvent(
        d1SinkPorts(() => NOW),
        `${ses}-click`,
        event('Click', ses),
      ),
    ).toMatchObject({ outcome: 'orphaned' });
    expect(await parkedRows(ses)).toMatchObject([{ reason: 'email-mismatch' }]);
    expect(await createD1EmailQueries(env.ORG_DB_ACME).getEmail(emailId)).toMatchObject({ clickCount: 0 });
  });
});

describe('cap per message', () => {
  it('past the cap an event is dead-lettered as park-full (200, kept), never dropped', async () => {
    const ses = `ses-cap-${crypto.randomUUID()}`;
    const ports = { ...d1SinkPorts(() => NOW), maxParkedEventsPerMessage: 2 };
    const outcomes = [];
    for (const n of [1, 2, 3, 3])
      outcomes.push((await recordSesEvent(ports, `${ses}-${n}`, event('Open', ses, n))).outcome);
    expect(outcomes).toEqual(['parked', 'parked', 'dead-lettered', 'dead-lettered']);
    expect((await parkedRows(ses)).map((r) => r['id'])).toEqual([`${ses}-1`, `${ses}-2`]);
    expect(await deadLetters(ses)).toEqual([
      { id: `${ses}-3`, reason: 'park-full', firstSeenAt: NOW.getTime(), deadLetteredAt: NOW.getTime() },
    ]);
  });
});

describe('sweep: the drain sendEmail missed', () => {
  it('applies a waiting event whose route appeared without a drain, once', async () => {
    const ses = `ses-drain-${crypto.randomUUID()}`;
    expect(
      await recordSesEvent(
        d1SinkPorts(() => NOW),
        `${ses}-delivery`,
        event('Delivery', ses),
      ),
    ).toEqual({ outcome: 'parked' });
    const emailId = await insertEmail(env.ORG_DB_ACME, { sesMessageId: ses });
    await route(ses, emailId);

    const first = await sweepParkedEvents(
      d1SinkPorts(() => later(60_000)),
      { now: later(60_000) },
    );
    expect(first.applied).toBeGreaterThanOrEqual(1);
    expect(await parkedRows(ses)).toEqual([]);
    expect(await createD1EmailQueries(env.ORG_DB_ACME).getEmail(emailId)).toMatchObject({ status: 'delivered' });
    expect(
      await sweepParkedEvents(
        d1SinkPorts(() => later(120_000)),
        { now: later(120_000) },
      ),
    ).toMatchObject({ applied: 0 });
  });

  it('does bounded work per run: the rest waits for the next run', async () => {
    const ses = `ses-bounded-${crypto.randomUUID()}`;
    for (const n of [1, 2, 3])
      await recordSesEvent(
        d1SinkPorts(() => NOW),
        `${ses}-${n}`,
        event('Open', ses, n),
      );
    await route(ses, await insertEmail(env.ORG_DB_ACME, { sesMessageId: ses }));
    expect(
      await sweepParkedEvents(
        d1SinkPorts(() => later(1000)),
        { now: later(1000), maxApplied: 2 },
      ),
    ).toMatchObject({ applied: 2 });
    expect(await parkedRows(ses)).toHaveLength(1);
    expect(
      await sweepParkedEvents(
        d1SinkPorts(() => later(2000)),
        { now: later(2000), maxApplied: 2 },
      ),
    ).toMatchObject({ applied: 1 });
    expect(await parkedRows(ses)).toEqual([]);
  });
});
