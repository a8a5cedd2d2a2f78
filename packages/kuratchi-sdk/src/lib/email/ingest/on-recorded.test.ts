import { createMessageBatch, env, getQueueResult, createExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { countingPorts } from '../../../../test/counting-ports.js';
import { insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { consumeSesEventQueue } from './queue-consumer.js';
import { sesEventContentId } from '../ses-events/content-identity.js';
import { parseSesEvent } from '../ses-events/ses-event.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { recordSesEvent, type RecordedEvent } from '../routing/record.js';

/**
 * `onRecorded` (what outbound webhooks enqueue from): told of each event recorded in an
 * organisation's database, on a duplicate copy too, never of a parked one; it costs no D1 round
 * trip (issue 30 wants at most 2 per event in direct mode); in queued mode it is told once per
 * batch, and when it fails the batch's recorded messages are retried, not lost.
 */
const NOW = TEST_NOW;

beforeAll(seedOrganizations);

async function routedEmail(): Promise<string> {
  const ses = `ses-recorded-${crypto.randomUUID()}`;
  const id = await insertEmail(env.ORG_DB_ACME, { sesMessageId: ses });
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)').bind(ses, ORGS.acme, id).run();
  return ses;
}

const delivery = (ses: string) =>
  parseSesEvent(buildSesEvent({ eventType: 'Delivery', messageId: ses, time: new Date(NOW.getTime() - 60_000) }));

describe('onRecorded', () => {
  it('in direct mode: told of the recorded event and of a duplicate copy, with no D1 round trip of its own', async () => {
    const ses = await routedEmail();
    const event = delivery(ses);
    const plain = countingPorts(NOW);
    const told: RecordedEvent[] = [];
    const telling = countingPorts(NOW);
    const first = await recordSesEvent(
      { ...telling.ports, onRecorded: async (events) => void told.push(...events) },
      'sns-1',
      event,
    );
    expect(first.outcome).toBe('applied');
    const other = delivery(await routedEmail());
    expect((await recordSesEvent(plain.ports, 'sns-2', other)).outcome).toBe('applied');
    expect(telling.plan.calls).toBe(plain.plan.calls);
    expect(told).toEqual([
      { organizationId: ORGS.acme, emailId: expect.any(String), contentId: await sesEventContentId(event), event },
    ]);
    const again = await recordSesEvent(
      { ...countingPorts(NOW).ports, onRecorded: async (events) => void told.push(...events) },
      'sns-1-copy',
      event,
    );
    expect(again.outcome).toBe('duplicate');
    expect(told).toHaveLength(2);
  });

  it('is not told of a parked event (no route yet)', async () => {
    const told: RecordedEvent[] = [];
    const ports = {
      ...countingPorts(NOW).ports,
      onRecorded: async (e: readonly RecordedEvent[]) => void told.push(...e),
    };
    expect((await recordSesEvent(ports, 'sns-parked', delivery(`ses-none-${crypto.randomUUID()}`))).outcome).toBe(
      'parked',
    );
    expect(told).toEqual([]);
  });

  it('in queued mode: told once per batch; when it fails, the recorded messages are retried', async () => {
    const bodies = await Promise.all(
      [1, 2].map(async (i) => ({
        v: 1,
        snsMessageId: `sns-q-${crypto.randomUUID()}`,
        snsTimestamp: NOW.getTime(),
        message: JSON.stringify(delivery(await routedEmail())),
        i,
      })),
    );
    const calls: number[] = [];
    const ok = createMessageBatch(
      'kuratchi-ses-events',
      bodies.map((body, i) => ({ id: `ok${i}`, timestamp: NOW, attempts: 1, body })),
    );
    await consumeSesEventQueue(ok, { ...countingPorts(NOW).ports, onRecorded: async (e) => void calls.push(e.length) });
    expect(calls).toEqual([2]);

    const failing = createMessageBatch(
      'kuratchi-ses-events',
      bodies.map((body, i) => ({ id: `f${i}`, timestamp: NOW, attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await consumeSesEventQueue(failing, {
      ...countingPorts(NOW).ports,
      onRecorded: async () => {
        throw new Error('queue unavailable');
      },
    });
    const result = await getQueueResult(failing, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual(['f0', 'f1']);
  });
});
