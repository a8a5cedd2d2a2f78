import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { createFaultPlan, failingD1, type FaultPlan } from '../../../../test/failing-d1.js';
import { ORGS, emailSnapshot, seedOrganizations, withoutNamespace } from '../../../../test/seed.js';
import { KURATCHI_TAGS } from '../model.js';
import { createD1AdminStore } from '../routing/d1-admin-store.js';
import { createD1DeadLetterStore } from '../routing/d1-dead-letter-store.js';
import { createD1OrgEmailStore } from '../routing/d1-org-email-store.js';
import { createOrgDatabaseClient } from '../organizations/org-databases.js';
import { buildSesEvent, type SesEventSpec } from '../testing/ses-event-factory.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import type { DeadLetterStore } from '../routing/ports.js';
import { replayDeadLetters } from '../routing/dead-letters.js';
import { createSesEventIngestor } from './ingest.js';
import { DEFAULT_PARK_TTL_MS } from '../routing/park-policy.js';
import { sweepParkedEvents } from '../routing/park-sweep.js';
import { applyParkedEvents, type EventSinkPorts } from '../routing/record.js';

/**
 * Fault injection: a scripted run of SNS deliveries, sendEmail-style "route arrives" steps,
 * a scheduled sweep and a dead-letter replay is replayed once per statement k of its fault-free
 * run, with the k-th D1 statement failing (before it runs, or after it committed). Every failed
 * request must answer 5xx (a failed sweep or replay throws), and retrying it as SNS (or the next
 * cron run, or the operator) would must leave exactly the state of the fault-free run: nothing
 * lost, nothing counted twice. The run covers every statement of the park: parking, the cap,
 * orphaning, the drain, the sweep's drain and expiry, and the replay.
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const NOW = TEST_NOW;
let signer: SnsSigner;

beforeAll(async () => {
  signer = await createSnsSigner();
  await seedOrganizations();
});

type Step =
  | { kind: 'post'; body: string }
  | { kind: 'lookup-arrives'; sesMessageId: string; emailId: string }
  | { kind: 'route-only'; sesMessageId: string; organizationId: string; emailId: string }
  | { kind: 'sweep'; now: Date }
  | { kind: 'replay'; sesMessageId: string; now: Date };

/** Cap of parked events per message in these runs (e's third event finds its park full). */
const CAP = 2;
const EXPIRED = new Date(NOW.getTime() + DEFAULT_PARK_TTL_MS + 60_000);

/**
 * A run in its own namespace: emails a (lookup-routed), b (named only by tags; routed by hand
 * after its event expired, then replayed), c (not sent yet), d (route of a deleted email),
 * e (never sent: more events than the cap), f (route written without a drain: the sweep's).
 */
