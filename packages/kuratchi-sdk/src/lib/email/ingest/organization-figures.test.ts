import {
  applyD1Migrations,
  createExecutionContext,
  createMessageBatch,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { createFaultPlan, failingD1 } from '../../../../test/failing-d1.js';
import { insertEmail, releaseD1Binding } from '../../../../test/seed.js';
import { KURATCHI_TAGS } from '../model.js';
import { createD1AdminStore } from '../routing/d1-admin-store.js';
import { createD1DeadLetterStore } from '../routing/d1-dead-letter-store.js';
import { createD1OrgEmailStore } from '../routing/d1-org-email-store.js';
import { createD1RetentionLookup } from '../retention/d1-retention-lookup.js';
import type { EventSinkPorts } from '../routing/record.js';
import { sweepParkedEvents } from '../routing/park-sweep.js';
import { createOrgBindingCache, createOrgDatabaseClient } from '../organizations/org-databases.js';
import { buildSesEvent, type SesEventSpec } from '../testing/ses-event-factory.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import { handleSesWebhook } from '../tracking/webhook-handler.js';
import { createSesEventIngestor } from './ingest.js';
import { consumeSesEventQueue, deadLetterSesEventQueue } from './queue-consumer.js';
import type { SesEventQueueMessage } from './queue-message.js';

/**
 * Each organisation's own figures (issue 27): an event routed to organisation A is counted for A
 * (and the deployment), never for B; what is counted before any organisation is known (received,
 * verified, rejected, an event waiting for its route, whatever its tags say) only for the
 * deployment; parked events and dead letters are attributed by their route. The organisations are
 * registered per test (on the Acme and Globex D1 bindings), so their figures start at zero; the
 * deployment's are compared before and after.
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const NOW = TEST_NOW;
const admin = createD1AdminStore(env.ADMIN_DB);
const deadLetters = createD1DeadLetterStore(env.ADMIN_DB);

let signer: SnsSigner;
beforeAll(async () => {
  signer = await createSnsSigner();
});

/** Two fresh organisations, A on the Acme binding and B on the Globex one. */
async function twoOrganizations() {
  const ns = crypto.randomUUID().slice(0, 8);
  const a = { id: `org-a-${ns}`, db: env.ORG_DB_ACME, binding: 'ORG_DB_ACME' };
  const b = { id: `org-b-${ns}`, db: env.ORG_DB_GLOBEX, binding: 'ORG_DB_GLOBEX' };
  await Promise.all([releaseD1Binding(a.binding), releaseD1Binding(b.binding)]);
  await env.ADMIN_DB.batch(
    [a, b].map((o) =>
      env.ADMIN_DB.prepare(
        "INSERT INTO organizations (id, name, database_kind, database_binding, created_at) VALUES (?, ?, 'd1', ?, 0)",
      ).bind(o.id, o.id, o.binding),
    ),
  );
  return { ns, a, b };
}

/** An email of `org` with its route (as sendEmail writes them); `missing`: the route only (orphaned events). */
async function routedEmail(org: { id: string; db: D1Database }, missing = false) {
  const sesMessageId = `ses-${crypto.randomUUID()}`;
  const emailId = missing ? `gone-${sesMessageId}` : await insertEmail(org.db, { sesMessageId });
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(sesMessageId, org.id, emailId)
    .run();
  return sesMessageId;
}

async function signedBody(spec: Omit<SesEventSpec, 'time'>, messageId = `sns-${crypto.randomUUID()}`, topic = TOPIC) {
  return JSON.stringify(
    await signer.sign({
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: topic,
      Message: JSON.stringify(buildSesEvent({ ...spec, time: new Date(NOW.getTime() - 60_000) })),
      Timestamp: new Date(NOW.getTime() - 1000).toISOString(),
    }),
  );
}

/** The counters of a scope as `{ name: count }`. */
async function counters(organizationId?: string): Promise<Record<string, number>> {
  return Object.fromEntries((await admin.listIngestionCounters(organizationId)).map((c) => [c.name, c.count]));
}

/** `after - before` for every counter that moved. */
function moved(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([name, n]) => [name, n - (before[name] ?? 0)] as const)
      .filter(([, n]) => n !== 0),
  );
}

