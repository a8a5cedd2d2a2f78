import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORGS, countRows, d1SinkPorts, insertEmail, seedOrganizations } from '../../../../test/seed.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { KURATCHI_TAGS, type SesEventSource } from '../model.js';
import { createD1RetentionLookup } from '../retention/d1-retention-lookup.js';
import { DAY_MS } from '../retention/policy.js';
import { buildSesEvent, type SesEventSpec } from '../testing/ses-event-factory.js';
import { consumeSesEventBatch } from '../ingest/consume-batch.js';
import type { SesEventQueueMessage } from '../ingest/queue-message.js';
import { recordSesEvent, type EventSinkPorts } from './record.js';

/**
 * Events retention already purged, on real D1: an event with no route whose mail is older than
 * the emails retention of the organisation its tag names is `expired` (counted, nothing parked,
 * nothing recorded), in direct mode and in the queue consumer; one within it, without the tag,
 * or of an organisation kept longer, is parked as before; `import` brings no event older than
 * the events retention to a kept email (its raw row is gone: it would count twice). The
 * deployment's defaults here are 1 day of events and 2 of emails; one organisation has its own.
 */
const NOW = TEST_NOW;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY_MS);
const lookup = createD1RetentionLookup(env.ADMIN_DB, () => ({ eventsDays: 1, emailsDays: 2 }));
const ports: EventSinkPorts = { ...d1SinkPorts(() => NOW), retention: lookup };
/** An organisation of its own, keeping emails 5 days (no database: its events have no route). */
const LONGER = `org-gate-${crypto.randomUUID()}`;

beforeAll(async () => {
  await seedOrganizations();
  await env.ADMIN_DB.batch([
    env.ADMIN_DB.prepare(
      `INSERT INTO organizations (id, name, database_kind, database_binding, created_at) VALUES (?, 'Longer', 'd1', ?, 0)`,
    ).bind(LONGER, `RELEASED_${LONGER}`),
    env.ADMIN_DB.prepare(
      `INSERT INTO organization_retention (organization_id, events_days, emails_days, updated_at, updated_by)
       VALUES (?, NULL, 5, 0, 'test')`,
    ).bind(LONGER),
  ]);
});

/** An Open of mail sent `days` ago (opened an hour later), tagged with `organizationId` if given. */
function lateOpen(days: number, organizationId?: string, messageId = `ses-${crypto.randomUUID()}`) {
  const sentAt = ago(days);
  const spec: SesEventSpec = {
    eventType: 'Open',
    messageId,
    sentAt,
    time: new Date(sentAt.getTime() + 3_600_000),
    ...(organizationId ? { tags: { [KURATCHI_TAGS.organizationId]: [organizationId] } } : {}),
  };
  return buildSesEvent(spec);
}

const parkedRows = (sesMessageId: string) =>
  env.ADMIN_DB.prepare('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id = ?')
    .bind(sesMessageId)
    .first<{ n: number }>()
    .then((row) => row?.n ?? 0);