async function prepareRun(ns: string) {
  const ids = { a: `${ns}-a`, b: `${ns}-b`, c: `${ns}-c`, d: `${ns}-d`, f: `${ns}-f` };
  const ses = {
    a: `ses-${ns}-a`,
    b: `ses-${ns}-b`,
    c: `ses-${ns}-c`,
    d: `ses-${ns}-d`,
    e: `ses-${ns}-e`,
    f: `ses-${ns}-f`,
  };
  const insert = (db: D1Database, id: string, sesId: string | null) =>
    db
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES (?, ?, 's@x', 'Hi', 'pending', ?, 1, 1)`,
      )
      .bind(id, `${id}@example.com`, sesId);
  await insert(env.ORG_DB_ACME, ids.a, ses.a).run();
  await insert(env.ORG_DB_GLOBEX, ids.b, null).run();
  await insert(env.ORG_DB_ACME, ids.f, ses.f).run();
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(ses.a, ORGS.acme, ids.a)
    .run();
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(ses.d, ORGS.acme, ids.d)
    .run();

  const at = (minute: number) => new Date(NOW.getTime() - 60 * 60_000 + minute * 60_000);
  const sign = async (spec: SesEventSpec, id: string) =>
    JSON.stringify(
      await signer.sign({
        Type: 'Notification',
        MessageId: `${ns}-${id}`,
        TopicArn: TOPIC,
        Message: JSON.stringify(buildSesEvent(spec)),
        Timestamp: NOW.toISOString(),
      }),
    );
  const tags = { [KURATCHI_TAGS.organizationId]: [ORGS.globex], [KURATCHI_TAGS.emailId]: [ids.b] };
  const openA = await sign(
    { eventType: 'Open', messageId: ses.a, recipient: `${ids.a}@example.com`, time: at(3) },
    'a-open-1',
  );
  const steps: Step[] = [
    { kind: 'post', body: await sign({ eventType: 'Send', messageId: ses.a, time: at(0) }, 'a-send') },
    { kind: 'post', body: await sign({ eventType: 'Delivery', messageId: ses.a, time: at(1) }, 'a-delivery') },
    { kind: 'post', body: openA },
    { kind: 'post', body: await sign({ eventType: 'Open', messageId: ses.a, time: at(4) }, 'a-open-2') },
    {
      kind: 'post',
      body: await sign({ eventType: 'Click', messageId: ses.a, time: at(5), link: 'https://example.com/x' }, 'a-click'),
    },
    { kind: 'post', body: openA },
    { kind: 'post', body: await sign({ eventType: 'Delivery', messageId: ses.b, time: at(2), tags }, 'b-delivery') },
    {
      kind: 'post',
      body: await sign(
        { eventType: 'Bounce', messageId: ses.c, recipient: `${ids.c}@example.com`, time: at(6) },
        'c-bounce',
      ),
    },
    { kind: 'lookup-arrives', sesMessageId: ses.c, emailId: ids.c },
    {
      kind: 'post',
      body: await sign(
        { eventType: 'Complaint', messageId: ses.c, recipient: `${ids.c}@example.com`, time: at(7) },
        'c-complaint',
      ),
    },
    { kind: 'post', body: await sign({ eventType: 'Open', messageId: ses.d, time: at(8) }, 'd-open') },
    { kind: 'post', body: await sign({ eventType: 'Open', messageId: ses.e, time: at(9) }, 'e-1') },
    { kind: 'post', body: await sign({ eventType: 'Open', messageId: ses.e, time: at(10) }, 'e-2') },
    { kind: 'post', body: await sign({ eventType: 'Open', messageId: ses.e, time: at(11) }, 'e-3') },
    { kind: 'post', body: await sign({ eventType: 'Delivery', messageId: ses.f, time: at(12) }, 'f-delivery') },
    { kind: 'route-only', sesMessageId: ses.f, organizationId: ORGS.acme, emailId: ids.f },
    { kind: 'sweep', now: EXPIRED },
    { kind: 'route-only', sesMessageId: ses.b, organizationId: ORGS.globex, emailId: ids.b },
    { kind: 'replay', sesMessageId: ses.b, now: EXPIRED },
  ];
  return { ids, ses, steps };
}

function ports(plan: FaultPlan): { sink: EventSinkPorts; deadLetters: DeadLetterStore } {
  const adminDb = failingD1(env.ADMIN_DB, plan);
  const bindings = { ORG_DB_ACME: failingD1(env.ORG_DB_ACME, plan), ORG_DB_GLOBEX: failingD1(env.ORG_DB_GLOBEX, plan) };
  const orgDatabase = createOrgDatabaseClient(adminDb, bindings);
  const sink: EventSinkPorts = {
    adminStore: createD1AdminStore(adminDb),
    resolveOrgEmailStore: async (id) => createD1OrgEmailStore(await orgDatabase(id)),
    now: () => NOW,
    maxParkedEventsPerMessage: CAP,
  };
  return { sink, deadLetters: createD1DeadLetterStore(adminDb) };
}

/** Runs the script, retrying every 5xx as SNS does; returns the statuses seen. */
async function runScript(ns: string, plan: FaultPlan) {
  const run = await prepareRun(ns);
  const { sink, deadLetters } = ports(plan);
  const ingestor = createSesEventIngestor({
    ...sink,
    allowedTopicArns: [TOPIC],
    fetchCertificate: signer.fetchCertificate,
  });
  const statuses: number[] = [];
  for (const step of run.steps) {
    for (let attempt = 0; ; attempt++) {
      expect(attempt, 'retries must end').toBeLessThan(4);
      if (step.kind === 'post') {
        const result = await ingestor.ingest(step.body);
        statuses.push(result.status);
        expect([200, 500, 503]).toContain(result.status);
        if (result.status === 200) break;
      } else {
        // sendEmail's part, the cron's or the operator's; a failure throws and is retried.
        try {
          await runStep(step, sink, deadLetters);
          break;
        } catch {
          statuses.push(500);
        }
      }
    }
  }
  return { ...run, statuses };
}

async function runStep(step: Exclude<Step, { kind: 'post' }>, sink: EventSinkPorts, deadLetters: DeadLetterStore) {
  switch (step.kind) {
    case 'lookup-arrives':
      // sendEmail's part: the email row, then the route, then apply what was parked.
      await env.ORG_DB_ACME.prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES (?, ?, 's@x', 'Hi', 'sent', ?, 1, 1) ON CONFLICT DO NOTHING`,
      )
        .bind(step.emailId, `${step.emailId}@example.com`, step.sesMessageId)
        .run();
      await sink.adminStore.putMessageRoute(
        step.sesMessageId,
        { organizationId: ORGS.acme, emailId: step.emailId },
        NOW.getTime(),
      );
      await applyParkedEvents(sink, step.sesMessageId);
      return;
    case 'route-only':
      // A route written without the drain that should follow it (sendEmail died, or by hand).
      await sink.adminStore.putMessageRoute(
        step.sesMessageId,
        { organizationId: step.organizationId, emailId: step.emailId },
        NOW.getTime(),
      );
      return;
    case 'sweep':
      await sweepParkedEvents(sink, { now: step.now });
      return;
    case 'replay':
      for (let after: string | undefined, page = 0; page < 10; page++) {
        const report = await replayDeadLetters(sink, deadLetters, {
          now: step.now,
          limit: 10,
          sesMessageId: step.sesMessageId,
          ...(after ? { after } : {}),
        });
        if (!report.next) return;
        after = report.next;
      }
  }
}