/** Sink ports on D1 bindings that count their round trips (a warm binding cache, as in a Worker). */
function countedPorts() {
  const plan = createFaultPlan();
  const adminDb = failingD1(env.ADMIN_DB, plan);
  const client = createOrgDatabaseClient(
    adminDb,
    { ORG_DB_ACME: failingD1(env.ORG_DB_ACME, plan), ORG_DB_GLOBEX: failingD1(env.ORG_DB_GLOBEX, plan) },
    createOrgBindingCache(),
  );
  const ports: EventSinkPorts = {
    adminStore: createD1AdminStore(adminDb),
    resolveOrgEmailStore: async (id) => createD1OrgEmailStore(await client(id)),
    now: () => NOW,
  };
  return { plan, ports };
}

describe('direct mode: the webhook counts an event for its organisation in the same figures batch', () => {
  it('counts events routed to A for A only, and what has no organisation for the deployment only', async () => {
    const { a, b } = await twoOrganizations();
    const [a1, a2, aGone, b1] = [
      await routedEmail(a),
      await routedEmail(a),
      await routedEmail(a, true),
      await routedEmail(b),
    ];
    const { plan, ports } = countedPorts();
    const ingestor = createSesEventIngestor({
      ...ports,
      allowedTopicArns: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
      countAnswersAhead: true,
    });
    // The handler's admin store only counts: its round trips are the counting's.
    const counting = createFaultPlan();
    const countingStore = createD1AdminStore(failingD1(env.ADMIN_DB, counting));
    /** One POST through the webhook handler; returns its outcome and the round trips of its counting. */
    const post = async (body: string) => {
      const ctx = createExecutionContext();
      const [before, sinkBefore] = [counting.calls, plan.calls];
      const response = await handleSesWebhook(
        new Request('https://dashboard.example/api/webhooks/ses-events', { method: 'POST', body }),
        { ingestor, adminStore: countingStore, context: ctx },
      );
      await waitOnExecutionContext(ctx);
      const outcome = ((await response.json()) as { outcome: string }).outcome;
      return { outcome, counting: counting.calls - before, all: counting.calls - before + plan.calls - sinkBefore };
    };
    const deploymentBefore = await counters();
    const heldBefore = await admin.countParkedEvents(10_000);

    const twice = await signedBody({ eventType: 'Delivery', messageId: a1 });
    const tags = { [KURATCHI_TAGS.organizationId]: [a.id] }; // a sender's claim, never a route
    const posts = [
      await post(twice),
      await post(twice),
      await post(await signedBody({ eventType: 'Delivery', messageId: a2 })),
      await post(await signedBody({ eventType: 'Open', messageId: aGone })),
      await post(await signedBody({ eventType: 'Delivery', messageId: b1 })),
      await post(await signedBody({ eventType: 'Open', messageId: `ses-unknown-${crypto.randomUUID()}`, tags })),
      await post(await signedBody({ eventType: 'Delivery', messageId: a1 }, undefined, `${TOPIC}-forged`)),
    ];
    expect(posts.map((p) => p.outcome)).toEqual([
      'applied',
      'duplicate',
      'applied',
      'orphaned',
      'applied',
      'parked',
      'forbidden',
    ]);
    // An applied event is counted ahead, in its route lookup: two D1 round trips in all (the
    // route, the organisation's batch), none after the response. Any other answer with a route
    // corrects what was counted ahead, and one without counts: one batch after the response.
    expect(posts.map((p) => p.counting)).toEqual([0, 1, 0, 1, 0, 1, 1]);
    // (The first event of each organisation also reads its binding, then cached for the isolate.)
    expect(posts.filter((p) => p.outcome === 'applied').map((p) => p.all)).toEqual([3, 2, 3]);

    expect(await counters(a.id)).toEqual({ 'outcome:applied': 2, 'outcome:duplicate': 1, 'outcome:orphaned': 1 });
    expect(await counters(b.id)).toEqual({ 'outcome:applied': 1 });
    expect(moved(deploymentBefore, await counters())).toEqual({
      received: 7,
      verified: 6,
      notification: 6,
      'outcome:applied': 3,
      'outcome:duplicate': 1,
      'outcome:orphaned': 1,
      'outcome:parked': 1,
      'outcome:forbidden': 1,
      'rejected:topic-not-allowed': 1,
    });
    expect((await admin.lagPercentiles(0, a.id)).events).toBe(2);
    expect((await admin.lagPercentiles(0, b.id)).events).toBe(1);
    expect((await admin.lagPercentiles(0, a.id)).p99Ms).toBeGreaterThanOrEqual(1000);

    // Held now: A's orphaned event is A's; the event waiting for its route is the deployment's only.
    expect(await admin.countParkedEvents(10_000, a.id)).toEqual({ parked: 0, orphaned: 1 });
    expect(await admin.countParkedEvents(10_000, b.id)).toEqual({ parked: 0, orphaned: 0 });
    const heldAfter = await admin.countParkedEvents(10_000);
    expect([heldAfter.parked - heldBefore.parked, heldAfter.orphaned - heldBefore.orphaned]).toEqual([1, 1]);
  });
});

