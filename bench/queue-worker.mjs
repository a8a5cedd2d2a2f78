// The Worker of the queued-mode benchmark (bench/queue.mjs), bundled by esbuild and run by
// miniflare in workerd next to its local D1 databases, so both contenders run where the dashboard
// runs them. It wires the SDK exactly as the dashboard does (apps/dashboard/src/lib/server/
// event-sink.ts: the admin store, each organisation's store by the binding its `organizations` row
// names, an org binding cache for the isolate's life) on D1 bindings wrapped to count round trips:
// one per run/first/all/raw/exec of a statement, one per batch whatever its size.
//   POST /consume { messages, batchSize }  consumeSesEventQueue per batch of `batchSize` queue bodies
//   POST /direct  { messages }             recordSesEvent per body, then the figures (one batch)
//   POST /ingest  { bodies, topicArn, pem } createSesEventIngestor (direct mode) per signed SNS body,
//                                          then the webhook's counting (countWebhookAnswer)
// Each answers { ms, calls, perCall, outcomes }: the time spent (timed here), the D1 round trips
// in all, the round trips of each POST (ingest only), and the outcome counts.
import {
  createD1AdminStore,
  createD1OrgEmailStore,
  createOrgBindingCache,
  createOrgDatabaseClient,
} from 'kuratchi-sdk/internal/d1';
import {
  addCount,
  consumeSesEventQueue,
  countOutcome,
  createIngestionTally,
  createSesEventIngestor,
  parseSesEvent,
  readSesEventQueueMessage,
  countWebhookAnswer,
  recordSesEvent,
} from 'kuratchi-sdk/internal/events';
import { createD1RetentionLookup, DEFAULT_RETENTION } from 'kuratchi-sdk/internal/retention';
import { createSigningKeyCache } from 'kuratchi-sdk/internal/verify';
import { countingD1, isD1Binding, messageBatch } from './counting-d1.mjs';

/** As the dashboard's: organisation → binding name for this isolate's life, trusted 60 s. */
const orgBindings = createOrgBindingCache();
const keyCache = createSigningKeyCache();

/** The env with every D1 binding wrapped to count into `counter`. */
function countedEnv(env, counter) {
  const wrapped = { ...env };
  for (const [name, value] of Object.entries(env)) {
    if (isD1Binding(value)) wrapped[name] = countingD1(value, () => counter.n++);
  }
  return wrapped;
}

/** The dashboard's d1EventSink, made per request (per POST, per batch) as the dashboard makes it. */
function sink(env) {
  const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env, orgBindings);
  return {
    adminStore: createD1AdminStore(env.ADMIN_DB),
    resolveOrgEmailStore: async (organizationId) => createD1OrgEmailStore(await orgDatabase(organizationId)),
    maxParkedEventsPerMessage: 100,
    // As the dashboard's: events older than their organisation's retention are `expired` (a recent
    // one costs no lookup, which the direct round trips counted here show).
    retention: createD1RetentionLookup(env.ADMIN_DB, () => DEFAULT_RETENTION),
  };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const input = await request.json();
    const counter = { n: 0 };
    const counted = countedEnv(env, counter);
    const outcomes = {};
    const perCall = [];
    const tally = (outcome, n = 1) => (outcomes[outcome] = (outcomes[outcome] ?? 0) + n);
    const started = performance.now();
    // workerd's clock only moves on I/O; every contender here does D1 I/O per unit, so the
    // difference of two readings is the time the work took.
    if (url.pathname === '/consume') {
      const size = input.batchSize ?? 100;
      for (let i = 0; i < input.messages.length; i += size) {
        const report = await consumeSesEventQueue(messageBatch(input.messages.slice(i, i + size), i), sink(counted));
        for (const [name, n] of report.counts) if (name.startsWith('outcome:')) tally(name.slice(8), n);
      }
    } else if (url.pathname === '/direct') {
      for (const body of input.messages) {
        const queued = readSesEventQueueMessage(body);
        if (!queued) throw new Error(`not a queue message of this SDK: ${JSON.stringify(body)}`);
        const ports = sink(counted);
        const result = await recordSesEvent(ports, queued.snsMessageId, parseSesEvent(queued.message));
        tally(result.outcome);
        // What the webhook writes per answer: one figures batch (the deployment's and the organisation's).
        const lagMs = result.outcome === 'applied' ? Math.max(0, Date.now() - queued.snsTimestamp) : undefined;
        const figures = createIngestionTally();
        for (const name of ['received', 'verified', 'notification']) addCount(figures.counts, name);
        countOutcome(figures, result.outcome, result.organizationId, lagMs);
        await ports.adminStore.recordIngestionStats({ ...figures, at: Date.now() });
      }
    } else if (url.pathname === '/ingest') {
      const pem = input.pem;
      for (const body of input.bodies) {
        const before = counter.n;
        const ports = sink(counted);
        const ingestor = createSesEventIngestor({
          allowedTopicArns: [input.topicArn],
          ...ports,
          fetchCertificate: async () => pem,
          keyCache,
          // As the façade's webhook: an applied answer is counted in the route lookup's batch.
          countAnswersAhead: true,
        });
        const result = await ingestor.ingest(body);
        tally(result.body.outcome);
        // The webhook's counting after the response (webhookResponse): a correction of what was
        // counted ahead, no round trip when the event was applied.
        await countWebhookAnswer(ports.adminStore, result, Date.now());
        perCall.push(counter.n - before);
      }
    } else {
      return new Response('not found', { status: 404 });
    }
    const ms = performance.now() - started;
    return Response.json({ ms, calls: counter.n, perCall, outcomes });
  },
};
