// Benchmark 2: the SES webhook end to end on `wrangler dev` with local D1. Starts the dashboard
// with scripts/dev.mjs (demo data, no demo traffic, its own state under .wrangler/bench-state, a
// free port on 127.0.0.1), signs distinct SNS notifications of Delivery, Open and Click events
// for the seeded emails with the demo's key, and drives the Worker with autocannon at 64
// connections: the webhook (`POST /api/webhooks/ses-events`, every request a new event) against
// the trivial route of the same Worker (`GET /api/ping`, 200 without I/O), in alternating rounds
// after a warm-up of each. (Not `POST /api/ping`: on wrangler dev its cancelled request body makes
// the dev proxy answer 503 "Your worker restarted mid-request" to a good share of requests.) Reports requests/s (ratio, target ≥ 0.5), the
// webhook's p50 and p99 latency (target p99 < 50 ms), and every answer that was not 200; then
// counts the events the org databases recorded. Stops the server (SIGTERM to dev.mjs, which
// stops wrangler) whatever happens.
//   BENCH_WEBHOOK_SECONDS=8   seconds per round;  BENCH_WEBHOOK_ROUNDS=3   rounds
import { join } from 'node:path';
import autocannon from 'autocannon';
import { DEMO_D1_ORGANIZATIONS } from '../scripts/lib/demo-organizations.mjs';
import { readDemoSigner } from '../scripts/lib/demo-signer.mjs';
import { startDevServer } from '../scripts/lib/dev-server.mjs';
import { logTail } from '../scripts/lib/processes.mjs';
import { d1Execute, ROOT } from '../scripts/lib/wrangler.mjs';
import { snsBodySigner } from './events.mjs';
import { median, report, result } from './lib.mjs';

const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 3);
const WARM_UP_SECONDS = 3;
const MAX_PING_REQUESTS = 250_000;
/** Also measured (not a target): latency one request at a time, i.e. without queueing. */
const LOW_CONNECTIONS = 1;
const stateDir = join(ROOT, '.wrangler', 'bench-state');
const logFile = join(stateDir, 'dev.log');
/** @param {string} binding @param {string} sql */
const d1 = (binding, sql) => d1Execute(binding, sql, stateDir);

const server = await startDevServer({ stateDir }).catch((error) => {
  console.error(`✗ ${error.stack ?? error}\n  last lines of ${logFile}:\n${logTail(logFile)}`);
  process.exit(1);
});
const base = server.base;

