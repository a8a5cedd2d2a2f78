import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { createFaultPlan, failingD1, type FaultPlan } from '../../../../test/failing-d1.js';
import { ORGS, emailSnapshot, insertEmail, seedOrganizations, withoutNamespace } from '../../../../test/seed.js';
import { createD1AdminStore } from '../routing/d1-admin-store.js';
import { createD1DeadLetterStore } from '../routing/d1-dead-letter-store.js';
import { createD1OrgEmailStore } from '../routing/d1-org-email-store.js';
import { createOrgBindingCache, createOrgDatabaseClient } from '../organizations/org-databases.js';
import { buildSesEvent, type SesEventSpec } from '../testing/ses-event-factory.js';
import { consumeSesEventBatch, retryDelaySeconds, type QueuedDelivery } from './consume-batch.js';
import { SNS_MAX_RETRY_WINDOW_MS } from '../routing/park-policy.js';
import { consumeSesEventQueue, deadLetterSesEventQueue } from './queue-consumer.js';
import { readSesEventQueueMessage, type SesEventQueueMessage } from './queue-message.js';
import type { EventSinkPorts } from '../routing/record.js';

/**
 * The queue consumer on real D1 (workerd): one batch applies every event with the same outcomes
 * as direct mode; a D1 failure at any statement, or a consumer that dies at any statement, ends,
 * once the queue redelivers, in exactly the fault-free state; a D1 outage longer than SNS's retry
 * window loses nothing; and a warm batch of 100 costs a handful of D1 round trips.
 */
const NOW = TEST_NOW;
const at = (minutes: number) => new Date(NOW.getTime() - 30 * 60_000 + minutes * 60_000);

beforeAll(seedOrganizations);

function queueMessage(snsMessageId: string, spec: SesEventSpec): SesEventQueueMessage {
  return {
    v: 1,
    snsMessageId,
    snsTimestamp: spec.time.getTime() + 1000,
    message: JSON.stringify(buildSesEvent(spec)),
  };
}

/**
 * A run in its own namespace: a (Acme: send, delivery, two opens, the second delivered twice,
 * a click), b (Acme: a permanent bounce, so a suppression), c (Globex: delivery, complaint),
 * d (no route: parked), e (a route naming a missing email: orphaned).
 */
async function prepareRun(ns: string) {
  const ids = { a: `${ns}-a`, b: `${ns}-b`, c: `${ns}-c`, e: `${ns}-e` };
  const ses = { a: `ses-${ns}-a`, b: `ses-${ns}-b`, c: `ses-${ns}-c`, d: `ses-${ns}-d`, e: `ses-${ns}-e` };
  await insertEmail(env.ORG_DB_ACME, { id: ids.a, sesMessageId: ses.a });
  await insertEmail(env.ORG_DB_ACME, { id: ids.b, sesMessageId: ses.b, recipient: `${ns}-b@example.com` });
  await insertEmail(env.ORG_DB_GLOBEX, { id: ids.c, sesMessageId: ses.c });
  const lookup = env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)');
  await env.ADMIN_DB.batch([
    lookup.bind(ses.a, ORGS.acme, ids.a),
    lookup.bind(ses.b, ORGS.acme, ids.b),
    lookup.bind(ses.c, ORGS.globex, ids.c),
    lookup.bind(ses.e, ORGS.acme, ids.e),
  ]);
  const open2 = queueMessage(`${ns}-a-open-2`, { eventType: 'Open', messageId: ses.a, time: at(4) });
  const bodies = [
    queueMessage(`${ns}-a-send`, { eventType: 'Send', messageId: ses.a, time: at(1) }),
    queueMessage(`${ns}-a-delivery`, { eventType: 'Delivery', messageId: ses.a, time: at(2) }),
    queueMessage(`${ns}-a-open-1`, { eventType: 'Open', messageId: ses.a, time: at(3) }),
    open2,
    queueMessage(`${ns}-a-click`, { eventType: 'Click', messageId: ses.a, time: at(5), link: 'https://example.com/x' }),
    queueMessage(`${ns}-b-bounce`, {
      eventType: 'Bounce',
      messageId: ses.b,
      recipient: `${ns}-b@example.com`,
      time: at(6),
    }),
    queueMessage(`${ns}-c-delivery`, { eventType: 'Delivery', messageId: ses.c, time: at(2) }),
    queueMessage(`${ns}-c-complaint`, { eventType: 'Complaint', messageId: ses.c, time: at(7) }),
    open2, // SNS delivered it twice: two queue messages, one SNS MessageId
    queueMessage(`${ns}-d-open`, { eventType: 'Open', messageId: ses.d, time: at(8) }),
    queueMessage(`${ns}-e-open`, { eventType: 'Open', messageId: ses.e, time: at(9) }),
  ];
  const deliveries: QueuedDelivery[] = bodies.map((body, i) => ({ id: `${ns}-q${i}`, body, attempts: 1 }));
  return { ns, ids, ses, deliveries };
}