/** Everything the script can change, with the run's namespace taken out. */
async function snapshot(ns: string, run: Awaited<ReturnType<typeof prepareRun>>) {
  const strip = <T>(value: T): T => withoutNamespace(value, ns);
  const email = emailSnapshot;
  const events = (db: D1Database, id: string) =>
    db
      .prepare(
        'SELECT sns_message_id, event_type, occurred_at, detail FROM email_events WHERE email_id = ? ORDER BY sns_message_id',
      )
      .bind(id)
      .all()
      .then((r) => r.results);
  return strip({
    a: await email(env.ORG_DB_ACME, run.ids.a),
    b: await email(env.ORG_DB_GLOBEX, run.ids.b),
    c: await email(env.ORG_DB_ACME, run.ids.c),
    f: await email(env.ORG_DB_ACME, run.ids.f),
    events: [
      await events(env.ORG_DB_ACME, run.ids.a),
      await events(env.ORG_DB_GLOBEX, run.ids.b),
      await events(env.ORG_DB_ACME, run.ids.c),
      await events(env.ORG_DB_ACME, run.ids.f),
    ],
    suppressions: (
      await env.ORG_DB_ACME.prepare(
        'SELECT email_address, reason, detail FROM email_suppressions WHERE email_address LIKE ? ORDER BY email_address',
      )
        .bind(`${ns}-%`)
        .all()
    ).results,
    parked: (
      await env.ADMIN_DB.prepare(
        'SELECT sns_message_id, reason FROM parked_email_events WHERE ses_message_id LIKE ? ORDER BY 1',
      )
        .bind(`ses-${ns}-%`)
        .all()
    ).results,
    // The replay attempt counter is bookkeeping: a retried replay may count one more attempt.
    deadLetters: (
      await env.ADMIN_DB.prepare(
        'SELECT sns_message_id, reason, first_seen_at, dead_lettered_at FROM email_event_dead_letters WHERE ses_message_id LIKE ? ORDER BY 1',
      )
        .bind(`ses-${ns}-%`)
        .all()
    ).results,
  });
}

describe('fault injection: every D1 statement of a scripted run, failing in turn', () => {
  it(
    'retries reach exactly the fault-free state, for every k, failing before or after the statement',
    { timeout: 900_000 },
    async () => {
      const cleanPlan = createFaultPlan();
      const clean = await runScript('clean', cleanPlan);
      expect(clean.statuses.every((s) => s === 200)).toBe(true);
      const expected = await snapshot('clean', clean);
      expect(expected.a).toMatchObject({ status: 'delivered', open_count: 2, click_count: 1 });
      expect(expected.c).toMatchObject({ status: 'complained', bounce_type: 'Permanent' });
      // Tags are no route: b's event waited for a route, expired, and was replayed once routed.
      expect(expected.b).toMatchObject({ status: 'delivered', ses_message_id: null });
      expect(expected.f).toMatchObject({ status: 'delivered' });
      expect(expected.parked).toEqual([]);
      const deadLettered = (id: string, reason: string, at = EXPIRED.getTime()) => ({
        sns_message_id: `NS-${id}`,
        reason,
        first_seen_at: NOW.getTime(),
        dead_lettered_at: at,
      });
      expect(expected.deadLetters).toEqual([
        deadLettered('d-open', 'email-missing'),
        deadLettered('e-1', 'no-route'),
        deadLettered('e-2', 'no-route'),
        deadLettered('e-3', 'park-full', NOW.getTime()),
      ]);
      const statements = cleanPlan.executed;
      expect(statements).toBeGreaterThan(30);

      let failuresSeen = 0;
      for (const mode of ['before', 'after'] as const) {
        for (let k = 1; k <= statements; k++) {
          const ns = `fault-${mode}-${k}`;
          const plan = createFaultPlan(k, mode);
          const run = await runScript(ns, plan);
          expect(plan.injected, `${ns}: the failure was injected`).toBe(1);
          expect(
            run.statuses.filter((s) => s >= 500).length,
            `${ns}: the failed request answered 5xx`,
          ).toBeGreaterThanOrEqual(1);
          failuresSeen++;
          expect(await snapshot(ns, run), `${ns}: final state`).toEqual(expected);
        }
      }
      expect(failuresSeen).toBe(2 * statements);
    },
  );
});