describe('direct mode: figures counted ahead are corrected when the event was not applied', () => {
  it('a failed organisation batch answers 5xx and counts no applied event; its retry counts one', async () => {
    const { a } = await twoOrganizations();
    const sesMessageId = await routedEmail(a);
    const orgPlan = createFaultPlan();
    const client = createOrgDatabaseClient(
      env.ADMIN_DB,
      { ORG_DB_ACME: failingD1(env.ORG_DB_ACME, orgPlan) },
      createOrgBindingCache(),
    );
    const ingestor = createSesEventIngestor({
      adminStore: admin,
      resolveOrgEmailStore: async (id) => createD1OrgEmailStore(await client(id)),
      now: () => NOW,
      allowedTopicArns: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
      countAnswersAhead: true,
    });
    const post = async (body: string) => {
      const ctx = createExecutionContext();
      const response = await handleSesWebhook(
        new Request('https://dashboard.example/api/webhooks/ses-events', { method: 'POST', body }),
        { ingestor, adminStore: admin, context: ctx },
      );
      await waitOnExecutionContext(ctx);
      return response.status;
    };
    const body = await signedBody({ eventType: 'Delivery', messageId: sesMessageId });
    const deploymentBefore = await counters();
    const lagBefore = (await admin.lagPercentiles(0)).events;

    orgPlan.failAt = orgPlan.executed + 1; // the organisation's batch, after the route lookup counted ahead
    expect(await post(body)).toBe(500);
    expect(orgPlan.injected).toBe(1);
    expect(await counters(a.id)).toEqual({});
    expect(moved(deploymentBefore, await counters())).toEqual({
      received: 1,
      verified: 1,
      notification: 1,
      'outcome:internal-error': 1,
    });
    expect((await admin.lagPercentiles(0, a.id)).events).toBe(0);
    expect((await admin.lagPercentiles(0)).events).toBe(lagBefore);

    expect(await post(body)).toBe(200);
    expect(await counters(a.id)).toEqual({ 'outcome:applied': 1 });
    expect(moved(deploymentBefore, await counters())).toEqual({
      received: 2,
      verified: 2,
      notification: 2,
      'outcome:internal-error': 1,
      'outcome:applied': 1,
    });
    expect((await admin.lagPercentiles(0, a.id)).events).toBe(1);
  });
});

describe('direct mode: an event older than the events retention', () => {
  it('answers 200 `expired`, counted for its organisation instead of the `applied` counted ahead, nothing recorded', async () => {
    const { a } = await twoOrganizations();
    const sesMessageId = await routedEmail(a);
    const ingestor = createSesEventIngestor({
      adminStore: admin,
      resolveOrgEmailStore: async (id) =>
        createD1OrgEmailStore(await createOrgDatabaseClient(env.ADMIN_DB, env as never)(id)),
      now: () => NOW,
      allowedTopicArns: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
      countAnswersAhead: true,
      retention: createD1RetentionLookup(env.ADMIN_DB, () => ({ eventsDays: 1, emailsDays: 2 })),
    });
    // An SNS retry of a Delivery of 36 hours ago: its raw row, if recorded, is purged already.
    const sentAt = new Date(NOW.getTime() - 36 * 3_600_000);
    const event = buildSesEvent({ eventType: 'Delivery', messageId: sesMessageId, sentAt, time: sentAt });
    const body = JSON.stringify(
      await signer.sign({
        Type: 'Notification',
        MessageId: `sns-${crypto.randomUUID()}`,
        TopicArn: TOPIC,
        Message: JSON.stringify(event),
        Timestamp: new Date(NOW.getTime() - 1000).toISOString(),
      }),
    );
    const ctx = createExecutionContext();
    const response = await handleSesWebhook(
      new Request('https://dashboard.example/api/webhooks/ses-events', { method: 'POST', body }),
      { ingestor, adminStore: admin, context: ctx },
    );
    await waitOnExecutionContext(ctx);
    expect([response.status, (await response.json<{ outcome: string }>()).outcome]).toEqual([200, 'expired']);
    expect(await counters(a.id)).toEqual({ 'outcome:expired': 1 });
    const row = await a.db
      .prepare('SELECT status FROM emails WHERE ses_message_id = ?')
      .bind(sesMessageId)
      .first<{ status: string }>();
    expect(row?.status).toBe('pending');

    // One without a route, of mail past the emails retention: counted for the organisation its tag names.
    const untracked = new Date(NOW.getTime() - 3 * 86_400_000);
    const tagged = buildSesEvent({
      eventType: 'Click',
      messageId: `ses-${crypto.randomUUID()}`,
      sentAt: untracked,
      time: new Date(NOW.getTime() - 60_000),
      tags: { [KURATCHI_TAGS.organizationId]: [a.id] },
    });
    const lateCtx = createExecutionContext();
    const late = await handleSesWebhook(
      new Request('https://dashboard.example/api/webhooks/ses-events', {
        method: 'POST',
        body: JSON.stringify(
          await signer.sign({
            Type: 'Notification',
            MessageId: `sns-${crypto.randomUUID()}`,
            TopicArn: TOPIC,
            Message: JSON.stringify(tagged),
            Timestamp: new Date(NOW.getTime() - 1000).toISOString(),
          }),
        ),
      }),
      { ingestor, adminStore: admin, context: lateCtx },
    );
    await waitOnExecutionContext(lateCtx);
    expect([late.status, (await late.json<{ outcome: string }>()).outcome]).toEqual([200, 'expired']);
    expect(await counters(a.id)).toEqual({ 'outcome:expired': 2 });
  });
});