function ports(plan: FaultPlan): EventSinkPorts {
  const adminDb = failingD1(env.ADMIN_DB, plan);
  const bindings = { ORG_DB_ACME: failingD1(env.ORG_DB_ACME, plan), ORG_DB_GLOBEX: failingD1(env.ORG_DB_GLOBEX, plan) };
  const orgDatabase = createOrgDatabaseClient(adminDb, bindings);
  return {
    adminStore: createD1AdminStore(adminDb),
    resolveOrgEmailStore: async (id) => createD1OrgEmailStore(await orgDatabase(id)),
    now: () => NOW,
  };
}

/** Delivers the run's batch, then what the consumer asked to retry, as Queues does; returns the rounds. */
async function deliverUntilAcked(run: Awaited<ReturnType<typeof prepareRun>>, plan: FaultPlan): Promise<number> {
  let pending = run.deliveries;
  let rounds = 0;
  while (pending.length) {
    expect(++rounds, `${run.ns}: retries must end`).toBeLessThan(6);
    const report = await consumeSesEventBatch(ports(plan), pending);
    expect(report.verdicts.size, `${run.ns}: a verdict for every delivery`).toBe(pending.length);
    pending = pending
      .filter((d) => report.verdicts.get(d.id)?.action === 'retry')
      .map((d) => ({ ...d, attempts: d.attempts + 1 }));
  }
  return rounds;
}

async function snapshot(run: Awaited<ReturnType<typeof prepareRun>>) {
  const strip = <T>(value: T): T => withoutNamespace(value, run.ns);
  const email = emailSnapshot;
  const events = (db: D1Database, id: string) =>
    db
      .prepare('SELECT sns_message_id, event_type, occurred_at FROM email_events WHERE email_id = ? ORDER BY 1')
      .bind(id)
      .all()
      .then((r) => r.results);
  const like = async (db: D1Database, sql: string, pattern: string) =>
    (await db.prepare(sql).bind(pattern).all()).results;
  return strip({
    a: await email(env.ORG_DB_ACME, run.ids.a),
    b: await email(env.ORG_DB_ACME, run.ids.b),
    c: await email(env.ORG_DB_GLOBEX, run.ids.c),
    events: [
      await events(env.ORG_DB_ACME, run.ids.a),
      await events(env.ORG_DB_ACME, run.ids.b),
      await events(env.ORG_DB_GLOBEX, run.ids.c),
    ],
    suppressions: await like(
      env.ORG_DB_ACME,
      'SELECT email_address, reason FROM email_suppressions WHERE email_address LIKE ? ORDER BY 1',
      `${run.ns}-%`,
    ),
    parked: await like(
      env.ADMIN_DB,
      'SELECT sns_message_id, reason FROM parked_email_events WHERE ses_message_id LIKE ? ORDER BY 1',
      `ses-${run.ns}-%`,
    ),
  });
}

