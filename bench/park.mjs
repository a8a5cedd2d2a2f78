// Benchmark: D1 round trips of one SNS POST to the webhook of the built dashboard Worker (the
// `wrangler deploy --dry-run` bundle, in workerd through miniflare, local D1) while 0, 100 and
// 1,000 events of the same SES message are held. Counted, not timed: bench/park-worker.mjs wraps
// the D1 bindings and counts every call (a batch is one). Two cases: the message's lookup row
// names an email row that was deleted (its events are orphaned; before the bounded park each POST
// re-tried every held event: 10, 250 and 2,010 round trips), and a message with no lookup row
// (parked). Ratio = round trips with 100 or 1,000 held / with none; target ≤ 1.5.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { buildSesEvent, createSnsSigner } from 'kuratchi-sdk/email/testing';
import { ADMIN_MIGRATIONS, applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { demoOrganization, registerOrganization } from '../scripts/lib/demo-organizations.mjs';
import { bundleDashboard } from '../scripts/lib/wrangler.mjs';
import { certificateOutbound } from './events.mjs';
import { report, result } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const HELD = [0, 100, 1000];
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-bench-park';
const NOW = Date.now();

const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-park-'));
bundleDashboard(outdir);
copyFileSync(join(outdir, 'worker.js'), join(outdir, 'dashboard.js'));
for (const file of ['park-worker.mjs', 'counting-d1.mjs']) copyFileSync(join(here, file), join(outdir, file));

const signer = await createSnsSigner();
const module = (name) => ({
  type: 'ESModule',
  path: join(outdir, name),
  contents: readFileSync(join(outdir, name), 'utf8'),
});
const mf = new Miniflare({
  // The bundle as modules, as wrangler dev hands them over.
  modules: [module('park-worker.mjs'), module('counting-d1.mjs'), module('dashboard.js')],
  modulesRoot: outdir,
  compatibilityDate: '2026-05-01',
  d1Databases: ['ADMIN_DB', 'ORG_DB_ACME', 'ORG_DB_GLOBEX'],
  d1Persist: false,
  bindings: { KURATCHI_ENVIRONMENT: 'production', KURATCHI_ALLOWED_TOPIC_ARNS: TOPIC },
  // The Worker's only outbound request: the signing certificate at its SNS URL.
  outboundService: certificateOutbound(signer, TOPIC),
  // The Worker's one log line per POST is not this benchmark's output; its errors still show.
  handleRuntimeStdio(stdout, stderr) {
    stdout.resume();
    stderr.pipe(process.stderr);
  },
});

try {
  const admin = await mf.getD1Database('ADMIN_DB');
  const acme = await mf.getD1Database('ORG_DB_ACME');
  await applyMigrationFiles(admin, ADMIN_MIGRATIONS);
  await applyMigrationFiles(acme, ORG_MIGRATIONS);
  await registerOrganization(admin, demoOrganization('org-acme'));

  const cases = {
    orphaned: { label: 'lookup row of a deleted email (orphaned)', route: true },
    parked: { label: 'no lookup row yet (parked)', route: false },
  };
  const results = [];
  for (const [key, scenario] of Object.entries(cases)) {
    const counts = {};
    for (const held of HELD) {
      const sesMessageId = `ses-bench-${key}-${held}`;
      if (scenario.route)
        await admin
          .prepare("INSERT INTO email_message_lookup VALUES (?, 'org-acme', ?, 0)")
          .bind(sesMessageId, `deleted-${held}`)
          .run();
      await fill(admin, sesMessageId, held);
      const { trips, outcome } = await post(sesMessageId);
      counts[held] = trips;
      console.log(`  ${scenario.label}, ${String(held).padStart(5)} held: ${trips} D1 round trips (${outcome})`);
    }
    for (const held of HELD.slice(1)) {
      // One POST carries one SES event, so the count per POST is the count per event.
      results.push(
        result(
          `park-d1-round-trips-${key}-${held}`,
          `Webhook POST, ${scenario.label}: D1 round trips with ${held.toLocaleString('en')} held vs none`,
          'D1 round trips/event',
          counts[held],
          counts[0],
          'same POST with 0 held',
          '≤ 1.5',
          0,
        ),
      );
    }
  }
  report(results);
} finally {
  await mf.dispose();
}

/** POSTs one signed Open of the message as SNS does; the round trips the Worker made for it. */
async function post(sesMessageId) {
  const event = buildSesEvent({ eventType: 'Open', messageId: sesMessageId, time: new Date(NOW - 60_000) });
  const body = JSON.stringify(
    await signer.sign({
      Type: 'Notification',
      MessageId: `sns-${sesMessageId}-${crypto.randomUUID()}`,
      TopicArn: TOPIC,
      Message: JSON.stringify(event),
      Timestamp: new Date(NOW).toISOString(),
    }),
  );
  const response = await mf.dispatchFetch('http://127.0.0.1/api/webhooks/ses-events', {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
    body,
  });
  const answer = /** @type {{ outcome: string }} */ (await response.json());
  if (response.status !== 200) throw new Error(`the webhook answered ${response.status}: ${JSON.stringify(answer)}`);
  return { trips: Number(response.headers.get('x-d1-round-trips')), outcome: answer.outcome };
}

/** Holds `n` events of a message directly (as earlier POSTs would have), 500 rows a batch. */
async function fill(db, sesMessageId, n) {
  const message = JSON.stringify(
    buildSesEvent({ eventType: 'Open', messageId: sesMessageId, time: new Date(NOW - 3_600_000) }),
  );
  for (let i = 0; i < n; i += 500) {
    const statements = [];
    for (let j = i; j < Math.min(n, i + 500); j++) {
      statements.push(
        db
          .prepare(
            'INSERT INTO parked_email_events (sns_message_id, ses_message_id, message, parked_at) VALUES (?, ?, ?, ?)',
          )
          .bind(`held-${sesMessageId}-${j}`, sesMessageId, message, NOW - 60_000),
      );
    }
    await db.batch(statements);
  }
}
