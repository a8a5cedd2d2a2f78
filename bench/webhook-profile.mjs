// Diagnosis (not a `pnpm bench` row): where the queued webhook's CPU goes, measured. The dashboard
// Worker as `wrangler deploy --dry-run` bundles it, on plain workerd (miniflare) with the queue
// producer, the raw archive (R2) and local D1 as in production; its V8 sampling profiler (the
// inspector, Chrome DevTools Protocol) records while signed SNS POSTs run at 16 connections (no
// consumer: the queue only fills, so the profile is the POST's), then GET /api/ping the same way.
// Prints the self time by function and by module, each as a share of the samples.
//   node bench/webhook-profile.mjs   (after pnpm build)   BENCH_PROFILE_SECONDS=8
//   BENCH_PROFILE_OUT=<dir>: also writes each profile there (`<name>.cpuprofile`, for DevTools)
//   BENCH_PROFILE_RATE=<requests/s>: a fixed rate instead of as fast as it goes, so that two builds
//     are compared at the same load (CPU per request grows when requests trickle in)
//   BENCH_PROFILE_BUNDLE=<file>: a bundle kept from an earlier run (`dashboard.js` of its temporary
//     directory) instead of bundling this build: before/after comparisons in alternation
// https://chromedevtools.github.io/devtools-protocol/tot/Profiler/
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Miniflare } from 'miniflare';
import { createSnsSigner } from 'kuratchi-sdk/email/testing';
import { ADMIN_MIGRATIONS, applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { DEMO_D1_ORGANIZATIONS, registerOrganization } from '../scripts/lib/demo-organizations.mjs';
import { freePort } from '../scripts/lib/processes.mjs';
import { bundleDashboard } from '../scripts/lib/wrangler.mjs';
import { certificateOutbound, snsBodySigner } from './events.mjs';

const WebSocket = createRequire(createRequire(import.meta.url).resolve('miniflare'))('ws');
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-bench-profile';
const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 8);
const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-profile-'));
const signer = await createSnsSigner();
if (process.env.BENCH_PROFILE_BUNDLE) copyFileSync(process.env.BENCH_PROFILE_BUNDLE, join(outdir, 'dashboard.js'));
else {
  bundleDashboard(outdir);
  copyFileSync(join(outdir, 'worker.js'), join(outdir, 'dashboard.js'));
}
console.log(`bundle: ${join(outdir, 'dashboard.js')}`);
const RATE = process.env.BENCH_PROFILE_RATE ? Number(process.env.BENCH_PROFILE_RATE) : undefined;
const inspectorPort = await freePort();
const mf = new Miniflare({
  cf: false, // the fallback `request.cf`: nothing fetched from Cloudflare
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
  inspectorPort,
  d1Databases: ['ADMIN_DB', ...DEMO_D1_ORGANIZATIONS.map((o) => o.binding)],
  r2Buckets: process.env.BENCH_PROFILE_NO_ARCHIVE ? [] : ['SES_ARCHIVE'],
  d1Persist: false,
  r2Persist: false,
  bindings: { KURATCHI_ENVIRONMENT: 'production', KURATCHI_ALLOWED_TOPIC_ARNS: TOPIC },
  queueProducers: { SES_EVENTS_QUEUE: { queueName: 'kuratchi-ses-events' } },
  outboundService: certificateOutbound(signer, TOPIC),
  handleRuntimeStdio(stdout, stderr) {
    stdout.resume();
    stderr.resume();
  },
});
try {
  const base = (await mf.ready).origin;
  const admin = await mf.getD1Database('ADMIN_DB');
  await applyMigrationFiles(admin, ADMIN_MIGRATIONS);
  const emails = [];
  for (const org of DEMO_D1_ORGANIZATIONS) {
    await applyMigrationFiles(await mf.getD1Database(org.binding), ORG_MIGRATIONS);
    await registerOrganization(admin, org);
    for (let i = 0; i < 50; i++) emails.push({ sesMessageId: `ses-${org.id}-${i}`, recipient: `u${i}@example.com` });
  }
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => /core:user/.test(t.id) || /dashboard|worker/i.test(t.title)) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const message = JSON.parse(String(data));
    pending.get(message.id)?.(message);
  });
  const cdp = (method, params = {}) =>
    new Promise((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await cdp('Profiler.enable');
  await cdp('Profiler.setSamplingInterval', { interval: 200 });
  const sign = snsBodySigner({ signer, topicArn: TOPIC, emails, prefix: 'profile' });
  const load = async (webhook, bodies) => {
    let n = 0;
    const run = await autocannon({
      url: base,
      connections: 16,
      ...(RATE ? { overallRate: RATE } : {}),
      duration: SECONDS,
      ...(webhook ? { maxOverallRequests: bodies.length } : {}),
      requests: [
        webhook
          ? {
              method: 'POST',
              path: '/api/webhooks/ses-events',
              headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
              setupRequest: (request) => ({ ...request, body: bodies[n++ % bodies.length] }),
            }
          : { method: 'GET', path: '/api/ping' },
      ],
    });
    return run;
  };
  await load(true, await sign(300)); // warm
  for (const [name, webhook] of [
    ['webhook (queued)', true],
    ['ping', false],
  ]) {
    // CPU per request first without the profiler (what the Worker costs), then a profiled run
    // (where it goes: the inspector adds its own cost, console calls included).
    const cpuPerRequest = async () => {
      const bodies = webhook ? await sign(12000) : [];
      const before = workerdCpuMs();
      const run = await load(webhook, bodies);
      const after = workerdCpuMs();
      return {
        run,
        ms: (after.all - before.all) / run.requests.total,
        main: (after.main - before.main) / run.requests.total,
      };
    };
    const plain = await cpuPerRequest();
    await cdp('Profiler.start');
    const { run, ms } = await cpuPerRequest();
    const { result } = await cdp('Profiler.stop');
    console.log(
      `\n## ${name}: workerd CPU (every isolate: the Worker, local D1, R2, Queues) ${plain.ms.toFixed(2)} ms per ` +
        `request, main thread ${plain.main.toFixed(2)} ms (${Math.round(plain.run.requests.total / plain.run.duration)}/s), ${ms.toFixed(2)} ms while ` +
        `profiled; load average ${loadavg()
          .map((n) => n.toFixed(2))
          .join(' ')}`,
    );
    summarise(name, run, result.profile);
    if (process.env.BENCH_PROFILE_OUT) {
      const file = join(
        process.env.BENCH_PROFILE_OUT,
        `${String(name).replace(/\W+/g, '-').replace(/-$/, '')}.cpuprofile`,
      );
      writeFileSync(file, JSON.stringify(result.profile));
      console.log(`profile: ${file}`);
    }
  }
  ws.close();
} finally {
  await mf.dispose();
}

/** The steps of a queued POST whose inclusive time is printed. */
function inclusiveSteps() {
  return [
    'handleSesWebhook',
    'readSnsBody',
    'verifySnsMessageWithCertificate',
    'archiveVerifiedSnsMessage',
    'archiveCertificateOf',
    'putMessage',
    'sha256Hex',
    'parseSesEvent',
    'sesEventQueueMessage',
    'queueMessageBytes',
    'enqueue',
    'webhookResponse',
    'countAfterResponse',
    'recordIngestionStats',
    'emailTracking',
    'readConfig',
    'createEmailTracking',
  ];
}

/**
 * CPU ms used so far by the workerd processes miniflare started (children of this process): all
 * their threads, and their main thread alone (the event loop that runs every isolate; the others
 * are V8's compiler and garbage collector helpers, whose share varies from run to run).
 */
function workerdCpuMs() {
  const tick = 100; // USER_HZ
  const ms = { all: 0, main: 0 };
  /** @param {string} file */
  const cpu = (file) => {
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { stat, fields, ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / tick };
  };
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const process_ = cpu(`/proc/${pid}/stat`);
      if (Number(process_.fields[1]) !== process.pid || !process_.stat.includes('(workerd)')) continue;
      ms.all += process_.ms;
      ms.main += cpu(`/proc/${pid}/task/${pid}/stat`).ms;
    } catch {
      // gone
    }
  }
  return ms;
}