describe('consumeSesEventBatch', () => {
  it('applies a batch with the outcomes of direct mode: applied, duplicate, parked, orphaned', async () => {
    const run = await prepareRun('batch');
    const report = await consumeSesEventBatch(ports(createFaultPlan()), run.deliveries);
    const outcomes = run.deliveries.map((d) => {
      const v = report.verdicts.get(d.id)!;
      return v.action === 'ack' ? v.outcome : 'retry';
    });
    expect(outcomes).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'duplicate',
      'parked',
      'orphaned',
    ]);
    expect(report.counts).toEqual(
      new Map([
        ['outcome:applied', 8],
        ['outcome:duplicate', 1],
        ['outcome:parked', 1],
        ['outcome:orphaned', 1],
      ]),
    );
    // Lag: SNS Timestamp (event time + 1 s) to applied (NOW), for the 8 applied events.
    expect(report.lagsMs).toHaveLength(8);
    expect(Math.min(...report.lagsMs)).toBe(NOW.getTime() - at(7).getTime() - 1000);
    const state = await snapshot(run);
    expect(state.a).toMatchObject({ status: 'delivered', open_count: 2, click_count: 1 });
    expect(state.b).toMatchObject({ status: 'bounced', bounce_type: 'Permanent' });
    expect(state.c).toMatchObject({ status: 'complained' });
    expect(state.suppressions).toEqual([{ email_address: 'NS-b@example.com', reason: 'bounce' }]);
    expect(state.parked).toEqual([
      { sns_message_id: 'NS-d-open', reason: 'no-route' },
      { sns_message_id: 'NS-e-open', reason: 'email-missing' },
    ]);
    // Delivered again whole (the consumer died after writing): nothing changes, nothing counts twice.
    const again = await consumeSesEventBatch(ports(createFaultPlan()), run.deliveries);
    expect(again.counts.get('outcome:applied')).toBeUndefined();
    expect(again.counts.get('outcome:duplicate')).toBe(9);
    expect(await snapshot(run)).toEqual(state);
  });

  it('a body this version cannot read is acked as unreadable, the rest of the batch applied', async () => {
    const run = await prepareRun('unreadable');
    const junk: QueuedDelivery[] = [
      { id: 'junk-1', body: { v: 2 }, attempts: 1 },
      { id: 'junk-2', body: { v: 1, snsMessageId: 'x', snsTimestamp: 1, message: '{"not":"ses"}' }, attempts: 1 },
    ];
    const report = await consumeSesEventBatch(ports(createFaultPlan()), [...junk, ...run.deliveries.slice(0, 2)]);
    expect(report.verdicts.get('junk-1')).toEqual({ action: 'ack', outcome: 'unreadable' });
    expect(report.verdicts.get('junk-2')).toEqual({ action: 'ack', outcome: 'unreadable' });
    expect(report.counts.get('consumer:unreadable')).toBe(2);
    expect(report.counts.get('outcome:applied')).toBe(2);
    expect(readSesEventQueueMessage(run.deliveries[0]!.body)).toEqual(run.deliveries[0]!.body);
  });

  it(
    'a D1 failure at any statement, before or after it ran, ends in the fault-free state once retried',
    { timeout: 900_000 },
    async () => {
      const cleanPlan = createFaultPlan();
      const clean = await prepareRun('qclean');
      expect(await deliverUntilAcked(clean, cleanPlan)).toBe(1);
      const expected = await snapshot(clean);
      const statements = cleanPlan.executed;
      expect(statements).toBeGreaterThan(20);
      for (const mode of ['before', 'after'] as const) {
        for (let k = 1; k <= statements; k++) {
          const run = await prepareRun(`qfault-${mode}-${k}`);
          const plan = createFaultPlan(k, mode);
          await deliverUntilAcked(run, plan);
          expect(plan.injected, `${run.ns}: the failure was injected`).toBe(1);
          expect(await snapshot(run), `${run.ns}: final state`).toEqual(expected);
        }
      }
    },
  );

  it(
    'a consumer killed at any statement (nothing acked): the redelivered batch reaches the fault-free state',
    { timeout: 900_000 },
    async () => {
      const clean = await prepareRun('kclean');
      const cleanPlan = createFaultPlan();
      await deliverUntilAcked(clean, cleanPlan);
      const expected = await snapshot(clean);
      for (let k = 1; k <= cleanPlan.executed; k++) {
        const run = await prepareRun(`killed-${k}`);
        // Every statement from the k-th on fails: the invocation is as good as dead; its verdicts
        // are thrown away and Queues delivers the whole batch again.
        await consumeSesEventBatch(ports(createFaultPlan(k, 'from')), run.deliveries);
        await deliverUntilAcked(
          { ...run, deliveries: run.deliveries.map((d) => ({ ...d, attempts: 2 })) },
          createFaultPlan(),
        );
        expect(await snapshot(run), `${run.ns}: final state`).toEqual(expected);
      }
    },
  );

  it('D1 down for longer than SNS retries: every delivery is retried with a growing delay, then applied', async () => {
    const run = await prepareRun('outage');
    const down = createFaultPlan(1, 'from');
    let pending = run.deliveries;
    let waitedSeconds = 0;
    // Ten failed attempts (wrangler.toml max_retries = 10): the delays add up to more than SNS's hour.
    for (let attempt = 1; attempt <= 10; attempt++) {
      const report = await consumeSesEventBatch(ports(down), pending);
      const delays = [...report.verdicts.values()].map((v) => (v.action === 'retry' ? v.delaySeconds : -1));
      expect(new Set(delays), `attempt ${attempt}: all retried, same delay`).toEqual(
        new Set([retryDelaySeconds(attempt)]),
      );
      waitedSeconds += delays[0]!;
      pending = pending.map((d) => ({ ...d, attempts: d.attempts + 1 }));
    }
    expect(waitedSeconds * 1000).toBeGreaterThan(SNS_MAX_RETRY_WINDOW_MS);
    expect(await snapshot(run)).toMatchObject({ parked: [], suppressions: [] });
    // D1 is back: the eleventh delivery applies everything.
    const report = await consumeSesEventBatch(ports(createFaultPlan()), pending);
    expect(report.counts.get('outcome:applied')).toBe(8);
    expect((await snapshot(run)).a).toMatchObject({ status: 'delivered', open_count: 2, click_count: 1 });
  });

  it('a warm batch of 100 events for two organisations costs at most 0.1 D1 round trips per event', async () => {
    const ns = 'trips';
    const emails = Array.from({ length: 50 }, (_, i) => ({
      id: `${ns}-${i}`,
      ses: `ses-${ns}-${i}`,
      org: i % 2 ? ORGS.globex : ORGS.acme,
      db: i % 2 ? env.ORG_DB_GLOBEX : env.ORG_DB_ACME,
    }));
    for (const e of emails) await insertEmail(e.db, { id: e.id, sesMessageId: e.ses });
    await env.ADMIN_DB.batch(
      emails.map((e) =>
        env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)').bind(e.ses, e.org, e.id),
      ),
    );
    const batchOf = (round: string) =>
      createMessageBatch(
        'kuratchi-ses-events',
        emails.flatMap((e, i) =>
          (['Delivery', 'Open'] as const).map((eventType, j) => ({
            id: `${round}-${i}-${j}`,
            timestamp: NOW,
            attempts: 1,
            // Each round's events are new ones (other times), not copies the content identity drops.
            body: queueMessage(`${ns}-${round}-${i}-${eventType}`, {
              eventType,
              messageId: e.ses,
              time: at(j + 1 + (round === 'warm' ? 0 : 10)),
            }),
          })),
        ),
      );
    const plan = createFaultPlan();
    const cache = createOrgBindingCache();
    const adminDb = failingD1(env.ADMIN_DB, plan);
    const orgDatabase = () =>
      createOrgDatabaseClient(
        adminDb,
        { ORG_DB_ACME: failingD1(env.ORG_DB_ACME, plan), ORG_DB_GLOBEX: failingD1(env.ORG_DB_GLOBEX, plan) },
        cache,
      );
    const sink = (): EventSinkPorts => {
      const client = orgDatabase();
      return {
        adminStore: createD1AdminStore(adminDb),
        resolveOrgEmailStore: async (id) => createD1OrgEmailStore(await client(id)),
        now: () => NOW,
      };
    };
    await consumeSesEventQueue(batchOf('warm'), sink()); // the isolate's first batch reads `organizations`
    plan.calls = 0;
    const batch = batchOf('measured');
    const ctx = createExecutionContext();
    const report = await consumeSesEventQueue(batch, sink());
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toHaveLength(100);
    expect(result.retryMessages).toEqual([]);
    expect(report.counts.get('outcome:applied')).toBe(100);
    // One admin query for the routes, one D1 batch per organisation, one for the figures.
    expect(plan.calls).toBe(4);
    expect(plan.calls / 100).toBeLessThanOrEqual(0.1);
    const lag = await createD1AdminStore(env.ADMIN_DB).lagPercentiles(NOW.getTime() - 3_600_000);
    expect(lag.events).toBeGreaterThanOrEqual(200);
  });
});

