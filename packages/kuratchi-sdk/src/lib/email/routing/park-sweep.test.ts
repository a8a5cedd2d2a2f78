import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { d1SinkPorts, insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import {
  DEFAULT_DEAD_LETTER_TTL_MS,
  DEFAULT_PARK_TTL_MS,
  DEFAULT_UNROUTED_DEAD_LETTER_TTL_MS,
  parkLimits,
} from './park-policy.js';
import { createD1DeadLetterStore } from './d1-dead-letter-store.js';
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
    expect(parkLimits()).toEqual({
      ttlMs: 24 * 3_600_000,
      maxParkedEventsPerMessage: 100,
      unroutedDeadLetterTtlMs: 14 * 24 * 3_600_000,
      deadLetterTtlMs: 30 * 24 * 3_600_000,
    });
    expect(() => parkLimits({ deadLetterTtlMs: 3_600_000 })).toThrow(/deadLetterTtlMs must be at least a day/);
    expect(() => parkLimits({ unroutedDeadLetterTtlMs: 3_600_000 })).toThrow(/at least a day/);
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

describe('dead letters of mail not sent by sendEmail', () => {
  const DAY = 24 * 3_600_000;
  const KEPT = DEFAULT_UNROUTED_DEAD_LETTER_TTL_MS;
  const store = createD1DeadLetterStore(env.ADMIN_DB);
  const n = async (sql: string, ...values: unknown[]) =>
    (await env.ADMIN_DB.prepare(sql)
      .bind(...values)
      .first<number>('n')) ?? 0;

  /** Parks `count` events of foreign mail (no route, ever) at `parkedAt`, in one statement. */
  const parkForeign = (ns: string, count: number, parkedAt: number) =>
    env.ADMIN_DB.prepare(
      `WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ?2)
       INSERT INTO parked_email_events (sns_message_id, ses_message_id, message, parked_at, reason)
       SELECT ?1 || '-sns-' || i, 'ses-' || ?1 || '-' || (i % 250), ?4, ?3, 'no-route' FROM k`,
    )
      .bind(
        ns,
        count,
        parkedAt,
        JSON.stringify(buildSesEvent({ eventType: 'Open', messageId: `ses-${ns}-0`, time: NOW })),
      )
      .run();

  it('a run dead-letters a backlog of 2,500 expired events (not 500); 14 days later they are dropped and counted per day', async () => {
    const ns = 'foreign';
    const seen = NOW.getTime() - 3 * DAY;
    const day = new Date(seen).toISOString().slice(0, 10);
    await parkForeign(ns, 2500, seen);
    // An event of the same age that has its route now (a late `sendEmail`), and one of a known
    // organisation: neither is dropped.
    await parkForeign(`${ns}-routed`, 1, seen);
    await route(`ses-${ns}-routed-0`, 'email-gone');
    await env.ADMIN_DB.prepare(
      `INSERT INTO email_event_dead_letters (sns_message_id, ses_message_id, message, reason, first_seen_at,
           dead_lettered_at, organization_id) VALUES (?, ?, '{}', 'queue-retries-exhausted', ?, ?, ?)`,
    )
      .bind(`${ns}-known`, `ses-${ns}-known`, seen, seen, ORGS.acme)
      .run();
    const like = `ses-${ns}-%`;
    const letters = () => n('SELECT count(*) AS n FROM email_event_dead_letters WHERE ses_message_id LIKE ?', like);

    const expired = await sweepParkedEvents(
      d1SinkPorts(() => later(1)),
      {
        now: later(1),
        deadLetters: store,
      },
    );
    expect(expired).toMatchObject({ dropped: 0, more: false });
    expect(expired.deadLettered).toBeGreaterThanOrEqual(2501);
    expect(await n('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id LIKE ?', like)).toBe(0);
    expect(await letters()).toBe(2502);
    expect(await store.countByReason(10_000, null)).toMatchObject({ 'no-route': expect.any(Number) });

    // Kept for the set time (replay still possible), then dropped with a tally that stays.
    const kept = await sweepParkedEvents(
      d1SinkPorts(() => later(KEPT)),
      { now: later(KEPT), deadLetters: store },
    );
    expect(kept.dropped).toBe(0);
    const dropped = await sweepParkedEvents(
      d1SinkPorts(() => later(KEPT + 2)),
      {
        now: later(KEPT + 2),
        deadLetters: store,
      },
    );
    // (and the foreign dead letters of the tests above, as old: a full park's too)
    expect(dropped.more).toBe(false);
    expect(dropped.dropped).toBeGreaterThanOrEqual(2500);
    expect(await letters()).toBe(2);
    expect(await store.droppedTally(day)).toContainEqual({ day, reason: 'no-route', dropped: 2500 });
    expect(
      (await n('SELECT count(*) AS n FROM email_event_dead_letters WHERE ses_message_id = ?', `ses-${ns}-known`)) +
        (await n('SELECT count(*) AS n FROM email_event_dead_letters WHERE ses_message_id = ?', `ses-${ns}-routed-0`)),
    ).toBe(2);
    // A second run finds nothing more: the tally does not count twice.
    await sweepParkedEvents(
      d1SinkPorts(() => later(KEPT + 3)),
      { now: later(KEPT + 3), deadLetters: store },
    );
    expect(await store.droppedTally(day)).toContainEqual({ day, reason: 'no-route', dropped: 2500 });
  });

  it('a run stops at its page budget and says so; the next run goes on', async () => {
    const ns = 'budget';
    await parkForeign(ns, 1200, NOW.getTime() - 5 * DAY);
    const first = await sweepParkedEvents(
      d1SinkPorts(() => later(1)),
      { now: later(1), maxExpired: 100, maxPages: 4 },
    );
    expect(first).toMatchObject({ deadLettered: 400, more: true });
    const left = () => n('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id LIKE ?', `ses-${ns}-%`);
    expect(await left()).toBe(800);
    const second = await sweepParkedEvents(
      d1SinkPorts(() => later(2)),
      { now: later(2), maxExpired: 1000 },
    );
    expect(second).toMatchObject({ deadLettered: 800, more: false });
    expect(await left()).toBe(0);
  });

  it('drops any dead letter after deadLetterTtlMs (never replayed), counted in the same tally', async () => {
    // First seen on a day of its own, so that the tally's row is this test's alone.
    const seen = NOW.getTime() - 500 * DAY;
    const day = new Date(seen).toISOString().slice(0, 10);
    const deadLetteredAt = NOW.getTime();
    const id = `expiring-${crypto.randomUUID()}`;
    await env.ADMIN_DB.prepare(
      `INSERT INTO email_event_dead_letters (sns_message_id, ses_message_id, message, reason, first_seen_at,
           dead_lettered_at, organization_id) VALUES (?, ?, '{}', 'queue-retries-exhausted', ?, ?, ?)`,
    )
      .bind(id, `ses-${id}`, seen, deadLetteredAt, ORGS.acme)
      .run();
    const left = () => n('SELECT count(*) AS n FROM email_event_dead_letters WHERE sns_message_id = ?', id);
    const sweep = (at: number) =>
      sweepParkedEvents(
        d1SinkPorts(() => new Date(at)),
        { now: new Date(at), deadLetters: store },
      );
    await sweep(deadLetteredAt + DEFAULT_DEAD_LETTER_TTL_MS);
    expect(await left()).toBe(1);
    const ofDay = async () => (await store.droppedTally(day)).filter((t) => t.day === day);
    expect(await ofDay()).toEqual([]);
    expect((await sweep(deadLetteredAt + DEFAULT_DEAD_LETTER_TTL_MS + 1)).dropped).toBeGreaterThanOrEqual(1);
    expect(await left()).toBe(0);
    expect(await ofDay()).toEqual([{ day, reason: 'queue-retries-exhausted', dropped: 1 }]);
  });
});
