import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { d1SinkPorts, insertEmail, seedOrganizations } from '../../../../test/seed.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { createD1RetentionLookup } from '../retention/d1-retention-lookup.js';
import { DAY_MS } from '../retention/policy.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { consumeSesEventBatch } from '../ingest/consume-batch.js';
import { createD1DeadLetterStore } from './d1-dead-letter-store.js';
import { replayDeadLetters } from './dead-letters.js';
import { DEFAULT_PARK_TTL_MS } from './park-policy.js';
import { sweepParkedEvents } from './park-sweep.js';
import { applyParkedEvents, recordSesEvent, type EventSinkPorts } from './record.js';

/**
 * The events retention judges every path that records an event, each at its own `now`, by the
 * one rule (`expiredByRetention`, through `recordRouted`): an event older than its
 * organisation's events retention is `expired` (never recorded: its raw row may be purged, and
 * the email's counters and rollups would count it twice), leaves the park or the dead-letter
 * table, and is counted `outcome:expired` for the deployment and the organisation, as the live
 * path counts it. Here: the park's sweep (events parked while the organisation moved), sendEmail's
 * drain, a dead letter's replay, and an event whose route appeared while it was being parked
 * (direct and queued). The deployment keeps events 2 days and emails 3; every time derives from NOW.
 */
const NOW = TEST_NOW;
const at = (days: number) => new Date(NOW.getTime() + days * DAY_MS);
const lookup = createD1RetentionLookup(env.ADMIN_DB, () => ({ eventsDays: 2, emailsDays: 3 }));
const portsAt = (now: Date): EventSinkPorts => ({ ...d1SinkPorts(() => now), retention: lookup });
const deadLetters = createD1DeadLetterStore(env.ADMIN_DB);

beforeAll(seedOrganizations);

/** An Open (or Delivery) of `messageId` at `time` (sent a minute before), as its JSON round trip. */
const eventAt = (messageId: string, time: Date, eventType: 'Open' | 'Delivery' = 'Open') =>
  buildSesEvent({ eventType, messageId, time });

/** An email row of `db` and, unless `unrouted`, its route in the admin database. */
async function email(db: D1Database, organizationId: string, unrouted = false) {
  const sesMessageId = `ses-${crypto.randomUUID()}`;
  const id = await insertEmail(db, { sesMessageId });
  const route = () =>
    env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(sesMessageId, organizationId, id)
      .run();
  if (!unrouted) await route();
  const recorded = () =>
    db
      .prepare('SELECT event_type AS type FROM email_events WHERE email_id = ? ORDER BY 1')
      .bind(id)
      .all<{ type: string }>()
      .then((r) => r.results.map((row) => row.type));
  const parked = () =>
    env.ADMIN_DB.prepare('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id = ?')
      .bind(sesMessageId)
      .first<number>('n');
  return { id, sesMessageId, route, recorded, parked };
}

/** `outcome:expired` of the deployment and of `organizationId`, as the health panel reads them. */
async function expiredFigures(organizationId: string) {
  const store = d1SinkPorts(() => NOW).adminStore;
  const count = (rows: Array<{ name: string; count: number }>) =>
    rows.find((row) => row.name === 'outcome:expired')?.count ?? 0;
  return {
    deployment: count(await store.listIngestionCounters()),
    organization: count(await store.listIngestionCounters(organizationId)),
  };
}