describe('the query budget', () => {
  async function bigBounces(ns: string, n: number): Promise<QueuedDelivery[]> {
    const deliveries: QueuedDelivery[] = [];
    for (let i = 0; i < n; i++) {
      const id = await insertEmail(env.ORG_DB_ACME, { id: `${ns}-${i}`, sesMessageId: `ses-${ns}-${i}` });
      await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
        .bind(`ses-${ns}-${i}`, ORGS.acme, id)
        .run();
      const to = Array.from({ length: 50 }, (_, r) => `${ns}-${i}-${r}@example.com`);
      deliveries.push({
        id: `${ns}-q${i}`,
        body: queueMessage(`${ns}-sns-${i}`, { eventType: 'Bounce', messageId: `ses-${ns}-${i}`, to, time: at(i) }),
        attempts: 1,
      });
    }
    return deliveries;
  }

  it('defers what does not fit (never a retry); an event costing more than the whole budget is applied alone', async () => {
    const deliveries = await bigBounces('oversized', 2);
    // Each bounce costs 53 statements (2 + one recipient group + 50 suppressions): more than 40.
    const report = await consumeSesEventBatch(ports(createFaultPlan()), deliveries, { queryBudget: 40 });
    expect(report.verdicts.get('oversized-q0')).toMatchObject({ action: 'ack', outcome: 'applied' });
    expect(report.verdicts.get('oversized-q1')).toEqual({
      action: 'defer',
      reason: 'query budget of this invocation used up',
    });
    expect(report.counts.get('consumer:deferred')).toBe(1);
    expect(report.counts.get('consumer:retried')).toBeUndefined();
    const next = await consumeSesEventBatch(ports(createFaultPlan()), [deliveries[1]!], { queryBudget: 40 });
    expect(next.verdicts.get('oversized-q1')).toMatchObject({ action: 'ack', outcome: 'applied' });
    const suppressed = await env.ORG_DB_ACME.prepare(
      "SELECT count(*) AS n FROM email_suppressions WHERE email_address LIKE 'oversized-%'",
    ).first('n');
    expect(suppressed).toBe(100);
  });

  it('the queue consumer sends deferred messages back as new ones and acks them; without a producer it retries them', async () => {
    const deliveries = await bigBounces('requeue', 20);
    const batchOf = () =>
      createMessageBatch(
        'kuratchi-ses-events',
        deliveries.map((d) => ({ id: d.id, timestamp: NOW, attempts: 3, body: d.body })),
      );
    const sent: unknown[] = [];
    const producer = {
      send: async () => {},
      sendBatch: async (messages: Iterable<{ body: unknown }>) => void sent.push(...[...messages].map((m) => m.body)),
    } as unknown as Queue<unknown>;
    const batch = batchOf();
    const ctx = createExecutionContext();
    const report = await consumeSesEventQueue(batch, ports(createFaultPlan()), producer);
    const result = await getQueueResult(batch, ctx);
    const deferred = deliveries.filter((d) => report.verdicts.get(d.id)?.action === 'defer');
    expect(deferred.length).toBeGreaterThan(0);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(20);
    expect(sent).toEqual(deferred.map((d) => d.body));

    const alone = batchOf();
    const aloneCtx = createExecutionContext();
    await consumeSesEventQueue(alone, ports(createFaultPlan()));
    const retried = (await getQueueResult(alone, aloneCtx)).retryMessages;
    expect(retried.length).toBeGreaterThan(0);
    expect(new Set(retried.map((r: { msgId: string }) => r.msgId))).toEqual(new Set(deferred.map((d) => d.id)));
  });
});