describe('queued mode: the consumer counts each organisation share of a batch', () => {
  function queued(spec: Omit<SesEventSpec, 'time'>, snsMessageId = `sns-${crypto.randomUUID()}`): SesEventQueueMessage {
    const time = new Date(NOW.getTime() - 60_000);
    return {
      v: 1,
      snsMessageId,
      snsTimestamp: time.getTime() + 1000,
      message: JSON.stringify(buildSesEvent({ ...spec, time })),
    };
  }

  it('counts A events for A and B events for B, in the one figures batch of the consumer', async () => {
    const { a, b } = await twoOrganizations();
    const [a1, a2, b1] = [await routedEmail(a), await routedEmail(a), await routedEmail(b)];
    const bodies = [
      queued({ eventType: 'Delivery', messageId: a1 }),
      queued({ eventType: 'Open', messageId: a1 }),
      queued({ eventType: 'Delivery', messageId: a2 }),
      queued({ eventType: 'Delivery', messageId: b1 }),
      queued({ eventType: 'Open', messageId: `ses-unknown-${crypto.randomUUID()}` }),
      'not a queue message',
    ];
    const { plan, ports } = countedPorts();
    const deploymentBefore = await counters();
    const batch = createMessageBatch(
      'kuratchi-ses-events',
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: NOW, attempts: 1, body })),
    );
    const report = await consumeSesEventQueue(batch, ports);
    expect(Object.fromEntries(report.counts)).toEqual({
      'outcome:applied': 4,
      'outcome:parked': 1,
      'consumer:unreadable': 1,
    });
    // Routes (1), each organisation's row (2: a cold binding cache), A's batch, B's batch, the park
    // (1: park and route again in one batch) and the figures, both organisations' shares included (1).
    expect(plan.calls).toBe(7);

    expect(await counters(a.id)).toEqual({ 'outcome:applied': 3 });
    expect(await counters(b.id)).toEqual({ 'outcome:applied': 1 });
    expect(moved(deploymentBefore, await counters())).toEqual({
      'outcome:applied': 4,
      'outcome:parked': 1,
      'consumer:unreadable': 1,
    });
    expect((await admin.lagPercentiles(0, a.id)).events).toBe(3);
    expect((await admin.lagPercentiles(0, b.id)).events).toBe(1);
  });
});

