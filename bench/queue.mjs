// Benchmark: queued mode (issue 12). Five rows:
// - d1-round-trips-per-event-queued: D1 round trips per event of a warm batch of 100 SES events
//   (2 organisations) through consumeSesEventQueue, counted (bench/queue-worker.mjs wraps the D1
//   bindings: one per run/first/all/raw/exec, one per batch) inside workerd (miniflare, local D1).
// - d1-round-trips-per-event-direct: the same kind of events one per signed SNS POST through
//   createSesEventIngestor in direct mode (no enqueue), counting its answers as the webhook does
//   (ahead, in the route lookup), with a warm org binding cache. Counted.
// - consumer-vs-direct: events applied per second, the consumer in batches of 100 vs the direct
//   path (recordSesEvent + the counters upsert per event), same events, same local D1, in workerd.
// - webhook-queued-vs-ping-workerd (id webhook-queued-vs-ping): the dashboard Worker as
//   `wrangler deploy --dry-run` bundles it, on plain workerd through miniflare (no wrangler, no
//   inspector), with the SES_EVENTS_QUEUE producer and its consumer: signed SNS POSTs to the
//   webhook vs GET /api/ping at 64 connections, autocannon, alternating rounds.
// - webhook-queued-vs-ping-wrangler-dev: the same on `wrangler dev` (scripts/dev.mjs, whose
//   wrangler.dev.toml binds the queue: queued mode), as bench/webhook.mjs runs it.
//   BENCH_QUEUE_SECONDS=5   seconds per load round;  BENCH_QUEUE_ROUNDS=3   rounds;  BENCH_QUEUE_CONNECTIONS=64
//   BENCH_QUEUE_ONLY=sdk|workerd|wrangler   only that part (for a diagnosis; run.mjs runs all three)
//   BENCH_QUEUE_WORKERD_MODE=direct|no-consumer   diagnosis of the workerd row: without the queue
//     producer (direct mode), or with the producer but no consumer (the queue only fills)
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Miniflare } from 'miniflare';
import { createSnsSigner } from 'kuratchi-sdk/email/testing';
import { sesEventQueueMessage } from 'kuratchi-sdk/internal/events';
import { DEMO_D1_ORGANIZATIONS } from '../scripts/lib/demo-organizations.mjs';
import { readDemoSigner } from '../scripts/lib/demo-signer.mjs';
import { startDevServer } from '../scripts/lib/dev-server.mjs';
import { freePort, sleep } from '../scripts/lib/processes.mjs';
import { bundleDashboard, d1Execute, ROOT } from '../scripts/lib/wrangler.mjs';
import { BENCH_EVENT_TYPES, benchSesEvent, certificateOutbound, snsBodySigner } from './events.mjs';
import {
  bundleWorker,
  compareInRounds,
  median,
  outcomesText,
  report,
  result,
  seedRoutedEmails,
  workerCaller,
} from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-bench-queue';
/** Acme and Globex, on their D1 bindings. */
const ORGS = DEMO_D1_ORGANIZATIONS;
const EMAILS_PER_ORG = 500;
const BATCH = 100;
/** Events per timed sample of consumer-vs-direct. */
const THROUGHPUT_EVENTS = 500;
const THROUGHPUT_ROUNDS = 5;
const CONNECTIONS = Number(process.env.BENCH_QUEUE_CONNECTIONS ?? 64);
const SECONDS = Number(process.env.BENCH_QUEUE_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_QUEUE_ROUNDS ?? 3);
const WARM_UP_SECONDS = 2;
const MAX_PING_REQUESTS = 250_000;

const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-queue-'));
const signer = await createSnsSigner();
const rows = [];
const ONLY = process.env.BENCH_QUEUE_ONLY;
const WORKERD_MODE = process.env.BENCH_QUEUE_WORKERD_MODE ?? 'queued';