describe('deadLetterSesEventQueue', () => {
  it('lands dead-letter queue messages in the dead-letter table (once, however often delivered)', async () => {
    const body = queueMessage('dlq-1', { eventType: 'Open', messageId: 'ses-dlq-1', time: at(1) });
    const batchOf = () =>
      createMessageBatch('kuratchi-ses-events-dlq', [
        { id: 'm1', timestamp: NOW, attempts: 1, body },
        { id: 'm2', timestamp: NOW, attempts: 1, body: 'junk' },
      ]);
    const store = createD1DeadLetterStore(env.ADMIN_DB);
    const batch = batchOf();
    const ctx = createExecutionContext();
    expect(await deadLetterSesEventQueue(batch, store, NOW)).toBe(1);
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    await deadLetterSesEventQueue(batchOf(), store, NOW);
    expect(await store.list({ limit: 10, sesMessageId: 'ses-dlq-1' })).toEqual([
      {
        snsMessageId: 'dlq-1',
        sesMessageId: 'ses-dlq-1',
        message: body.message,
        reason: 'queue-retries-exhausted',
        firstSeenAt: body.snsTimestamp,
        deadLetteredAt: NOW.getTime(),
        replayAttempts: 0,
        lastReplayAt: null,
      },
    ]);
  });

  it('counts the webhook’s `queued` answer of a dead-lettered message as received, once the batch is acked', async () => {
    const admin = createD1AdminStore(env.ADMIN_DB);
    const counter = async (name: string) =>
      (await admin.listIngestionCounters()).find((c) => c.name === name)?.count ?? 0;
    const names = ['received', 'verified', 'notification', 'outcome:queued'];
    const before = await Promise.all(names.map(counter));
    const answered = {
      ...queueMessage('dlq-3', { eventType: 'Open', messageId: 'ses-dlq-3', time: at(1) }),
      answer: 'queued',
    };
    const counted = queueMessage('dlq-4', { eventType: 'Open', messageId: 'ses-dlq-4', time: at(1) });
    const batch = createMessageBatch('kuratchi-ses-events-dlq', [
      { id: 'm1', timestamp: NOW, attempts: 1, body: answered },
      // Its answer counted by the webhook itself (no `answer`): not again.
      { id: 'm2', timestamp: NOW, attempts: 1, body: counted },
    ]);
    expect(await deadLetterSesEventQueue(batch, createD1DeadLetterStore(env.ADMIN_DB), NOW, null, admin)).toBe(2);
    const after = await Promise.all(names.map(counter));
    expect(after.map((n, i) => n - before[i]!)).toEqual([1, 1, 1, 1]);
  });

  it('retries the whole batch when the admin database is down', async () => {
    const body = queueMessage('dlq-2', { eventType: 'Open', messageId: 'ses-dlq-2', time: at(1) });
    const batch = createMessageBatch('kuratchi-ses-events-dlq', [{ id: 'm1', timestamp: NOW, attempts: 1, body }]);
    const ctx = createExecutionContext();
    const store = createD1DeadLetterStore(failingD1(env.ADMIN_DB, createFaultPlan(1, 'from')));
    expect(await deadLetterSesEventQueue(batch, store, NOW)).toBe(0);
    const result = await getQueueResult(batch, ctx);
    expect(result.ackAll).toBe(false);
    expect(result.retryBatch.retry).toBe(true);
  });
});