describe('an event of mail retention already purged', () => {
  it('direct mode: expired past the tagged organisation’s emails retention, parked otherwise', async () => {
    const cases: Array<[string, ReturnType<typeof lateOpen>, EventSinkPorts, string]> = [
      ['3 days, Acme (2 days)', lateOpen(3, ORGS.acme), ports, 'expired'],
      ['1.5 days, Acme', lateOpen(1.5, ORGS.acme), ports, 'parked'],
      ['3 days, no tag', lateOpen(3), ports, 'parked'],
      ['3 days, an unknown organisation', lateOpen(3, 'org-nobody'), ports, 'parked'],
      ['3 days, kept 5 days', lateOpen(3, LONGER), ports, 'parked'],
      ['6 days, kept 5 days', lateOpen(6, LONGER), ports, 'expired'],
      ['3 days, Acme, no retention port', lateOpen(3, ORGS.acme), d1SinkPorts(() => NOW), 'parked'],
    ];
    const deadBefore = await countRows(env.ADMIN_DB, 'email_event_dead_letters');
    for (const [name, event, sink, expected] of cases) {
      const result = await recordSesEvent(sink, crypto.randomUUID(), event);
      // An expired one is counted for the organisation its tag names.
      const tagged = expected === 'expired' ? event.mail.tags[KURATCHI_TAGS.organizationId]?.[0] : undefined;
      expect({ name, ...result }).toEqual({ name, outcome: expected, ...(tagged ? { organizationId: tagged } : {}) });
      expect({ name, parked: await parkedRows(event.mail.messageId) }).toEqual({
        name,
        parked: expected === 'parked' ? 1 : 0,
      });
    }
    expect(await countRows(env.ADMIN_DB, 'email_event_dead_letters')).toBe(deadBefore);
  });

  it('queued: acked `expired` and counted for the tagged organisation, nothing parked; the others parked as before', async () => {
    const expired = lateOpen(3, ORGS.acme);
    const kept = lateOpen(1.5, ORGS.acme);
    const deliveries = [expired, kept].map((event, i) => ({
      id: `q${i}`,
      attempts: 1,
      body: {
        v: 1,
        snsMessageId: crypto.randomUUID(),
        snsTimestamp: NOW.getTime() - 60_000,
        message: JSON.stringify(event),
      } satisfies SesEventQueueMessage,
    }));
    const report = await consumeSesEventBatch(ports, deliveries);
    expect(report.verdicts.get('q0')).toEqual({ action: 'ack', outcome: 'expired', organizationId: ORGS.acme });
    expect(report.verdicts.get('q1')).toMatchObject({ action: 'ack', outcome: 'parked' });
    expect(report.counts.get('outcome:expired')).toBe(1);
    expect(report.organizations.get(ORGS.acme)?.counts.get('outcome:expired')).toBe(1);
    expect(await parkedRows(expired.mail.messageId)).toBe(0);
    expect(await parkedRows(kept.mail.messageId)).toBe(1);
  });

  it('queued: the retention unreadable retries the batch (nothing dropped on a database error)', async () => {
    const failing: EventSinkPorts = {
      ...ports,
      retention: async () => {
        throw new Error('D1_ERROR: database unavailable');
      },
    };
    const event = lateOpen(3, ORGS.acme);
    const report = await consumeSesEventBatch(failing, [
      {
        id: 'q',
        attempts: 1,
        body: { v: 1, snsMessageId: crypto.randomUUID(), snsTimestamp: NOW.getTime(), message: JSON.stringify(event) },
      },
    ]);
    expect(report.verdicts.get('q')).toMatchObject({ action: 'retry' });
    expect(await parkedRows(event.mail.messageId)).toBe(0);
  });
});

describe('import and the events retention', () => {
  it('an imported event older than the events retention, or of mail past the emails retention, is expired', async () => {
    const routed = async (days: number) => {
      const sesMessageId = `ses-${crypto.randomUUID()}`;
      const id = await insertEmail(env.ORG_DB_ACME, { sesMessageId });
      await env.ORG_DB_ACME.prepare("UPDATE emails SET status = 'sent', created_at = ? WHERE id = ?")
        .bind(ago(days).getTime(), id)
        .run();
      await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
        .bind(sesMessageId, ORGS.acme, id)
        .run();
      return { id, sesMessageId };
    };
    const message = (event: ReturnType<typeof lateOpen>, source: SesEventSource): SesEventQueueMessage => ({
      v: 1,
      snsMessageId: `content:${crypto.randomUUID()}`,
      snsTimestamp: NOW.getTime(),
      message: JSON.stringify(event),
      source,
    });
    const a = await routed(1.5); // its events older than a day: purged already
    const b = await routed(2.5); // past the emails retention, not purged yet
    const c = await routed(0.5); // within both
    const events = [
      lateOpen(1.5, undefined, a.sesMessageId),
      lateOpen(2.5, undefined, b.sesMessageId),
      lateOpen(0.5, undefined, c.sesMessageId),
    ];
    const imported = await consumeSesEventBatch(
      ports,
      events.map((event, i) => ({ id: `i${i}`, attempts: 1, body: message(event, 'import') })),
    );
    expect([0, 1, 2].map((i) => imported.verdicts.get(`i${i}`))).toEqual([
      { action: 'ack', outcome: 'expired', organizationId: ORGS.acme },
      { action: 'ack', outcome: 'expired', organizationId: ORGS.acme },
      expect.objectContaining({ action: 'ack', outcome: 'applied', organizationId: ORGS.acme }),
    ]);
    expect(imported.organizations.get(ORGS.acme)?.counts.get('outcome:expired')).toBe(2);
    const opens = (id: string) =>
      env.ORG_DB_ACME.prepare('SELECT open_count AS n FROM emails WHERE id = ?')
        .bind(id)
        .first<{ n: number }>()
        .then((row) => row?.n);
    expect([await opens(a.id), await opens(b.id), await opens(c.id)]).toEqual([0, 0, 1]);
  });
});