/** Self time by function and by module (bundle-relative: the SDK, SvelteKit, …) from a CPU profile. */
function summarise(name, run, profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (const s of profile.samples) self.set(s, (self.get(s) ?? 0) + 1);
  const total = profile.samples.length;
  const fns = new Map();
  for (const [nodeId, count] of self) {
    const { functionName, url, lineNumber } = byId.get(nodeId).callFrame;
    const key = `${functionName || '(anonymous)'} ${url ? url.split('/').pop() : ''}:${lineNumber}`;
    fns.set(key, (fns.get(key) ?? 0) + count);
  }
  // Inclusive: each sample counts once for every distinct function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map();
  for (const [nodeId, count] of self) {
    const seen = new Set();
    for (let at = nodeId; at !== undefined; at = parent.get(at)) {
      // esbuild renames a function whose name another module also uses (`readSnsBody2`).
      const fn = byId.get(at).callFrame.functionName.replace(/\d+$/, '');
      if (fn && !seen.has(fn)) {
        seen.add(fn);
        inclusive.set(fn, (inclusive.get(fn) ?? 0) + count);
      }
    }
  }
  const busy = total - (fns.get('(idle) :-1') ?? 0);
  const requests = run.requests.total;
  console.log(
    `\n## ${name}: ${requests} requests in ${run.duration} s (${Math.round(requests / run.duration)}/s), ${total} samples`,
  );
  for (const [key, count] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`${((100 * count) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
  console.log(`inclusive, share of the busy samples (${busy}):`);
  for (const fn of inclusiveSteps()) {
    if (inclusive.has(fn)) console.log(`${((100 * inclusive.get(fn)) / busy).toFixed(1).padStart(5)} %  ${fn}`);
  }
}