describe.each(ORG_DATABASE_KINDS)('$kind', ({ organizationId, db }) => {
  it('the sweep: an event parked while its organisation moved, past the retention by the sweep’s now, is expired and leaves the park', async () => {
    const mail = await email(db, organizationId);
    const moving = (since: number | null) =>
      env.ADMIN_DB.prepare('UPDATE organizations SET moving_since = ? WHERE id = ?').bind(since, organizationId).run();
    await moving(NOW.getTime());
    // Both within the retention when they came (parked, the organisation moving): 1.5 and 0.5 days old.
    const old = eventAt(mail.sesMessageId, at(-1.5));
    const recent = eventAt(mail.sesMessageId, at(-0.5), 'Delivery');
    expect((await recordSesEvent(portsAt(NOW), 'sns-old', old)).outcome).toBe('parked');
    expect((await recordSesEvent(portsAt(NOW), 'sns-recent', recent)).outcome).toBe('parked');
    await moving(null);
    const before = await expiredFigures(organizationId);

    // The sweep 23 hours later (within the park's time to live): the old one is 2.46 days old.
    const sweepAt = new Date(NOW.getTime() + 23 * 3_600_000);
    const report = await sweepParkedEvents(portsAt(sweepAt), { now: sweepAt });
    expect(report).toMatchObject({ applied: 1, expired: 1, orphaned: 0, deadLettered: 0 });
    expect(await mail.recorded()).toEqual(['Delivery']);
    expect(await mail.parked()).toBe(0);
    expect(await expiredFigures(organizationId)).toEqual({
      deployment: before.deployment + 1,
      organization: before.organization + 1,
    });
    // Nothing left to retry: the next sweep finds nothing of it.
    expect(await sweepParkedEvents(portsAt(sweepAt), { now: sweepAt })).toMatchObject({ applied: 0, expired: 0 });
  });

  it('a replay: a dead letter past the retention by the replay’s now is expired and leaves the table', async () => {
    const mail = await email(db, organizationId, true);
    // Parked with no route (its route write failed), dead-lettered after the park's time to live.
    await recordSesEvent(portsAt(NOW), 'dl-old', eventAt(mail.sesMessageId, at(-1)));
    await recordSesEvent(portsAt(NOW), 'dl-recent', eventAt(mail.sesMessageId, at(0), 'Delivery'));
    const deadAt = new Date(NOW.getTime() + DEFAULT_PARK_TTL_MS + 1);
    expect((await sweepParkedEvents(portsAt(deadAt), { now: deadAt })).deadLettered).toBeGreaterThanOrEqual(2);
    await mail.route();
    const before = await expiredFigures(organizationId);

    // Replayed 1.5 days on: the old one is 2.5 days old, the other 1.5.
    const replayAt = at(1.5);
    const replay = () =>
      replayDeadLetters(portsAt(replayAt), deadLetters, { now: replayAt, limit: 10, sesMessageId: mail.sesMessageId });
    const report = await replay();
    expect(report.replayed.map((r) => [r.snsMessageId, r.outcome]).sort()).toEqual([
      ['dl-old', 'expired'],
      ['dl-recent', 'applied'],
    ]);
    expect(await mail.recorded()).toEqual(['Delivery']);
    expect(await deadLetters.list({ limit: 10, sesMessageId: mail.sesMessageId })).toEqual([]);
    expect(await expiredFigures(organizationId)).toEqual({
      deployment: before.deployment + 1,
      organization: before.organization + 1,
    });
    expect((await replay()).replayed).toEqual([]);
  });
});

describe('an event whose route is found after it was parked', () => {
  const { organizationId, db } = ORG_DATABASE_KINDS[0]!;

  it('sendEmail’s drain: a parked event past the retention by the drain’s now is expired and leaves the park', async () => {
    const mail = await email(db, organizationId, true);
    expect((await recordSesEvent(portsAt(NOW), 'drain-old', eventAt(mail.sesMessageId, at(-1.5)))).outcome).toBe(
      'parked',
    );
    await mail.route();
    const before = await expiredFigures(organizationId);
    expect(await applyParkedEvents(portsAt(at(0.9)), mail.sesMessageId)).toBe(0);
    expect(await mail.recorded()).toEqual([]);
    expect(await mail.parked()).toBe(0);
    expect((await expiredFigures(organizationId)).organization).toBe(before.organization + 1);
  });

  it('direct and queued: one older than the events retention, its mail within the emails retention, routed while parked, is expired', async () => {
    // 2.5 days old: past the events retention; no tag, mail within the emails one: parked when unrouted.
    const direct = await email(db, organizationId, true);
    const queued = await email(db, organizationId, true);
    const base = portsAt(NOW);
    // The route is written (sendEmail) between the lookup that found none and the park.
    const racing = (mail: Awaited<ReturnType<typeof email>>): EventSinkPorts => ({
      ...base,
      adminStore: {
        ...base.adminStore,
        parkEvent: async (...args) => {
          await mail.route();
          return base.adminStore.parkEvent(...args);
        },
        parkEvents: async (...args) => {
          await mail.route();
          return base.adminStore.parkEvents(...args);
        },
      },
    });
    expect(await recordSesEvent(racing(direct), 'race-direct', eventAt(direct.sesMessageId, at(-2.5)))).toEqual({
      outcome: 'expired',
      organizationId,
    });
    const message = {
      v: 1,
      snsMessageId: 'race-queued',
      snsTimestamp: NOW.getTime(),
      message: JSON.stringify(eventAt(queued.sesMessageId, at(-2.5))),
    } as const;
    const report = await consumeSesEventBatch(racing(queued), [{ id: 'q', attempts: 1, body: message }]);
    expect(report.verdicts.get('q')).toEqual({ action: 'ack', outcome: 'expired', organizationId });
    expect(report.organizations.get(organizationId)?.counts.get('outcome:expired')).toBe(1);
    expect([await direct.recorded(), await queued.recorded()]).toEqual([[], []]);
    expect([await direct.parked(), await queued.parked()]).toEqual([0, 0]);
  });
});
