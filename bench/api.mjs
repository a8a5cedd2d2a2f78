// Benchmark: the REST API and outbound webhooks (issue 29). Four rows:
// - api-list-1m-vs-bare: GET /api/v1/emails (first page, 50 emails, with the key check, the rate
//   limit and each email's last event) on the dashboard Worker as `wrangler deploy --dry-run`
//   bundles it, at 1M emails, vs a Worker beside it running the bare indexed SELECT of the same
//   page on the same D1 database; both called the same way (miniflare's dispatch), in alternating
//   rounds. Time per request; target ≤ 1.5.
// - webhook-lag-p50, webhook-lag-p99: signed SNS POSTs to the same Worker in queued mode (the SES
//   events queue and the outbound webhooks queue, their consumers, batches of up to 100 or 1 s),
//   20 a second, each until its delivery reaches a customer receiver on 127.0.0.1 that verifies it
//   with `standardwebhooks`: the lag in ms, timed here (no target: the queues' 1 s batch windows
//   are most of it).
// - webhook-deliveries-per-second-vs-fetch: deliveries per second of the outbound webhooks
//   consumer (`consumeWebhookBatch`, batches of 100: endpoints read, rows started, each attempt
//   signed and POSTed, attempts recorded) vs the raw `fetch` of the same bodies, signed beforehand,
//   to the same receiver, 100 in flight alike; in workerd (bench/api-webhooks-worker.mjs).
//   BENCH_API_EMAILS=1000000   emails of the list row;  BENCH_API_LAG_EVENTS=200   events timed
//   BENCH_API_DELIVERIES=500   deliveries per sample
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { createSnsSigner } from 'kuratchi-sdk/email/testing';
import { startWebhookReceiver } from '../packages/kuratchi-sdk/test/node/webhook-receiver.mjs';
import { ADMIN_MIGRATIONS, applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { DEMO_D1_ORGANIZATIONS, registerOrganization } from '../scripts/lib/demo-organizations.mjs';
import { freePort } from '../scripts/lib/processes.mjs';
import { bundleDashboard } from '../scripts/lib/wrangler.mjs';
import { benchSesEvent, certificateOutbound } from './events.mjs';
import { insertEmails } from './email-rows.mjs';
import { suspendSearchIndex } from './search-queries.mjs';
import { bundleWorker, compareInRounds, report, result, workerCaller } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-bench-api';
const EMAILS = Number(process.env.BENCH_API_EMAILS ?? 1_000_000);
const LAG_EVENTS = Number(process.env.BENCH_API_LAG_EVENTS ?? 200);
const DELIVERIES = Number(process.env.BENCH_API_DELIVERIES ?? 500);
const INSERT_CHUNK = 100_000;
const PAGE = 50;
/** Acme holds the large log; Globex the lag's emails and its endpoint. */
const [ACME, GLOBEX] = DEMO_D1_ORGANIZATIONS;
const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-api-'));
const rows = [];
const quiet = (stdout, stderr) => {
  stdout.resume();
  stderr.pipe(process.stderr);
};

// ── 1. Outbound deliveries per second: the consumer vs raw fetch (workerd) ───────────────────
{
  const receiver = await startWebhookReceiver({ port: 0 });
  await bundleWorker(join(here, 'api-webhooks-worker.mjs'), join(outdir, 'api-webhooks-worker.js'));
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(outdir, 'api-webhooks-worker.js'),
    modulesRoot: outdir,
    compatibilityDate: '2026-05-01',
    compatibilityFlags: ['nodejs_compat'],
    d1Databases: ['ADMIN_DB'],
    d1Persist: false,
    queueProducers: { WEBHOOK_QUEUE: { queueName: 'bench-webhooks' } },
    handleRuntimeStdio: quiet,
  });
  try {
    await applyMigrationFiles(await mf.getD1Database('ADMIN_DB'), ADMIN_MIGRATIONS);
    const call = workerCaller(mf);
    const key = 'bench';
    const url = `${receiver.url}/ok/${key}`;
    const { secret } = await call('/setup', { url });
    await fetch(`${receiver.url}/secrets/${key}`, { method: 'POST', body: JSON.stringify([secret]) });
    let run = 0;
    const perSecond = await compareInRounds(
      {
        ours: async () => {
          const { ms, delivered } = await call('/ours', { count: DELIVERIES, run: run++ });
          if (delivered !== DELIVERIES) throw new Error(`the consumer delivered ${delivered} of ${DELIVERIES}`);
          return ms;
        },
        fetch: async () => {
          const { ms, ok } = await call('/fetch', { count: DELIVERIES, run: run++, secret, url });
          if (ok !== DELIVERIES) throw new Error(`raw fetch: ${ok} of ${DELIVERIES} answered 2xx`);
          return ms;
        },
      },
      { rounds: 5, measure: async (contender) => (DELIVERIES / (await contender())) * 1000 },
    );
    rows.push(
      result(
        'webhook-deliveries-per-second-vs-fetch',
        `Outbound webhook deliveries/s: the consumer (signed, recorded in D1), batches of 100, ${DELIVERIES} per sample`,
        'deliveries/s',
        perSecond.ours,
        perSecond.fetch,
        'raw fetch of the same signed bodies to the same receiver, 100 in flight',
        null,
      ),
    );
  } finally {
    await mf.dispose();
    await receiver.close();
  }
}