// ── 1. The SDK's consumer and direct path inside workerd ─────────────────────────────────────
if (!ONLY || ONLY === 'sdk') {
  await bundleWorker(join(here, 'queue-worker.mjs'), join(outdir, 'queue-worker.js'));
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(outdir, 'queue-worker.js'),
    modulesRoot: outdir,
    compatibilityDate: '2026-05-01',
    compatibilityFlags: ['nodejs_compat'],
    d1Databases: ['ADMIN_DB', ...ORGS.map((o) => o.binding)],
    d1Persist: false,
    // The consumer's one log line per batch is not this benchmark's output; errors still show.
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.pipe(process.stderr);
    },
  });
  try {
    const emails = await seedRoutedEmails(mf, ORGS, EMAILS_PER_ORG);
    let sns = 0;
    /** `n` distinct SNS notifications of Delivery/Open/Click events for the seeded emails. */
    const notifications = (n) =>
      Array.from({ length: n }, () => {
        const i = sns++;
        const email = emails[i % emails.length];
        return {
          Type: /** @type {const} */ ('Notification'),
          MessageId: `sdk-${i}`,
          TopicArn: TOPIC,
          Message: JSON.stringify(
            benchSesEvent(i, email, BENCH_EVENT_TYPES[Math.floor(i / emails.length) % BENCH_EVENT_TYPES.length]),
          ),
          Timestamp: new Date().toISOString(),
        };
      });
    const queueBodies = (n) => notifications(n).map((notification) => sesEventQueueMessage(notification));
    const call = workerCaller(mf);

    // Queued: a warm batch first (org bindings cached), then the counted one.
    await call('/consume', { messages: queueBodies(BATCH), batchSize: BATCH });
    const queued = await call('/consume', { messages: queueBodies(BATCH), batchSize: BATCH });
    console.log(
      `• consumer, one batch of ${BATCH} events (2 organisations): ${queued.calls} D1 round trips ` +
        `(${outcomesText(queued.outcomes)})`,
    );
    if ((queued.outcomes.applied ?? 0) !== BATCH) throw new Error('the counted batch did not apply every event');
    rows.push({
      ...result(
        'd1-round-trips-per-event-queued',
        `Queued mode: D1 round trips per event, consumer batch of ${BATCH} (2 organisations)`,
        'round trips',
        queued.calls / BATCH,
        queued.calls,
        `round trips of the whole batch`,
        '≤ 0.1 round trips',
        3,
      ),
      note: 'route lookup 1 + one D1 batch per organisation + counters and lags 1 (org bindings cached)',
    });

    // Direct: signed POST bodies through the ingestor, warm (key and org bindings cached) first.
    const signed = async (n) => Promise.all(notifications(n).map(async (m) => JSON.stringify(await signer.sign(m))));
    const ingestInput = async (n) => ({ bodies: await signed(n), topicArn: TOPIC, pem: signer.certificatePem });
    await call('/ingest', await ingestInput(10));
    const direct = await call('/ingest', await ingestInput(BATCH));
    const perPost = direct.perCall;
    console.log(
      `• direct mode, ${BATCH} webhook POSTs: ${direct.calls} D1 round trips, per POST ${[...new Set(perPost)].join('/')} ` +
        `(${outcomesText(direct.outcomes)})`,
    );
    if ((direct.outcomes.applied ?? 0) !== BATCH) throw new Error('not every direct POST applied its event');
    const perEvent = direct.calls / BATCH;
    rows.push({
      ...result(
        'd1-round-trips-per-event-direct',
        'Direct mode: D1 round trips per event (webhook POST, warm org binding cache, counters included)',
        'round trips',
        perEvent,
        queued.calls / BATCH,
        'queued mode, per event',
        '≤ 2 round trips',
        2,
      ),
      note: `per POST: ${[...new Set(perPost)].join('/')} (route lookup with the figures counted ahead, the event's batch)`,
    });

    // Throughput: the same events (by kind and target) applied both ways, fresh SNS ids per sample.
    const speeds = await compareInRounds(
      {
        consumer: () => call('/consume', { messages: queueBodies(THROUGHPUT_EVENTS), batchSize: BATCH }),
        direct: () => call('/direct', { messages: queueBodies(THROUGHPUT_EVENTS) }),
      },
      {
        rounds: THROUGHPUT_ROUNDS,
        measure: async (run) => {
          const answer = await run();
          if ((answer.outcomes.applied ?? 0) !== THROUGHPUT_EVENTS)
            throw new Error(`not every event applied: ${outcomesText(answer.outcomes)}`);
          return THROUGHPUT_EVENTS / (answer.ms / 1000);
        },
      },
    );
    console.log(
      `• ${THROUGHPUT_EVENTS} events per sample, median of ${THROUGHPUT_ROUNDS}: consumer ${Math.round(speeds.consumer)} ` +
        `events/s, direct ${Math.round(speeds.direct)} events/s`,
    );
    rows.push({
      ...result(
        'consumer-vs-direct',
        `Queue consumer (batches of ${BATCH}) vs direct path: events applied per second, local D1 in workerd`,
        'events/s',
        speeds.consumer,
        speeds.direct,
        'recordSesEvent + counters upsert per event',
        '≥ 10',
        0,
      ),
    });
  } finally {
    await mf.dispose();
  }
}

