// The main job (`pnpm dev`): the dashboard on `wrangler dev` with local D1, seeded demo data and
// live, really signed SNS messages posted to its webhook. Stop it with Ctrl-C. Its work directory
// (`.wrangler/demo`, or `<KURATCHI_STATE_DIR>/demo`) keeps the operations token (`ops-token`) and
// the signing key (`signer.json`, `simulate-key.pem`) for `kuratchi-ses` and the tests.
//   PORT=8787                 port on 127.0.0.1
//   DEMO_DURATION_SECONDS=0   stop after this long (0: run until interrupted); a first SIGINT or
//                             SIGTERM while posting ends the traffic the same way (summary, exit
//                             code), a second one stops at once
//   DEMO_INTERVAL_MS=700      pause between posts
//   DEMO_TRAFFIC=on           `off`: serve the seeded data only (the end-to-end tests post their own)
//   DEMO_SEED                 an integer: the same sequence of live events every run (default random)
//   KURATCHI_STATE_DIR        local D1 state (default .wrangler/state, the one `wrangler dev` uses)
//   KURATCHI_INGESTION_STALE_MINUTES, KURATCHI_PARK_TTL_HOURS
//                             passed to the Worker (docs/settings.md)
//   ALERT_WEBHOOK=on          `off`: no local alert webhook (alerts then show on the dashboard only)
//   WEBHOOK_RECEIVER=on       `off`: no local receiver for Acme's outbound webhook endpoint
//   WEBHOOK_RECEIVER_PORT=8862 its port on 127.0.0.1 (it prints each verified delivery)
//   DEMO_SES=on               `off`: no local SES (the canary, reconciliation and the guard's
//                             configuration sets then say they are not configured)
//   DEV_START_DEADLINE_SECONDS=90 give up when wrangler dev has not answered within this long
//   SCHEDULED_INTERVAL_SECONDS run the Worker's scheduled jobs (each cron trigger, in turn) this often,
//                             through wrangler dev's /__scheduled (default 60; 0: never)
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createDemoTraffic, createSnsSigner, seededRandom } from 'kuratchi-sdk/email/testing';
import { buildDemoSeed } from './demo/seed.mjs';
import { DEMO_D1_ORGANIZATIONS, DEMO_ORGANIZATIONS, DEMO_PASSWORD, DEMO_USERS } from './lib/demo-organizations.mjs';
import { writeDemoSigner } from './lib/demo-signer.mjs';
import { demoOpsToken } from './lib/demo-ops-token.mjs';
import { demoApiKey } from './lib/demo-api-key.mjs';
import { logTail } from './lib/processes.mjs';
import { DEV_CONFIG, ROOT as root, runWrangler, WRANGLER_BIN as wranglerBin, wranglerEnv } from './lib/wrangler.mjs';
import { writeDemoSeed } from './demo/write-seed.mjs';
import { startAlertSink } from './demo/alert-sink.mjs';
import { startSesSimulator } from './demo/ses-simulator.mjs';
import { startDemoWebhookReceiver } from './demo/webhook-receiver.mjs';
import { waitFor } from './wait-for.mjs';

const port = Number(process.env.PORT ?? 8787);
const durationMs = Number(process.env.DEMO_DURATION_SECONDS ?? 0) * 1000;
const intervalMs = Number(process.env.DEMO_INTERVAL_MS ?? 700);
const url = `http://127.0.0.1:${port}`;
// The topic `kuratchi-ses simulate` signs for by default.
const topicArn = 'arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events';
const stateDir = process.env.KURATCHI_STATE_DIR;
const persist = stateDir ? ['--persist-to', stateDir] : [];
const workDir = stateDir ? join(stateDir, 'demo') : join(root, '.wrangler', 'demo');
const traffic = process.env.DEMO_TRAFFIC !== 'off';
const scheduledIntervalMs = Number(process.env.SCHEDULED_INTERVAL_SECONDS ?? 60) * 1000;
// The crons of wrangler.dev.toml's [triggers] (the guard's, then the other jobs'), each passed on
// to the handler as `controller.cron`.
const crons = [
  ...(/^crons\s*=\s*\[([^\]]*)\]/m.exec(readFileSync(DEV_CONFIG, 'utf8'))?.[1]?.matchAll(/"([^"]+)"/g) ?? []),
].map((match) => match[1]);
// wrangler's own entry point, run by this Node directly (no pnpm in between), so signals reach it;
// quiet and offline (scripts/lib/wrangler.mjs).
const quiet = wranglerEnv();

