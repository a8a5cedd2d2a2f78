import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { verifyOrgCopy } from '../../../../test/org-database-kinds.js';
import { countRows, insertEmail } from '../../../../test/seed.js';
import { createD1AdminStore } from '../routing/d1-admin-store.js';
import { durableObjectDatabase } from '../organizations/durable-object-database.js';
import { createOrgBindingCache, createOrgDatabaseClient } from '../organizations/org-databases.js';
import { createOrgEmailStore } from '../organizations/org-email-store.js';
import { clearOrgTables, copyOrgTablePage, ORG_TABLES } from '../organizations/org-copy.js';
import { startOrgMove, switchOrgToDurableObject } from '../organizations/org-move.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { consumeSesEventBatch, type QueuedDelivery } from './consume-batch.js';
import { drainParkedEvents, sweepParkedEvents } from '../routing/park-sweep.js';
import type { EventSinkPorts } from '../routing/record.js';

/**
 * The queue consumer and organisations on Durable Objects: a batch reaches each organisation's
 * object in one call; and an organisation being moved from D1 to its Durable Object: once an
 * isolate sees it moving (at most ORG_LOCATION_CACHE_TTL_MS after the start, which the copy
 * waits out), its events are parked as `org-moving` (acked, none written to the D1 database the
 * copy reads); after the switch the drain applies them to the object, once.
 */
const NOW = TEST_NOW;
const ORG = 'org-moving-queue';
const cache = createOrgBindingCache();

function ports(): EventSinkPorts {
  const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>, cache);
  return {
    adminStore: createD1AdminStore(env.ADMIN_DB),
    resolveOrgEmailStore: async (id) => createOrgEmailStore(await orgDatabase(id)),
    now: () => NOW,
  };
}

