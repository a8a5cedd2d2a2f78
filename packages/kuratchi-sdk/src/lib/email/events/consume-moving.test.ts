import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { countRows, insertEmail } from '../../../../test/seed.js';
import { createD1AdminStore } from '../store/d1-admin-store.js';
import { durableObjectDatabase } from '../store/durable-object-database.js';
import { createOrgBindingCache, createOrgDatabaseClient } from '../store/org-databases.js';
import { createOrgEmailStore } from '../store/org-email-store.js';
import { clearOrgTables, copyOrgTablePage, ORG_TABLES } from '../store/org-copy.js';
import { startOrgMove, switchOrgToDurableObject } from '../store/org-move.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { consumeSesEventBatch, type QueuedDelivery } from './consume-batch.js';
import type { EventSinkPorts } from './record.js';

/**
 * The queue consumer and an organisation being moved from D1 to its Durable Object: once an
 * isolate sees it moving (at most ORG_LOCATION_CACHE_TTL_MS after the start, which the copy
 * waits out), its events are retried (none acked, none written to the D1 database the copy reads);
 * after the switch the same deliveries are applied to the object, once.
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

describe('consumeSesEventBatch and an organisation being moved', () => {
  it('retries its events while it moves, and applies them to its object after the switch', async () => {
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
    await startOrgMove(env.ADMIN_DB, ORG, NOW.getTime());

    const during = await consumeSesEventBatch(ports(), deliveries);
    for (const delivery of deliveries) {
      const verdict = during.verdicts.get(delivery.id)!;
      expect(verdict.action).toBe('retry');
      expect(verdict.action === 'retry' && verdict.delaySeconds).toBeGreaterThan(0);
    }
    expect(await eventsInD1()).toBe(0);

    // The copy and the switch (as `kuratchi-ses org migrate` does them).
    const object = durableObjectDatabase(env.ORG_DO.get(env.ORG_DO.idFromName(ORG)));
    await clearOrgTables(object);
    for (const table of ORG_TABLES) await copyOrgTablePage(env.ORG_DB_GLOBEX, object, table, null, 500);
    await switchOrgToDurableObject(env.ADMIN_DB, ORG, 'ORG_DO');

    const after = await consumeSesEventBatch(
      ports(),
      deliveries.map((d) => ({ ...d, attempts: 2 })),
    );
    expect(deliveries.map((d) => after.verdicts.get(d.id))).toEqual([
      { action: 'ack', outcome: 'applied', organizationId: ORG },
      { action: 'ack', outcome: 'applied', organizationId: ORG },
    ]);
    const row = await object.prepare('SELECT status, open_count FROM emails WHERE id = ?').bind(emailId).first();
    expect(row).toEqual({ status: 'delivered', open_count: 1 });
    expect(await countRows(object, 'email_events')).toBe(2);
    expect(await eventsInD1()).toBe(0);
  });
});