describe('a live event older than the events retention (an SNS retry of one recorded and purged)', () => {
  /** Counts the retention lookups: a recent event must cost none. */
  let lookups = 0;
  const counted: EventSinkPorts['retention'] = (ids, now) => (lookups++, lookup(ids, now));
  const portsAt = (now: Date): EventSinkPorts => ({ ...d1SinkPorts(() => now), retention: counted });
  const opens = (db: D1Database, id: string) =>
    db
      .prepare('SELECT open_count AS n FROM emails WHERE id = ?')
      .bind(id)
      .first<{ n: number }>()
      .then((row) => row?.n);
  const queued = (event: ReturnType<typeof lateOpen>, snsMessageId: string) => ({
    id: snsMessageId,
    attempts: 1,
    body: { v: 1, snsMessageId, snsTimestamp: NOW.getTime(), message: JSON.stringify(event), source: 'sns' } as const,
  });

  it.each(ORG_DATABASE_KINDS)(
    '$kind: expired in direct and queued mode, counted once; a recent one costs no lookup',
    async ({ organizationId, db }) => {
      const routed = async () => {
        const sesMessageId = `ses-${crypto.randomUUID()}`;
        const id = await insertEmail(db, { sesMessageId });
        await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
          .bind(sesMessageId, organizationId, id)
          .run();
        return { id, sesMessageId };
      };
      // Opened 1.5 days ago, recorded then (it was recent), its raw row purged since (1 day of events).
      const direct = await routed();
      const inQueue = await routed();
      const events = [direct, inQueue].map(({ sesMessageId }) => lateOpen(1.5 + 1 / 24, undefined, sesMessageId));
      const snsIds = [crypto.randomUUID(), crypto.randomUUID()];
      lookups = 0;
      const then = new Date(NOW.getTime() - 1.4 * DAY_MS);
      expect((await recordSesEvent(portsAt(then), snsIds[0]!, events[0]!)).outcome).toBe('applied');
      const first = await consumeSesEventBatch(portsAt(then), [queued(events[1]!, snsIds[1]!)]);
      expect(first.verdicts.get(snsIds[1]!)).toMatchObject({ outcome: 'applied' });
      expect(lookups).toBe(0);
      await db.prepare('DELETE FROM email_events WHERE email_id IN (?, ?)').bind(direct.id, inQueue.id).run();

      // Now delivered again: expired, nothing recorded, the open counted once.
      expect(await recordSesEvent(portsAt(NOW), snsIds[0]!, events[0]!)).toEqual({
        outcome: 'expired',
        organizationId,
      });
      const again = await consumeSesEventBatch(portsAt(NOW), [queued(events[1]!, snsIds[1]!)]);
      expect(again.verdicts.get(snsIds[1]!)).toEqual({ action: 'ack', outcome: 'expired', organizationId });
      expect(again.organizations.get(organizationId)?.counts.get('outcome:expired')).toBe(1);
      expect([await opens(db, direct.id), await opens(db, inQueue.id)]).toEqual([1, 1]);
      const rows = await db
        .prepare('SELECT count(*) AS n FROM email_events WHERE email_id IN (?, ?)')
        .bind(direct.id, inQueue.id)
        .first<{ n: number }>();
      expect(rows?.n).toBe(0);
      expect(lookups).toBe(2);
    },
  );
});
