import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW, testTime } from '../../../../test/clock.js';
import { countingPorts } from '../../../../test/counting-ports.js';
import { insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { buildFirehoseRequestBody } from '../testing/firehose-request.js';
import { FIREHOSE_ACCESS_KEY_HEADER } from '../ingest/firehose-request.js';
import type { EventSinkPorts } from '../routing/record.js';
import { handleFirehoseDelivery } from './firehose-handler.js';

/**
 * The Firehose endpoint in direct mode on real D1, counting its D1 round trips: a request of
 * 1,000 events of mail with no route yet (not sent by `sendEmail`) is routed and parked in
 * batches, far inside the 1,000 queries one Worker invocation may make, not one round trip (or
 * three) per event.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
const KEY = 'firehose-test-key';

beforeAll(seedOrganizations);

async function deliver(ports: EventSinkPorts, texts: string[]) {
  const body = buildFirehoseRequestBody(texts, { requestId: `req-${crypto.randomUUID()}`, timestamp: TEST_NOW });
  const request = new Request('https://dashboard.example/api/firehose/ses-events', {
    method: 'POST',
    headers: { 'content-type': 'application/json', [FIREHOSE_ACCESS_KEY_HEADER]: KEY },
    body: JSON.stringify(body),
  });
  const after: Promise<unknown>[] = [];
  const response = await handleFirehoseDelivery(request, {
    accessKey: KEY,
    sink: () => ports,
    context: { waitUntil: (promise) => void after.push(promise) },
    now: () => TEST_NOW,
  });
  await Promise.all(after);
  return response;
}

const opens = (ns: string, n: number, messageId: (i: number) => string) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify(buildSesEvent({ eventType: 'Open', messageId: messageId(i), time: testTime(-60_000 + i) })),
  );

describe('the Firehose endpoint in direct mode', () => {
  it('parks 1,000 unrouted events in at most 30 D1 round trips (once more: duplicates, as few)', async () => {
    const ns = 'fh-unrouted';
    const texts = opens(ns, 1000, (i) => `ses-${ns}-${i % 500}`);
    const { plan, ports } = countingPorts(TEST_NOW);
    const response = await deliver(ports, texts);
    expect(response.status).toBe(200);
    expect(plan.calls).toBeLessThanOrEqual(30);
    const parked = await env.ADMIN_DB.prepare(
      "SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id LIKE ? AND reason = 'no-route'",
    )
      .bind(`ses-${ns}-%`)
      .first('n');
    expect(parked).toBe(1000);

    // Firehose delivered the same request again: nothing changes, as few round trips.
    const again = countingPorts(TEST_NOW);
    expect((await deliver(again.ports, texts)).status).toBe(200);
    expect(again.plan.calls).toBeLessThanOrEqual(30);
    const stillParked = await env.ADMIN_DB.prepare(
      'SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id LIKE ?',
    )
      .bind(`ses-${ns}-%`)
      .first('n');
    expect(stillParked).toBe(1000);
  });

  it('a full park dead-letters the rest; an event whose route appeared is applied, in the same few round trips', async () => {
    const ns = 'fh-mixed';
    // 150 events of one message: the park's cap (100) parks the first 100, dead-letters 50.
    const crowded = opens(ns, 150, () => `ses-${ns}-crowded`);
    const id = await insertEmail(env.ORG_DB_ACME, { id: `${ns}-email`, sesMessageId: `ses-${ns}-routed` });
    await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(`ses-${ns}-routed`, ORGS.acme, id)
      .run();
    const routed = opens(ns, 1, () => `ses-${ns}-routed`);
    const { plan, ports } = countingPorts(TEST_NOW);
    expect((await deliver(ports, [...crowded, ...routed])).status).toBe(200);
    expect(plan.calls).toBeLessThanOrEqual(12);
    const count = (sql: string) => env.ADMIN_DB.prepare(sql).bind(`ses-${ns}-crowded`).first('n');
    expect(await count('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id = ?')).toBe(100);
    expect(
      await count(
        "SELECT count(*) AS n FROM email_event_dead_letters WHERE ses_message_id = ? AND reason = 'park-full'",
      ),
    ).toBe(50);
    expect(
      await env.ORG_DB_ACME.prepare('SELECT open_count FROM emails WHERE id = ?').bind(id).first('open_count'),
    ).toBe(1);
  });

  it("counts its figures in the hour of the request's clock, not the machine's", async () => {
    const ns = 'fh-clock';
    const { ports } = countingPorts(TEST_NOW);
    expect(
      (
        await deliver(
          ports,
          opens(ns, 3, (i) => `ses-${ns}-${i}`),
        )
      ).status,
    ).toBe(200);
    const parked = await env.ADMIN_DB.prepare(
      "SELECT last_at FROM ingestion_counters WHERE name = 'outcome:parked'",
    ).first('last_at');
    expect(parked).toBe(TEST_NOW.getTime());
  });
});