function demoSeed(value) {
  if (!/^\d{1,10}$/.test(value)) {
    console.error(`✗ DEMO_SEED must be a non-negative integer, not ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return Number(value);
}
if (process.env.DEMO_SEED) demoSeed(process.env.DEMO_SEED);

mkdirSync(workDir, { recursive: true });
// The operations API's token (KURATCHI_OPS_TOKEN), kept in the work directory across runs.
const ops = demoOpsToken(workDir);

function wrangler(args, what) {
  const run = runWrangler(args);
  if (run.status !== 0) {
    console.error(`✗ ${what} failed:\n${run.stdout}\n${run.stderr}`);
    process.exit(1);
  }
}

console.log('• applying D1 migrations to the local databases (.wrangler/state)');
// An organisation on a Durable Object migrates inside its object, on first use.
const d1Bindings = DEMO_D1_ORGANIZATIONS.map((o) => o.binding);
for (const binding of ['ADMIN_DB', ...d1Bindings]) {
  wrangler(['d1', 'migrations', 'apply', binding, '--local', ...persist], `migrating ${binding}`);
}

console.log(
  `• seeding ${DEMO_ORGANIZATIONS.length} organisations (${DEMO_ORGANIZATIONS.map((o) => `${o.name} on ${o.kind === 'd1' ? `D1 ${o.binding}` : 'a Durable Object'}`).join(', ')}) with demo emails, through the SDK (sendEmail, the queue consumer)`,
);
// The raw archive (local R2) of an earlier run goes: its messages were signed with that run's demo
// certificate, which this run no longer trusts, and were of emails the seed replaces, so a proof
// or `kuratchi-ses rebuild` would refuse them (the seed itself is recorded without the archive).
rmSync(join(resolve(root, stateDir ?? '.wrangler/state'), 'v3', 'r2'), { recursive: true, force: true });
const seed = await buildDemoSeed();
const apiKey = demoApiKey(workDir, 'org-acme');
seed.apiKeys = [apiKey.row];
const seeded = await writeDemoSeed(seed, {
  stateDir: resolve(root, stateDir ?? '.wrangler/state'),
  log: console.log,
}).catch((error) => {
  console.error(`✗ seeding failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
console.log(
  `  ${seeded.emails} emails, ${seeded.events} SES events in ${seeded.batches} queue batches, ${(seeded.ms / 1000).toFixed(1)} s`,
);

// The demo's SNS signing key: a fresh self-signed certificate, trusted by the Worker only through
// KURATCHI_SNS_DEV_CERTIFICATE_PEM, which the Worker accepts only with
// KURATCHI_ENVIRONMENT=development (production refuses it) and only for requests on a loopback host.
// Its SigningCertURL is the certificate's own /SimpleNotificationService-<32 hex>.pem path on the
// SNS host of the topic's region, the only form the Worker accepts.
const signer = await createSnsSigner();
// Other local tools (the end-to-end tests, `kuratchi-ses simulate`) can sign with the same key.
writeDemoSigner(workDir, signer, topicArn);

// The alerts job's webhook: a local sink that prints each alert (and keeps them in alerts.jsonl).
const alertSink =
  process.env.ALERT_WEBHOOK === 'off'
    ? null
    : await startAlertSink({ file: join(workDir, 'alerts.jsonl'), log: console.log });

// Acme's outbound webhook endpoint: a local receiver that verifies and prints every delivery
// (WEBHOOK_RECEIVER=off: none; WEBHOOK_RECEIVER_PORT, default 8862).
const webhookReceiver =
  process.env.WEBHOOK_RECEIVER === 'off'
    ? null
    : await startDemoWebhookReceiver({
        port: Number(process.env.WEBHOOK_RECEIVER_PORT ?? 8862),
        workDir,
        log: console.log,
      });
if (webhookReceiver) {
  wrangler(
    ['d1', 'execute', 'ADMIN_DB', '--local', ...persist, '--command', webhookReceiver.sql],
    'registering Acme’s webhook endpoint',
  );
  console.log(
    `• Acme's webhook endpoint: ${webhookReceiver.url} (deliveries verified with standardwebhooks, printed below)`,
  );
}

// The Worker's own SES (AWS_ENDPOINT_URL): a local one that plays the mailbox simulator, so the
// canary sends through sendEmail and its events come back through the webhook, as deployed.
const ses =
  process.env.DEMO_SES === 'off'
    ? null
    : await startSesSimulator({
        signer,
        topicArn,
        webhookUrl: () => `${url}/api/webhooks/ses-events`,
        log: console.log,
      });
const sesVars = ses
  ? {
      AWS_REGION: 'us-east-1',
      // AWS's documentation example keys: the local SES does not check them.
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_ENDPOINT_URL: ses.endpoint,
      KURATCHI_CANARY_ORGANIZATION_ID: 'org-acme',
      KURATCHI_CANARY_FROM: 'canary@acme.example',
      KURATCHI_CANARY_INTERVAL_MINUTES: '10',
      // Each organisation gets its SES tenant at the local SES (scripts/demo/ses-tenants.mjs).
      KURATCHI_SES_TENANTS: 'on',
    }
  : {};

console.log(`• starting wrangler dev on ${url} (log: ${join(workDir, 'wrangler.log')})`);
const log = createWriteStream(join(workDir, 'wrangler.log'));
const server = spawn(
  process.execPath,
  [
    wranglerBin,
    'dev',
    '--config',
    DEV_CONFIG,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--show-interactive-dev-session=false',
    // Serves GET /__scheduled?cron=…, which runs the Worker's `scheduled` handler (wrangler dev
    // does not fire cron triggers by itself).
    '--test-scheduled',
    '--var',
    'KURATCHI_ENVIRONMENT:development',
    '--var',
    `KURATCHI_ALLOWED_TOPIC_ARNS:${topicArn}`,
    '--var',
    `KURATCHI_SNS_DEV_CERTIFICATE_PEM:${signer.certificatePem}`,
    ...(process.env.KURATCHI_INGESTION_STALE_MINUTES
      ? ['--var', `KURATCHI_INGESTION_STALE_MINUTES:${process.env.KURATCHI_INGESTION_STALE_MINUTES}`]
      : []),
    ...(process.env.KURATCHI_PARK_TTL_HOURS
      ? ['--var', `KURATCHI_PARK_TTL_HOURS:${process.env.KURATCHI_PARK_TTL_HOURS}`]
      : []),
    ...(alertSink ? ['--var', `KURATCHI_ALERT_WEBHOOK_URL:${alertSink.url}`] : []),
    '--var',
    `KURATCHI_OPS_TOKEN:${ops.token}`,
    ...Object.entries(sesVars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ...persist,
  ],
  // Same process group as this script: whoever stops the demo (Ctrl-C, a test runner killing the
  // group) stops wrangler and workerd with it.
  { cwd: root, env: quiet, stdio: ['ignore', 'pipe', 'pipe'] },
);
server.stdout.pipe(log);
server.stderr.pipe(log);
let serverExited = false;
server.on('exit', (code) => {
  serverExited = true;
  if (!stopping) {
    console.error(`✗ wrangler dev exited (${code}); last lines of its log:\n${tail()}`);
    process.exit(1);
  }
});
let stopping = false;
function stop(code = 0) {
  stopping = true;
  server.kill('SIGTERM');
  // Give wrangler a moment to stop workerd, then leave.
  setTimeout(() => process.exit(code), 1500).unref();
  server.once('exit', () => process.exit(code));
}
// While the traffic runs, the first signal ends it (its summary and exit code follow).
let posting = false;
let trafficEnded = false;
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    if (posting && !trafficEnded) trafficEnded = true;
    else stop(0);
  });

/** Runs the Worker's scheduled jobs once, as each cron trigger would; says so only when one failed. */
async function runScheduled() {
  for (const cron of crons)
    try {
      const response = await fetch(`${url}/__scheduled?cron=${encodeURIComponent(cron)}`);
      const text = await response.text();
      if (!response.ok)
        console.error(`✗ scheduled jobs (${cron}): HTTP ${response.status} ${text.slice(0, 200)} (see wrangler.log)`);
    } catch (error) {
      if (!stopping)
        console.error(
          `✗ scheduled jobs (${cron}) could not be run: ${error instanceof Error ? error.message : String(error)}`,
        );
    }
}

/** A path as a user at the repository's root types it. */
function shown(path) {
  const inside = relative(root, path);
  return inside.startsWith('..') ? path : inside;
}

function tail() {
  return logTail(join(workDir, 'wrangler.log'));
}

const startDeadlineSeconds = Number(process.env.DEV_START_DEADLINE_SECONDS ?? 90);
try {
  await waitFor(
    async () => {
      try {
        return (await fetch(`${url}/auth/signin`)).status === 200;
      } catch {
        return false; // not listening yet
      }
    },
    {
      deadlineMs: startDeadlineSeconds * 1000,
      what: `the dashboard to answer on ${url}/auth/signin`,
      intervalMs: 300,
      giveUp: () => serverExited && 'wrangler dev exited',
    },
  );
} catch (error) {
  console.error(
    `✗ ${error instanceof Error ? error.message : String(error)}; last lines of the wrangler log:\n${tail()}`,
  );
  stop(1);
  await new Promise(() => {});
}

console.log(`\n  kuratchi dashboard: ${url}/\n  SNS webhook:        ${url}/api/webhooks/ses-events`);
if (alertSink)
  console.log(
    `  alert webhook:      ${alertSink.url} (each alert printed here, kept in ${join(workDir, 'alerts.jsonl')})`,
  );
if (ses)
  console.log(
    `  local SES:          ${ses.endpoint} (the mailbox simulator: the canary of org-acme runs every 10 min)`,
  );
if (scheduledIntervalMs > 0) {
  console.log(
    `  scheduled jobs:     every ${scheduledIntervalMs / 1000} s, crons ${crons.join(' and ')} (${url}/__scheduled?cron=…; log lines in wrangler.log)`,
  );
  setInterval(runScheduled, scheduledIntervalMs).unref();
}
console.log(
  `  operations API:     token in ${shown(ops.file)}; for kuratchi-ses (docs/guides/develop.md), paste:\n` +
    `                        export KURATCHI_OPS_TOKEN=${ops.token}\n` +
    `                        npx kuratchi-ses org list --dashboard-url ${url}`,
);
console.log(
  `  REST API (Acme):    key in ${shown(apiKey.file)}; for docs/guides/api.md, paste:\n` +
    `                        export KURATCHI_API_KEY=${apiKey.key} KURATCHI_URL=${url}`,
);
console.log(`  sign in with password "${DEMO_PASSWORD}" as:`);
for (const user of DEMO_USERS)
  console.log(
    `    ${user.email.padEnd(24)} ${user.role === 'superadmin' ? 'superadmin (can switch organisation)' : user.organizationId}`,
  );
console.log('');
if (!traffic) {
  console.log('• serving without demo traffic (DEMO_TRAFFIC=off); Ctrl-C stops');
  if (durationMs) setTimeout(() => stop(0), durationMs);
  await new Promise(() => {});
}
console.log(
  '• posting signed SNS messages (events, duplicates, out-of-order pairs, forged ones, unknown emails); Ctrl-C stops',
);

const random = process.env.DEMO_SEED ? seededRandom(demoSeed(process.env.DEMO_SEED)) : Math.random;
const demoTraffic = createDemoTraffic({ signer, topicArn, emails: seed.liveEmails, random });
const tally = {};
let unexpected = 0;
const started = Date.now();
let lastReport = Date.now();
posting = true;
while (!trafficEnded && (!durationMs || Date.now() - started < durationMs)) {
  for (const delivery of await demoTraffic.next()) {
    let status;
    try {
      const response = await fetch(`${url}/api/webhooks/ses-events`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
        body: delivery.body,
      });
      status = response.status;
      await response.body?.cancel();
    } catch {
      status = 0;
    }
    const key = `${delivery.kind}→${status}`;
    tally[key] = (tally[key] ?? 0) + 1;
    if (status !== delivery.expectedStatus) unexpected++;
  }
  if (Date.now() - lastReport > 5000) {
    lastReport = Date.now();
    console.log(
      `  ${new Date().toISOString().slice(11, 19)} ${Object.entries(tally)
        .map(([k, v]) => `${k}: ${v}`)
        .join('  ')}${unexpected ? `  UNEXPECTED: ${unexpected}` : ''}`,
    );
  }
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
console.log(`• demo finished after ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(tally)}`);
stop(unexpected ? 1 : 0);