// ── 2. The dashboard Worker: webhook lag, then the API list at EMAILS emails ─────────────────
{
  const signer = await createSnsSigner();
  /** SES message id → when its SNS POST left (performance.now()). */
  const sentAt = new Map();
  const lags = [];
  const receiver = await startWebhookReceiver({
    port: 0,
    onDelivery: (delivery) => {
      const sent = sentAt.get(delivery.body?.data?.sesEvent?.mail?.messageId);
      if (sent !== undefined && delivery.verified) lags.push(performance.now() - sent);
    },
  });
  bundleDashboard(outdir);
  copyFileSync(join(outdir, 'worker.js'), join(outdir, 'dashboard.js'));
  const certificate = certificateOutbound(signer, TOPIC);
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: await freePort(),
    d1Persist: false,
    // One log line per POST and per batch: not this benchmark's output.
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.resume();
    },
    workers: [
      {
        name: 'dashboard',
        modules: [
          {
            type: 'ESModule',
            path: join(outdir, 'dashboard.js'),
            contents: readFileSync(join(outdir, 'dashboard.js'), 'utf8'),
          },
        ],
        modulesRoot: outdir,
        compatibilityDate: '2026-05-01',
        d1Databases: { ADMIN_DB: 'admin', [ACME.binding]: 'acme', [GLOBEX.binding]: 'globex' },
        bindings: {
          KURATCHI_ENVIRONMENT: 'production',
          KURATCHI_ALLOWED_TOPIC_ARNS: TOPIC,
          KURATCHI_API_RATE_LIMIT_PER_MINUTE: '100000',
        },
        // As wrangler.dev.toml: both queues' producers and consumers (this Worker).
        queueProducers: {
          SES_EVENTS_QUEUE: { queueName: 'kuratchi-ses-events' },
          WEBHOOK_QUEUE: { queueName: 'kuratchi-webhooks' },
        },
        queueConsumers: {
          'kuratchi-ses-events': { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10 },
          'kuratchi-webhooks': { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10 },
        },
        // Outbound: the signing certificate, and the deliveries to the receiver (through Node).
        async outboundService(request) {
          if (!request.url.startsWith(receiver.url)) return certificate(request);
          const answer = await fetch(request.url, {
            method: request.method,
            headers: Object.fromEntries(request.headers),
            body: await request.text(),
            redirect: 'manual',
          });
          return new Response(answer.body, { status: answer.status });
        },
      },
      {
        name: 'bare',
        // Reached through miniflare's entry as the dashboard is (dispatchFetch, by host): the same
        // way in, so the ratio compares the two Workers, not two ways of calling them.
        routes: ['bare.test/*'],
        modules: true,
        compatibilityDate: '2026-05-01',
        d1Databases: { DB: 'acme' },
        // The bare indexed query of the API's first page (bench/queries.mjs's `first-page`).
        script: `export default {
          async fetch(request, env) {
            const { results } = await env.DB.prepare(
              'SELECT * FROM emails INDEXED BY emails_by_created ORDER BY created_at DESC, id DESC LIMIT ?'
            ).bind(${PAGE + 1}).all();
            return Response.json({ emails: results.slice(0, ${PAGE}) });
          },
        };`,
      },
    ],
  });
  try {
    const base = (await mf.ready).origin;
    const admin = await mf.getD1Database('ADMIN_DB', 'dashboard');
    await applyMigrationFiles(admin, ADMIN_MIGRATIONS);
    for (const org of [ACME, GLOBEX]) {
      await applyMigrationFiles(await mf.getD1Database(org.binding, 'dashboard'), ORG_MIGRATIONS);
      await registerOrganization(admin, org);
    }

    // Webhook lag: LAG_EVENTS sent emails of Globex, an endpoint of Globex at the receiver.
    const globex = await mf.getD1Database(GLOBEX.binding, 'dashboard');
    const emails = Array.from({ length: LAG_EVENTS }, (_, i) => ({
      id: `lag-email-${i}`,
      sesMessageId: `ses-lag-${i}`,
      recipient: `lag${i}@example.com`,
    }));
    await globex.batch(
      emails.map((e) =>
        globex
          .prepare(
            "INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES (?, ?, 'bench@example.com', 'Hi', 'sent', ?, 1, 1)",
          )
          .bind(e.id, e.recipient, e.sesMessageId),
      ),
    );
    await admin.batch(
      emails.map((e) =>
        admin.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)').bind(e.sesMessageId, GLOBEX.id, e.id),
      ),
    );
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    await admin
      .prepare(
        `INSERT INTO webhook_endpoints (id, organization_id, url, event_types, secret, created_at)
         VALUES ('whe_bench', ?, ?, '["email.delivered"]', ?, 0)`,
      )
      .bind(GLOBEX.id, `${receiver.url}/ok/lag`, secret)
      .run();
    await fetch(`${receiver.url}/secrets/lag`, { method: 'POST', body: JSON.stringify([secret]) });
    const bodies = await Promise.all(
      emails.map(async (email, i) =>
        JSON.stringify(
          await signer.sign({
            Type: 'Notification',
            MessageId: `lag-${i}`,
            TopicArn: TOPIC,
            Message: JSON.stringify(benchSesEvent(i, email, 'Delivery')),
            Timestamp: new Date().toISOString(),
          }),
        ),
      ),
    );
    const statuses = {};
    const answered = [];
    for (const [i, body] of bodies.entries()) {
      const tick = performance.now();
      sentAt.set(emails[i].sesMessageId, tick);
      const answer = await fetch(`${base}/api/webhooks/ses-events`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
        body,
      });
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      await answer.body?.cancel();
      answered.push(performance.now() - tick);
      // 20 a second: the lag of a steady trickle, not of a backlog.
      const rest = 50 - (performance.now() - tick);
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
    const deadline = Date.now() + 120_000;
    while (lags.length < LAG_EVENTS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (lags.length < LAG_EVENTS) {
      throw new Error(
        `${lags.length} of ${LAG_EVENTS} deliveries reached the receiver (SNS answers ${JSON.stringify(statuses)})`,
      );
    }
    const p = (values, q) =>
      [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * q) - 1)];
    const note = `${LAG_EVENTS} events at 20/s, each delivered once and verified; queues batch up to 100 messages or 1 s`;
    for (const { id, q } of [
      { id: 'webhook-lag-p50', q: 0.5 },
      { id: 'webhook-lag-p99', q: 0.99 },
    ]) {
      rows.push({
        ...result(
          id,
          `SNS POST → verified delivery at the customer's receiver, queued mode: p${q * 100}`,
          'ms',
          p(lags, q),
          p(answered, q),
          `the SNS POST's own answer, p${q * 100}`,
          null,
          0,
        ),
        note,
      });
    }

    // The API's first page at EMAILS emails vs the bare indexed query.
    const acme = await mf.getD1Database(ACME.binding, 'dashboard');
    // The search index (FTS5) is left out: the list does not read it, and 1M rows fill in seconds without it.
    await suspendSearchIndex(acme);
    console.log(`• filling ${EMAILS} emails`);
    for (let from = 0; from < EMAILS; from += INSERT_CHUNK)
      await insertEmails(acme, from, Math.min(EMAILS, from + INSERT_CHUNK), EMAILS);
    const key = `kuratchi_0123456789abcdef_${randomBytes(32).toString('base64url')}`;
    await admin
      .prepare(
        "INSERT INTO api_keys (id, organization_id, name, scopes, key_hash, created_at) VALUES ('0123456789abcdef', ?, 'bench', 'read', ?, 0)",
      )
      .bind(ACME.id, createHash('sha256').update(key).digest('hex'))
      .run();
    const bare = () => mf.dispatchFetch('http://bare.test/');
    const ours = () =>
      mf.dispatchFetch(`http://127.0.0.1/api/v1/emails?limit=${PAGE}`, { headers: { authorization: `Bearer ${key}` } });
    const check = async (response) => {
      if (response.status !== 200) throw new Error(`answered ${response.status}: ${await response.text()}`);
      return (await response.json()).emails.map((e) => e.id);
    };
    const [ourIds, bareIds] = [await check(await ours()), await check(await bare())];
    if (JSON.stringify(ourIds) !== JSON.stringify(bareIds))
      throw new Error('the API and the bare query disagree on the first page');
    const REPEAT = 20;
    const perRequest = await compareInRounds(
      { ours: async () => check(await ours()), bare: async () => check(await bare()) },
      {
        rounds: 7,
        measure: async (run) => {
          const start = performance.now();
          for (let i = 0; i < REPEAT; i++) await run();
          return (performance.now() - start) / REPEAT;
        },
      },
    );
    rows.push(
      result(
        'api-list-1m-vs-bare',
        `GET /api/v1/emails, first page of ${PAGE} at ${EMAILS.toLocaleString('en')} emails (key check, rate limit, last events)`,
        'ms/request',
        perRequest.ours,
        perRequest.bare,
        'a Worker running the bare indexed SELECT of the same page on the same D1',
        '≤ 1.5',
        2,
      ),
    );
  } finally {
    await mf.dispose();
    await receiver.close();
  }
}

report(rows);