// ── 2. The queued webhook on plain workerd (miniflare, the wrangler bundle) ──────────────────
if (!ONLY || ONLY === 'workerd') {
  bundleDashboard(outdir);
  copyFileSync(join(outdir, 'worker.js'), join(outdir, 'dashboard.js'));
  /** @type {AnswerTally} */
  const answerLines = new Map();
  const mf = new Miniflare({
    modules: [
      {
        type: 'ESModule',
        path: join(outdir, 'dashboard.js'),
        contents: readFileSync(join(outdir, 'dashboard.js'), 'utf8'),
      },
    ],
    modulesRoot: outdir,
    compatibilityDate: '2026-05-01',
    host: '127.0.0.1',
    port: await freePort(),
    d1Databases: ['ADMIN_DB', ...ORGS.map((o) => o.binding)],
    d1Persist: false,
    // The raw archive, bound as wrangler.toml binds it (queued mode: the consumer archives).
    r2Buckets: ['SES_ARCHIVE'],
    r2Persist: false,
    bindings: { KURATCHI_ENVIRONMENT: 'production', KURATCHI_ALLOWED_TOPIC_ARNS: TOPIC },
    // As wrangler.dev.toml: the producer binding and the consumer of the queue (this Worker).
    queueProducers: WORKERD_MODE === 'direct' ? {} : { SES_EVENTS_QUEUE: { queueName: 'kuratchi-ses-events' } },
    queueConsumers:
      WORKERD_MODE !== 'queued'
        ? {}
        : {
            'kuratchi-ses-events': {
              maxBatchSize: 100,
              maxBatchTimeout: 1,
              maxRetries: 10,
              deadLetterQueue: 'kuratchi-ses-events-dlq',
            },
            'kuratchi-ses-events-dlq': { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 100 },
          },
    // The Worker's only outbound request: the signing certificate at its SNS URL.
    outboundService: certificateOutbound(signer, TOPIC),
    // One log line per POST and per batch: not this benchmark's output; the webhook's answers
    // other than 200 are tallied by status, code and error (the 503s under load).
    handleRuntimeStdio(stdout, stderr) {
      tallyAnswerLines(stdout, answerLines);
      tallyAnswerLines(stderr, answerLines);
    },
  });
  try {
    const base = (await mf.ready).origin;
    const emails = await seedRoutedEmails(mf, ORGS, EMAILS_PER_ORG);
    console.log(`• plain workerd (miniflare, the wrangler bundle, queued mode) on ${base}`);
    console.log(`  mode: ${WORKERD_MODE}`);
    const measured = await webhookVsPing({
      base,
      signer,
      topicArn: TOPIC,
      emails,
      prefix: 'wd',
      queued: WORKERD_MODE !== 'direct',
    });
    const recorded = await waitForRecorded(
      async () => {
        let n = 0;
        for (const o of ORGS) {
          const db = await mf.getD1Database(o.binding);
          n += Number(
            await db.prepare("SELECT count(*) AS n FROM email_events WHERE sns_message_id LIKE 'wd-%'").first('n'),
          );
        }
        return n;
      },
      WORKERD_MODE === 'no-consumer' ? 0 : measured.ok + measured.unanswered,
    );
    const note = await answersNote(measured, answerLines, recorded, async (ids) => {
      let n = 0;
      for (const o of ORGS) {
        const db = await mf.getD1Database(o.binding);
        for (let i = 0; i < ids.length; i += 50) {
          const some = ids.slice(i, i + 50);
          const sql = `SELECT count(*) AS n FROM email_events WHERE sns_message_id IN (${some.map(() => '?').join(',')})`;
          n += Number(
            await db
              .prepare(sql)
              .bind(...some)
              .first('n'),
          );
        }
      }
      return n;
    });
    rows.push(
      {
        ...result(
          'webhook-queued-vs-ping',
          `Queued webhook on plain workerd (miniflare, no wrangler), ${CONNECTIONS} connections: throughput vs a trivial route`,
          'requests/s',
          measured.webhook,
          measured.ping,
          'GET /api/ping of the same Worker',
          '≥ 0.6',
        ),
        variant: 'webhook-queued-vs-ping-workerd',
        note,
      },
      nonOkRow('webhook-queued-non-200-answers-workerd', 'plain workerd', measured),
    );
  } finally {
    await mf.dispose();
  }
}