describe('consumeSesEventBatch and organisations on Durable Objects', () => {
  it('sends each organisation its events of a batch in one call, whatever their number', async () => {
    const orgs = ['org-do-batch-1', 'org-do-batch-2'];
    const calls = new Map<string, { recordEvents: number; runStatements: number }>();
    const deliveries: QueuedDelivery[] = [];
    for (const org of orgs) {
      await env.ADMIN_DB.prepare(
        `INSERT INTO organizations (id, name, database_binding, database_kind, created_at) VALUES (?, ?, 'ORG_DO', 'durable-object', 0)`,
      )
        .bind(org, org)
        .run();
      const db = durableObjectDatabase(env.ORG_DO.get(env.ORG_DO.idFromName(org)));
      for (let e = 0; e < 5; e++) {
        const emailId = `${org}-email-${e}`;
        await insertEmail(db, { id: emailId, sesMessageId: `ses-${emailId}` });
        await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
          .bind(`ses-${emailId}`, org, emailId)
          .run();
        for (let i = 0; i < 10; i++) {
          const time = new Date(NOW.getTime() - 60 * 60_000 + i * 1000);
          deliveries.push({
            id: `${emailId}-q${i}`,
            attempts: 1,
            body: {
              v: 1,
              snsMessageId: `${emailId}-sns-${i}`,
              snsTimestamp: time.getTime(),
              message: JSON.stringify(
                buildSesEvent({ eventType: i ? 'Open' : 'Delivery', messageId: `ses-${emailId}`, time }),
              ),
            },
          });
        }
      }
    }
    // The real objects behind a stub that counts the calls each organisation's object receives.
    const counting: EventSinkPorts = {
      adminStore: createD1AdminStore(env.ADMIN_DB),
      now: () => NOW,
      resolveOrgEmailStore: async (id) => {
        const stub = env.ORG_DO.get(env.ORG_DO.idFromName(id));
        const count = calls.get(id) ?? { recordEvents: 0, runStatements: 0 };
        calls.set(id, count);
        return createOrgEmailStore(
          durableObjectDatabase({
            recordEvents: (inputs) => (count.recordEvents++, stub.recordEvents(inputs)),
            runStatements: (statements, atomic) => (count.runStatements++, stub.runStatements(statements, atomic)),
            databaseSize: () => stub.databaseSize(),
          }),
        );
      },
    };
    const report = await consumeSesEventBatch(counting, deliveries);
    expect([...report.verdicts.values()].every((v) => v.action === 'ack' && v.outcome === 'applied')).toBe(true);
    expect(report.verdicts.size).toBe(100);
    expect(Object.fromEntries(calls)).toEqual({
      'org-do-batch-1': { recordEvents: 1, runStatements: 0 },
      'org-do-batch-2': { recordEvents: 1, runStatements: 0 },
    });
    const db = durableObjectDatabase(env.ORG_DO.get(env.ORG_DO.idFromName(orgs[0]!)));
    expect(await db.prepare(`SELECT sum(open_count) AS n FROM emails`).first('n')).toBe(45);
  });

  it('parks its events while it moves (acked, nothing written to D1), and applies them to its object after the switch', async () => {
    await env.ADMIN_DB.prepare(
      `INSERT INTO organizations (id, name, database_binding, created_at) VALUES (?, 'Moving', 'ORG_DB_GLOBEX', 0)`,
    )
      .bind(ORG)
      .run();
    const emailId = `moving-${crypto.randomUUID()}`;
    const sesMessageId = `ses-${emailId}`;
    await insertEmail(env.ORG_DB_GLOBEX, { id: emailId, sesMessageId });
    await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(sesMessageId, ORG, emailId)
      .run();
    const time = (minutes: number) => new Date(NOW.getTime() - 30 * 60_000 + minutes * 60_000);
    const deliveries: QueuedDelivery[] = [
      buildSesEvent({ eventType: 'Delivery', messageId: sesMessageId, time: time(1) }),
      buildSesEvent({ eventType: 'Open', messageId: sesMessageId, time: time(2) }),
    ].map((event, i) => ({
      id: `${emailId}-q${i}`,
      attempts: 1,
      body: {
        v: 1,
        snsMessageId: `${emailId}-sns-${i}`,
        snsTimestamp: time(i + 1).getTime(),
        message: JSON.stringify(event),
      },
    }));
    const eventsInD1 = () =>
      env.ORG_DB_GLOBEX.prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?').bind(emailId).first('n');
    const held = () =>
      env.ADMIN_DB.prepare('SELECT reason FROM parked_email_events WHERE ses_message_id = ? ORDER BY sns_message_id')
        .bind(sesMessageId)
        .all()
        .then((r) => r.results);
    await startOrgMove(env.ADMIN_DB, ORG, NOW.getTime());

    const during = await consumeSesEventBatch(ports(), deliveries);
    expect(deliveries.map((d) => during.verdicts.get(d.id))).toEqual([
      { action: 'ack', outcome: 'parked', organizationId: ORG },
      { action: 'ack', outcome: 'parked', organizationId: ORG },
    ]);
    expect(await held()).toEqual([{ reason: 'org-moving' }, { reason: 'org-moving' }]);
    expect(await eventsInD1()).toBe(0);
    // The sweep leaves them while the organisation moves.
    expect(await sweepParkedEvents(ports(), { now: NOW })).toMatchObject({ applied: 0, orphaned: 0 });
    expect(await held()).toHaveLength(2);

    // The copy and the switch (as `kuratchi-ses org migrate` does them).
    const object = durableObjectDatabase(env.ORG_DO.get(env.ORG_DO.idFromName(ORG)));
    await clearOrgTables(object);
    for (const table of ORG_TABLES) await copyOrgTablePage(env.ORG_DB_GLOBEX, object, table, null, 500);
    expect(await verifyOrgCopy(ORG, env.ORG_DB_GLOBEX, object)).toBe(true);
    await switchOrgToDurableObject(env.ADMIN_DB, ORG, 'ORG_DO');

    expect(await drainParkedEvents(ports(), { organizationId: ORG, now: NOW })).toEqual({
      applied: 2,
      duplicates: 0,
      orphaned: 0,
      expired: 0,
      more: false,
    });
    expect(await held()).toEqual([]);
    const row = await object.prepare('SELECT status, open_count FROM emails WHERE id = ?').bind(emailId).first();
    expect(row).toEqual({ status: 'delivered', open_count: 1 });
    expect(await countRows(object, 'email_events')).toBe(2);
    expect(await eventsInD1()).toBe(0);

    // Delivered again (a queue retry, SNS delivering twice): recorded once.
    const again = await consumeSesEventBatch(
      ports(),
      deliveries.map((d) => ({ ...d, attempts: 2 })),
    );
    expect(deliveries.map((d) => again.verdicts.get(d.id))).toEqual([
      { action: 'ack', outcome: 'duplicate', organizationId: ORG },
      { action: 'ack', outcome: 'duplicate', organizationId: ORG },
    ]);
    expect(await countRows(object, 'email_events')).toBe(2);
  });
});