describe('the park and the dead letters are attributed by their route', () => {
  it('an orphaned event and its dead letter are its organisation’s; one without a route stays the deployment’s', async () => {
    const { a, b } = await twoOrganizations();
    const gone = await routedEmail(a, true);
    const unknown = `ses-unknown-${crypto.randomUUID()}`;
    const ingestor = createSesEventIngestor({
      ...countedPorts().ports,
      allowedTopicArns: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
    });
    expect((await ingestor.ingest(await signedBody({ eventType: 'Open', messageId: gone }))).body.outcome).toBe(
      'orphaned',
    );
    expect((await ingestor.ingest(await signedBody({ eventType: 'Open', messageId: unknown }))).body.outcome).toBe(
      'parked',
    );
    const deadBefore = await deadLetters.countByReason(10_000);

    // Past the park's time to live, both become dead letters, each keeping its attribution.
    const later = new Date(NOW.getTime() + 30 * 86_400_000);
    await sweepParkedEvents(countedPorts().ports, { now: later });
    expect(await admin.countParkedEvents(10_000, a.id)).toEqual({ parked: 0, orphaned: 0 });
    expect(await deadLetters.countByReason(10_000, a.id)).toEqual({ 'email-missing': 1 });
    expect(await deadLetters.countByReason(10_000, b.id)).toEqual({});
    const deadAfter = await deadLetters.countByReason(10_000);
    expect((deadAfter['no-route'] ?? 0) - (deadBefore['no-route'] ?? 0)).toBeGreaterThanOrEqual(1);

    // A dead letter of the queue is its route's organisation's (B here), read in the same statement.
    const b1 = await routedEmail(b);
    const time = new Date(NOW.getTime() - 60_000);
    const body = {
      v: 1,
      snsMessageId: `sns-${crypto.randomUUID()}`,
      snsTimestamp: time.getTime(),
      message: JSON.stringify(buildSesEvent({ eventType: 'Delivery', messageId: b1, time })),
    };
    const batch = createMessageBatch('kuratchi-ses-events-dlq', [{ id: 'd1', timestamp: NOW, attempts: 1, body }]);
    expect(await deadLetterSesEventQueue(batch, deadLetters, NOW)).toBe(1);
    expect(await deadLetters.countByReason(10_000, b.id)).toEqual({ 'queue-retries-exhausted': 1 });
    expect(await deadLetters.countByReason(10_000, a.id)).toEqual({ 'email-missing': 1 });
  });

  it('an event parked before its route and then orphaned is attributed once the route names its organisation', async () => {
    const { a } = await twoOrganizations();
    const ses = `ses-late-${crypto.randomUUID()}`;
    const { ports } = countedPorts();
    const ingestor = createSesEventIngestor({
      ...ports,
      allowedTopicArns: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
    });
    expect((await ingestor.ingest(await signedBody({ eventType: 'Open', messageId: ses }))).body.outcome).toBe(
      'parked',
    );
    expect(await admin.countParkedEvents(10_000, a.id)).toEqual({ parked: 0, orphaned: 0 });
    // The route appears, naming an email row that is not there: the sweep orphans it, for A.
    await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(ses, a.id, `gone-${ses}`)
      .run();
    await sweepParkedEvents(ports, { now: NOW });
    expect(await admin.countParkedEvents(10_000, a.id)).toEqual({ parked: 0, orphaned: 1 });
  });
});

describe('migration 0014 attributes the rows written before it', () => {
  it('sets the organisation of parked events and dead letters that have a route, and leaves the others', async () => {
    const db = env.ORG_DB_UNMIGRATED; // a scratch database of this file
    const migrations = env.ADMIN_MIGRATIONS;
    const before = migrations.filter((m) => m.name < '0014');
    expect(before.length).toBeLessThan(migrations.length);
    await applyD1Migrations(db, before);
    await db.batch([
      db.prepare(
        "INSERT INTO organizations (id, name, database_binding, created_at) VALUES ('org-x', 'X', 'ORG_DB_ACME', 0)",
      ),
      db.prepare("INSERT INTO email_message_lookup VALUES ('ses-routed', 'org-x', 'e1', 0)"),
      db.prepare(
        "INSERT INTO parked_email_events (sns_message_id, ses_message_id, message, parked_at, reason) VALUES ('p1', 'ses-routed', '{}', 0, 'email-missing'), ('p2', 'ses-none', '{}', 0, 'no-route')",
      ),
      db.prepare(
        "INSERT INTO email_event_dead_letters (sns_message_id, ses_message_id, message, reason, first_seen_at, dead_lettered_at) VALUES ('d1', 'ses-routed', '{}', 'park-full', 0, 0), ('d2', 'ses-none', '{}', 'no-route', 0, 0)",
      ),
    ]);
    await applyD1Migrations(db, migrations);
    const rows = async (table: string) =>
      (await db.prepare(`SELECT sns_message_id AS id, organization_id AS org FROM ${table} ORDER BY 1`).all()).results;
    expect(await rows('parked_email_events')).toEqual([
      { id: 'p1', org: 'org-x' },
      { id: 'p2', org: null },
    ]);
    expect(await rows('email_event_dead_letters')).toEqual([
      { id: 'd1', org: 'org-x' },
      { id: 'd2', org: null },
    ]);
  });
});