// ── 3. The queued webhook on wrangler dev (scripts/dev.mjs) ──────────────────────────────────
if (!ONLY || ONLY === 'wrangler') {
  const stateDir = join(ROOT, '.wrangler', 'bench-queue-state');
  const server = await startDevServer({ stateDir, env: { CI: 'true' } });
  try {
    const { signer: demo, topicArn } = await readDemoSigner(join(stateDir, 'demo'));
    /** @param {string} binding @param {string} sql */
    const d1 = (binding, sql) => d1Execute(binding, sql, stateDir);
    const emails = ORGS.flatMap((o) =>
      d1(o.binding, 'SELECT ses_message_id AS sesMessageId, recipient FROM emails WHERE ses_message_id IS NOT NULL'),
    );
    const measured = await webhookVsPing({ base: server.base, signer: demo, topicArn, emails, prefix: 'wr' });
    await sleep(3000);
    const recorded = ORGS.map(
      (o) => d1(o.binding, "SELECT count(*) AS n FROM email_events WHERE sns_message_id LIKE 'wr-%'")[0].n,
    ).reduce((a, b) => a + b, 0);
    const answerLines = /** @type {AnswerTally} */ (new Map());
    for (const line of readFileSync(server.logFile, 'utf8').split('\n')) tallyAnswerLine(line, answerLines);
    const note = await answersNote(measured, answerLines, recorded, async (ids) => {
      let n = 0;
      for (const o of ORGS) {
        for (let i = 0; i < ids.length; i += 200) {
          const list = ids.slice(i, i + 200).map((id) => `'${id.replaceAll("'", "''")}'`);
          n += d1(o.binding, `SELECT count(*) AS n FROM email_events WHERE sns_message_id IN (${list.join(',')})`)[0].n;
        }
      }
      return n;
    });
    rows.push(
      {
        ...result(
          'webhook-queued-vs-ping-wrangler-dev',
          `Queued webhook on wrangler dev, ${CONNECTIONS} connections: throughput vs a trivial route`,
          'requests/s',
          measured.webhook,
          measured.ping,
          'GET /api/ping of the same Worker',
          '≥ 0.6',
        ),
        note,
      },
      nonOkRow('webhook-queued-non-200-answers-wrangler-dev', 'wrangler dev', measured),
    );
  } finally {
    await server.stop();
  }
}

report(rows);

