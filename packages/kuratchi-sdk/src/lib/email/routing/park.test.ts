import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { countingPorts } from '../../../../test/counting-ports.js';
import { insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { buildSesEvent, type SesEventSpec } from '../testing/ses-event-factory.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import { createSesEventIngestor } from '../ingest/ingest.js';

/**
 * The park costs O(1) D1 round trips per event, whatever it holds. Events parked for a message
 * whose route exists but whose email row is gone (an organisation deleted old emails while
 * recipients keep opening them) are orphaned, not re-tried on every new event: each POST used to
 * re-try the whole park of its message (9 round trips for the first, 247 for the 120th).
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const NOW = TEST_NOW;
let signer: SnsSigner;

beforeAll(async () => {
  signer = await createSnsSigner();
  await seedOrganizations();
});

async function signed(spec: Omit<SesEventSpec, 'time'>) {
  const message = await signer.sign({
    Type: 'Notification',
    MessageId: `sns-${crypto.randomUUID()}`,
    TopicArn: TOPIC,
    Message: JSON.stringify(buildSesEvent({ ...spec, time: new Date(NOW.getTime() - 60_000) })),
    Timestamp: new Date(NOW.getTime() - 1000).toISOString(),
  });
  return JSON.stringify(message);
}

/** Puts `n` events of a message in the park directly (as earlier POSTs would have). */
async function fillPark(sesMessageId: string, n: number) {
  for (let i = 0; i < n; i += 50) {
    await env.ADMIN_DB.batch(
      Array.from({ length: Math.min(50, n - i) }, (_, j) =>
        env.ADMIN_DB.prepare(
          'INSERT INTO parked_email_events (sns_message_id, ses_message_id, message, parked_at) VALUES (?, ?, ?, ?)',
        ).bind(
          `filled-${sesMessageId}-${i + j}`,
          sesMessageId,
          JSON.stringify(
            buildSesEvent({ eventType: 'Open', messageId: sesMessageId, time: new Date(NOW.getTime() - 3_600_000) }),
          ),
          NOW.getTime() - 60_000,
        ),
      ),
    );
  }
}

/** D1 round trips of one POST of an Open of this message, after `parkedCount` of its events were parked. */
async function roundTripsWith(parkedCount: number, setup: (sesMessageId: string) => Promise<void>) {
  const sesMessageId = `ses-park-${crypto.randomUUID()}`;
  await setup(sesMessageId);
  await fillPark(sesMessageId, parkedCount);
  const { plan, ports } = countingPorts(NOW);
  const ingestor = createSesEventIngestor({
    ...ports,
    allowedTopicArns: [TOPIC],
    fetchCertificate: signer.fetchCertificate,
  });
  const result = await ingestor.ingest(await signed({ eventType: 'Open', messageId: sesMessageId }));
  expect(result.status).toBe(200);
  return { calls: plan.calls, outcome: result.body.outcome };
}

describe('the cost of one event does not grow with the park', () => {
  it('a message whose route names a deleted email: the same round trips with 0, 120 and 1,000 events parked', async () => {
    const deletedEmail = (sesMessageId: string) =>
      env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
        .bind(sesMessageId, ORGS.acme, `deleted-${sesMessageId}`)
        .run()
        .then(() => undefined);
    const none = await roundTripsWith(0, deletedEmail);
    const some = await roundTripsWith(120, deletedEmail);
    const many = await roundTripsWith(1000, deletedEmail);
    // route, organisation, event batch, why-not check, park batch
    expect([none.calls, some.calls, many.calls]).toEqual([5, 5, 5]);
    expect(none.outcome).toBe('orphaned');
    // Past the cap of 100 parked events per message, the event is dead-lettered (kept, counted).
    expect([some.outcome, many.outcome]).toEqual(['dead-lettered', 'dead-lettered']);
  });

  it('a message with no route yet: the same round trips with 0, 120 and 1,000 events parked', async () => {
    const nothing = async () => {};
    const counts = [
      await roundTripsWith(0, nothing),
      await roundTripsWith(120, nothing),
      await roundTripsWith(1000, nothing),
    ];
    // route, park batch, route again (a dead-lettered event needs no second look)
    expect(counts.map((c) => c.calls)).toEqual([3, 2, 2]);
    expect(counts.map((c) => c.outcome)).toEqual(['parked', 'dead-lettered', 'dead-lettered']);
  });

  it('a routed event for a live email costs the same, and never touches the park', async () => {
    const live = async (sesMessageId: string) => {
      const emailId = await insertEmail(env.ORG_DB_ACME, { sesMessageId });
      await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
        .bind(sesMessageId, ORGS.acme, emailId)
        .run();
    };
    const counts = [await roundTripsWith(0, live), await roundTripsWith(1000, live)];
    expect(counts).toEqual([
      { calls: 3, outcome: 'applied' },
      { calls: 3, outcome: 'applied' },
    ]);
  });
});