try {
  const { signer, topicArn } = await readDemoSigner(join(stateDir, 'demo'));
  const emails = DEMO_D1_ORGANIZATIONS.flatMap(({ binding }) =>
    d1(
      binding,
      'SELECT ses_message_id AS sesMessageId, recipient FROM emails WHERE ses_message_id IS NOT NULL ORDER BY id',
    ),
  );
  if (emails.length === 0) throw new Error('no seeded emails with an SES message id');
  console.log(`• ${emails.length} seeded emails with an SES message id`);

  // Distinct signed notifications, made ahead of the load (signing is not what is measured).
  const signBodies = snsBodySigner({ signer, topicArn, emails, prefix: 'bench' });

  const tally = {
    webhook: { requests: 0, statuses: {}, errors: 0, timeouts: 0 },
    ping: { requests: 0, statuses: {}, errors: 0, timeouts: 0 },
  };
  /** One autocannon run; each webhook request takes the next unused body (never more than `bodies`). */
  async function load(route, seconds, bodies = [], connections = CONNECTIONS) {
    let next = 0;
    const webhook = route === 'webhook';
    const run = await autocannon({
      url: base,
      connections,
      duration: seconds,
      timeout: 15,
      // Bounded in count as well as time: never more webhook requests than distinct bodies.
      maxOverallRequests: webhook ? bodies.length : MAX_PING_REQUESTS,
      requests: [
        {
          ...(webhook
            ? {
                method: 'POST',
                path: '/api/webhooks/ses-events',
                headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
                setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
              }
            : { method: 'GET', path: '/api/ping' }),
        },
      ],
    });
    const t = tally[route];
    t.requests += run.requests.total;
    t.errors += run.errors;
    t.timeouts += run.timeouts;
    for (const [status, { count }] of Object.entries(run.statusCodeStats))
      t.statuses[status] = (t.statuses[status] ?? 0) + count;
    const sample = {
      rps: run.requests.total / run.duration,
      p50: run.latency.p50,
      p99: run.latency.p99,
      max: run.latency.max,
      non2xx: run.non2xx,
      complete: !webhook || run.requests.total < bodies.length,
    };
    console.log(
      `  ${route.padEnd(7)} ${String(connections).padStart(2)} connections ${seconds} s: ${Math.round(sample.rps)} req/s, ` +
        `p50 ${sample.p50} ms, p99 ${sample.p99} ms, max ${sample.max} ms, non-2xx ${run.non2xx}, errors ${run.errors}`,
    );
    if (!sample.complete) console.log('    (ran out of distinct bodies before the end of the round)');
    return sample;
  }

  // Warm-up of both, which also tells how many bodies a round needs.
  console.log(`• warm-up, ${WARM_UP_SECONDS} s each`);
  const probe = await load('webhook', WARM_UP_SECONDS, await signBodies(1500));
  await load('ping', WARM_UP_SECONDS);
  const perRound = Math.ceil(Math.max(probe.rps, 50) * SECONDS * 1.5) + CONNECTIONS;
  console.log(`• signing ${(perRound * ROUNDS).toLocaleString('en')} more notifications (${perRound} a round)`);
  const signStart = performance.now();
  const roundBodies = [];
  for (let r = 0; r < ROUNDS; r++) roundBodies.push(await signBodies(perRound));
  console.log(`  signed in ${((performance.now() - signStart) / 1000).toFixed(1)} s`);

  console.log(`• ${ROUNDS} alternating rounds of ${SECONDS} s at ${CONNECTIONS} connections`);
  /** @type {Record<'webhook' | 'ping', Array<{ rps: number, p50: number, p99: number }>>} */
  const samples = { webhook: [], ping: [] };
  for (let r = 0; r < ROUNDS; r++) {
    samples.webhook.push(await load('webhook', SECONDS, roundBodies[r]));
    samples.ping.push(await load('ping', SECONDS));
  }
  console.log(`• latency with ${LOW_CONNECTIONS} connection (for reference)`);
  const low = await load(
    'webhook',
    SECONDS,
    await signBodies(Math.ceil(Math.max(probe.rps, 50) * SECONDS * 1.5)),
    LOW_CONNECTIONS,
  );

  const answered = (route) =>
    Object.entries(tally[route].statuses)
      .map(([status, n]) => `${status} ×${n}`)
      .join(', ');
  const notOk = Object.entries(tally.webhook.statuses)
    .filter(([status]) => status !== '200')
    .reduce((sum, [, n]) => sum + n, 0);
  console.log(
    `• webhook answers: ${answered('webhook')}; connection errors ${tally.webhook.errors}, timeouts ${tally.webhook.timeouts}`,
  );
  console.log(
    `• ping answers: ${answered('ping')}; connection errors ${tally.ping.errors}, timeouts ${tally.ping.timeouts}`,
  );
  if (notOk || tally.webhook.errors)
    console.error(`✗ ${notOk} webhook answers were not 200, ${tally.webhook.errors} requests failed`);

  // What the webhook did: one email_events row per distinct notification it applied.
  const recorded = DEMO_D1_ORGANIZATIONS.map(
    ({ binding }) => d1(binding, "SELECT count(*) AS n FROM email_events WHERE sns_message_id LIKE 'bench-%'")[0].n,
  ).reduce((a, b) => a + b, 0);
  const counters = d1(
    'ADMIN_DB',
    "SELECT name, count FROM ingestion_counters WHERE name LIKE 'outcome:%' ORDER BY name",
  );
  console.log(
    `• events recorded in the org databases: ${recorded} (200 answers counted by autocannon: ${tally.webhook.statuses[200] ?? 0}; ` +
      `requests cut off at the end of a round may be recorded too); counters: ${counters.map((c) => `${c.name} ${c.count}`).join(', ')}`,
  );

  const rps = { webhook: median(samples.webhook.map((s) => s.rps)), ping: median(samples.ping.map((s) => s.rps)) };
  const p50 = median(samples.webhook.map((s) => s.p50));
  const p99 = median(samples.webhook.map((s) => s.p99));
  const pingP99 = median(samples.ping.map((s) => s.p99));
  report([
    result(
      'webhook-direct-vs-ping',
      `Webhook on wrangler dev, ${CONNECTIONS} connections: throughput vs a trivial route`,
      'requests/s',
      rps.webhook,
      rps.ping,
      'GET /api/ping of the same Worker (200, no I/O)',
      '≥ 0.5',
    ),
    result(
      'webhook-direct-p50-latency',
      `Webhook on wrangler dev, ${CONNECTIONS} connections: p50 latency`,
      'ms',
      p50,
      median(samples.ping.map((s) => s.p50)),
      'p50 of GET /api/ping',
      'n/a',
    ),
    result(
      'webhook-direct-p99-latency',
      `Webhook on wrangler dev, ${CONNECTIONS} connections: p99 latency`,
      'ms',
      p99,
      pingP99,
      'p99 of GET /api/ping',
      '< 50 ms',
    ),
    result(
      'webhook-direct-one-connection-p99-latency',
      `Webhook on wrangler dev, ${LOW_CONNECTIONS} connection: p99 latency (reference)`,
      'ms',
      low.p99,
      p99,
      `p99 at ${CONNECTIONS} connections`,
      'n/a',
    ),
    result(
      'webhook-direct-non-200-answers',
      'Webhook answers other than 200 (all rounds and warm-ups)',
      'answers',
      notOk + tally.webhook.errors + tally.webhook.timeouts,
      tally.webhook.requests,
      'webhook requests sent',
      '= 0 answers',
    ),
  ]);
} catch (error) {
  console.error(`✗ ${error instanceof Error ? error.stack : error}\n  last lines of ${logFile}:\n${logTail(logFile)}`);
  process.exitCode = 1;
} finally {
  await server.stop();
}