/**
 * Prints, and says in a row's note, what the webhook answered other than 200 (by status, code and
 * error, from its own log lines), whether those events were recorded all the same (`recordedOf`
 * their SNS message ids), and the requests cut off unanswered at the end of a round.
 * @param {Awaited<ReturnType<typeof webhookVsPing>>} measured
 * @param {AnswerTally} tally
 * @param {number} recorded events of this run the consumer recorded
 * @param {(ids: string[]) => Promise<number>} recordedOf
 */
async function answersNote(measured, tally, recorded, recordedOf) {
  const logged = [...tally].map(([what, n]) => `${what} ×${n}`).join('; ') || 'none';
  const ids = tally.ids ?? [];
  const refusedYetRecorded = ids.length ? await recordedOf(ids) : 0;
  const text =
    `answers 200 ×${measured.ok}, other ${measured.notOk} (logged by the webhook: ${logged}` +
    `${ids.length ? `; recorded all the same: ${refusedYetRecorded} of ${ids.length}` : ''}` +
    `${measured.bodies ? `; bodies: ${measured.bodies}` : ''}); ` +
    `unanswered at a round's end ${measured.unanswered}; events recorded ${recorded}`;
  console.log(`• ${text}`);
  return `p50 ${measured.p50} ms, p99 ${measured.p99} ms; ${text}`;
}

/**
 * The counted row of the webhook's answers other than 200 (all rounds and warm-ups): each one a
 * POST SNS delivers again.
 * @param {string} id
 * @param {string} where
 * @param {Awaited<ReturnType<typeof webhookVsPing>>} measured
 */
function nonOkRow(id, where, measured) {
  return result(
    id,
    `Queued webhook on ${where}: answers other than 200 (all rounds and warm-ups)`,
    'answers',
    measured.notOk,
    measured.ok + measured.notOk,
    'webhook requests answered',
    '= 0 answers',
    0,
  );
}

/**
 * Signed POSTs to the webhook vs GET /api/ping at CONNECTIONS connections: a warm-up of each, then
 * ROUNDS alternating rounds of SECONDS; every webhook request a distinct signed notification.
 */
async function webhookVsPing({ base, signer, topicArn, emails, prefix, queued = true }) {
  const sign = snsBodySigner({ signer, topicArn, emails, prefix });
  const tally = { statuses: {}, errors: 0, ok: 0, queued: 0, unanswered: 0, bodies: new Map() };
  const load = async (route, seconds, bodies = []) => {
    let n = 0;
    const webhook = route === 'webhook';
    const run = await autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: seconds,
      timeout: 15,
      maxOverallRequests: webhook ? bodies.length : MAX_PING_REQUESTS,
      requests: [
        webhook
          ? {
              method: 'POST',
              path: '/api/webhooks/ses-events',
              headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
              setupRequest: (request) => ({ ...request, body: bodies[n++ % bodies.length] }),
              onResponse: (status, body) => {
                if (status === 200 && body.includes('"queued"')) tally.queued++;
                // Who answered: our JSON (the webhook contract) or the runtime's own text.
                else if (status !== 200) {
                  const what = `${status} ${body.slice(0, 100).replaceAll('\n', ' ')}`;
                  tally.bodies.set(what, (tally.bodies.get(what) ?? 0) + 1);
                }
              },
            }
          : { method: 'GET', path: '/api/ping' },
      ],
    });
    if (webhook) {
      tally.errors += run.errors + run.timeouts;
      // Sent but never answered: the requests in flight when a round's time was up (autocannon
      // stops waiting for them; the Worker still handles them, so the consumer records them).
      tally.unanswered += run.requests.sent - run.requests.total;
      for (const [status, { count }] of Object.entries(run.statusCodeStats))
        tally.statuses[status] = (tally.statuses[status] ?? 0) + count;
    }
    // Only 2xx answers count: a fast refusal (a 503 SNS would retry) is not throughput.
    const sample = { rps: run['2xx'] / run.duration, p50: run.latency.p50, p99: run.latency.p99 };
    console.log(
      `  ${route.padEnd(7)} ${seconds} s: ${Math.round(sample.rps)} req/s, p50 ${sample.p50} ms, p99 ${sample.p99} ms, ` +
        `non-2xx ${run.non2xx}, errors ${run.errors}${webhook && run.requests.total >= bodies.length ? ' (ran out of bodies)' : ''}`,
    );
    return sample;
  };
  const probe = await load('webhook', WARM_UP_SECONDS, await sign(1500));
  await load('ping', WARM_UP_SECONDS);
  // The warm-up's rate is that of a cold Worker: size each round's pool well above it, so that no
  // round runs out of distinct bodies (a run is capped at its pool).
  const perRound = Math.ceil(Math.max(probe.rps * 2.5, 500) * SECONDS) + CONNECTIONS;
  const bodies = [];
  for (let r = 0; r < ROUNDS; r++) bodies.push(await sign(perRound));
  /** @type {{ webhook: Array<{ rps: number, p50: number, p99: number }>, ping: Array<{ rps: number, p50: number, p99: number }> }} */
  const samples = { webhook: [], ping: [] };
  for (let r = 0; r < ROUNDS; r++) {
    samples.webhook.push(await load('webhook', SECONDS, bodies[r]));
    samples.ping.push(await load('ping', SECONDS));
  }
  const notOk = Object.entries(tally.statuses)
    .filter(([status]) => status !== '200')
    .reduce((sum, [, n]) => sum + n, tally.errors);
  console.log(
    `  webhook answers: ${Object.entries(tally.statuses)
      .map(([s, n]) => `${s} ×${n}`)
      .join(', ')}; "queued" ${tally.queued}; errors/timeouts ${tally.errors}; ` +
      `cut off unanswered at the end of a round ${tally.unanswered}`,
  );
  if (queued && tally.queued !== (tally.statuses[200] ?? 0))
    throw new Error('some 200 answers were not "queued": direct mode?');
  return {
    webhook: median(samples.webhook.map((s) => s.rps)),
    ping: median(samples.ping.map((s) => s.rps)),
    p50: median(samples.webhook.map((s) => s.p50)),
    p99: median(samples.webhook.map((s) => s.p99)),
    notOk,
    ok: tally.statuses[200] ?? 0,
    unanswered: tally.unanswered,
    bodies: [...tally.bodies].map(([what, n]) => `${what} ×${n}`).join('; '),
  };
}

/** Polls `count` until it reaches `expected` or stops growing for 5 s; returns the last count. */
async function waitForRecorded(count, expected) {
  let last = -1;
  let still = Date.now();
  for (;;) {
    const n = await count();
    if (n >= expected) return n;
    if (n !== last) {
      last = n;
      still = Date.now();
    } else if (Date.now() - still > 5000) return n;
    await sleep(500);
  }
}

/**
 * Reads the Worker's output line by line into `tally` (`tallyAnswerLine`).
 * @param {import('node:stream').Readable} stream
 * @param {AnswerTally} tally
 */
function tallyAnswerLines(stream, tally) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) tallyAnswerLine(line, tally);
  });
}

/**
 * @typedef {Map<string, number> & { ids?: string[] }} AnswerTally the webhook's answers other
 *   than 200 by `status code: error`, and their SNS message ids (`ids`)
 */

/**
 * Tallies one line of the Worker's output when it is the webhook's JSON log line
 * (`msg: 'ses-webhook'`) of an answer other than 200: by status, code and error, keeping its SNS
 * message id (to look for it among the recorded events).
 * @param {string} line
 * @param {AnswerTally} tally
 */
function tallyAnswerLine(line, tally) {
  if (!line.includes('"ses-webhook"') || line.includes('"status":200')) return;
  try {
    const entry = JSON.parse(line.slice(line.indexOf('{')));
    const key = `${entry.status} ${entry.code ?? entry.outcome}${entry.error ? `: ${entry.error}` : ''}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    if (entry.snsMessageId) (tally.ids ??= []).push(entry.snsMessageId);
  } catch {
    // not one of ours
  }
}
