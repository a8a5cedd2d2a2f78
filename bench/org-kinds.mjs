// Benchmark: organisations on D1 bindings vs on SQLite-backed Durable Objects (issue 16), in
// workerd through miniflare (local D1; the objects' SQLite), same run, same SDK code:
// - org-kinds-log-1m-first-page: the email log's first page (createD1EmailQueries().listEmails,
//   50 rows, newest first) at 1M emails, on a Durable Object (through durableObjectDatabase: one
//   RPC call per query) vs on D1. Both filled with the same generated rows (bench/email-rows.mjs),
//   both pages checked equal.
// - org-kinds-batch-100-round-trips / org-kinds-batch-100-time: one queue batch of 100 SES events
//   of one organisation through the consumer (consumeSesEventQueue, as the dashboard's `queue`
//   handler runs it): round trips to the organisation's database, counted (D1: one per batch or
//   statement call; object: one per RPC call), and the time per batch.
// - org-kinds-consumer-50-orgs: the consumer's throughput, events applied per second, with the
//   events of each batch spread over 50 organisations of one kind.
//   BENCH_ORG_KINDS_EMAILS=1000000   emails of the log rows;  BENCH_ORG_KINDS_ROUNDS=5   rounds
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { durableObjectDatabase } from 'kuratchi-sdk/internal/d1';
import { sesEventQueueMessage } from 'kuratchi-sdk/internal/events';
import { ADMIN_MIGRATIONS, applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { registerOrganizationStatement } from '../scripts/lib/demo-organizations.mjs';
import { insertEmails } from './email-rows.mjs';
import { BENCH_EVENT_TYPES, benchSesEvent } from './events.mjs';
import { bundleWorker, compareInRounds, outcomesText, report, result, workerCaller } from './lib.mjs';
import { suspendSearchIndex } from './search-queries.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const LOG_EMAILS = Number(process.env.BENCH_ORG_KINDS_EMAILS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ORG_KINDS_ROUNDS ?? 5);
const ORGANIZATIONS_PER_KIND = 50;
const EMAILS_PER_ORGANIZATION = 20;
const BATCH = 100;
/** Events per throughput sample (10 batches of 100, each spread over the 50 organisations). */
const THROUGHPUT_EVENTS = 1000;
const INSERT_CHUNK = 100_000;
const LOG_ORGANIZATION = 'org-log-1m';
const pad = (n) => String(n).padStart(2, '0');
const KINDS = {
  d1: Array.from({ length: ORGANIZATIONS_PER_KIND }, (_, n) => ({
    id: `org-d1-${pad(n)}`,
    kind: /** @type {const} */ ('d1'),
    binding: `ORG_D1_${pad(n)}`,
  })),
  'durable-object': Array.from({ length: ORGANIZATIONS_PER_KIND }, (_, n) => ({
    id: `org-do-${pad(n)}`,
    kind: /** @type {const} */ ('durable-object'),
    binding: 'ORG_DO',
  })),
};

const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-org-kinds-'));
await bundleWorker(join(here, 'org-kinds-worker.mjs'), join(outdir, 'org-kinds-worker.js'));
const mf = new Miniflare({
  name: 'bench-org-kinds',
  modules: true,
  scriptPath: join(outdir, 'org-kinds-worker.js'),
  modulesRoot: outdir,
  compatibilityDate: '2026-05-01',
  compatibilityFlags: ['nodejs_compat'],
  d1Databases: ['ADMIN_DB', 'LOG_D1', ...KINDS.d1.map((o) => o.binding)],
  d1Persist: false,
  durableObjects: { ORG_DO: { className: 'OrganizationDatabase', useSQLite: true } },
  durableObjectsPersist: false,
  handleRuntimeStdio(stdout, stderr) {
    stdout.resume();
    stderr.pipe(process.stderr);
  },
});

const call = workerCaller(mf);
const rows = [];

try {
  // ── Databases: admin, the 50 D1 organisations and the log's D1 migrated; the objects migrate
  // themselves on first use.
  const started = performance.now();
  const admin = await mf.getD1Database('ADMIN_DB');
  await applyMigrationFiles(admin, ADMIN_MIGRATIONS);
  for (const binding of ['LOG_D1', ...KINDS.d1.map((o) => o.binding)]) {
    await applyMigrationFiles(await mf.getD1Database(binding), ORG_MIGRATIONS);
  }
  await admin.batch(
    [...KINDS.d1, ...KINDS['durable-object']].map((o) => registerOrganizationStatement(admin, { ...o, name: o.id })),
  );
  const seeded = {};
  for (const [kind, organizations] of Object.entries(KINDS)) {
    seeded[kind] = (await call('/seed', { organizations, emailsPerOrganization: EMAILS_PER_ORGANIZATION })).emails;
  }
  console.log(
    `• ${ORGANIZATIONS_PER_KIND} organisations of each kind, ${EMAILS_PER_ORGANIZATION} emails each, ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  // ── The email log at 1M emails on each kind.
  const namespace = await mf.getDurableObjectNamespace('ORG_DO');
  const logDatabases = {
    d1: await mf.getD1Database('LOG_D1'),
    // miniflare types its stub with its own copy of the Workers types; it is the object's RPC stub.
    'durable-object': durableObjectDatabase(/** @type {any} */ (namespace.get(namespace.idFromName(LOG_ORGANIZATION)))),
  };
  for (const [kind, db] of Object.entries(logDatabases)) {
    const filling = performance.now();
    // Both without the search index (its triggers would triple the fill; the first page does not read it).
    await suspendSearchIndex(db);
    for (let from = 0; from < LOG_EMAILS; from += INSERT_CHUNK)
      await insertEmails(db, from, Math.min(from + INSERT_CHUNK, LOG_EMAILS), LOG_EMAILS);
    await db.prepare('ANALYZE').run();
    const count = Number(await db.prepare('SELECT count(*) AS n FROM emails').first('n'));
    console.log(
      `• ${kind}: ${count.toLocaleString('en')} emails filled in ${((performance.now() - filling) / 1000).toFixed(1)} s`,
    );
    if (count !== LOG_EMAILS) throw new Error(`${kind}: ${count} emails, not ${LOG_EMAILS}`);
  }
  const pages = await Promise.all(['d1', 'durable-object'].map((kind) => call('/log', { kind, repeat: 1 })));
  if (pages[0].ids.length !== 50 || pages[0].ids.join() !== pages[1].ids.join()) {
    throw new Error('the first page differs between the two kinds');
  }
  const repeat = 50;
  const log = await compareInRounds(
    {
      'durable-object': () => call('/log', { kind: 'durable-object', repeat }),
      d1: () => call('/log', { kind: 'd1', repeat }),
    },
    { rounds: ROUNDS, measure: async (run) => (await run()).ms / repeat },
  );
  console.log(
    `• log first page at ${LOG_EMAILS.toLocaleString('en')}: object ${log['durable-object'].toFixed(3)} ms, D1 ${log.d1.toFixed(3)} ms`,
  );
  rows.push(
    result(
      'org-kinds-log-1m-first-page',
      `Email log first page at ${LOG_EMAILS.toLocaleString('en')} emails: Durable Object (one RPC per query) vs D1`,
      'ms/query',
      log['durable-object'],
      log.d1,
      'the same listEmails on a D1 binding, same rows',
      '≤ 1.5',
      3,
    ),
  );

  // ── A batch of 100 events of one organisation, and the consumer over 50 organisations.
  let sns = 0;
  /** Queue bodies of `n` distinct SES events, round-robin over `emails`. */
  const bodies = (emails, n) =>
    Array.from({ length: n }, () => {
      const i = sns++;
      const email = emails[i % emails.length];
      return sesEventQueueMessage({
        MessageId: `sns-${i}`,
        Timestamp: new Date().toISOString(),
        Message: JSON.stringify(
          benchSesEvent(i, email, BENCH_EVENT_TYPES[Math.floor(i / emails.length) % BENCH_EVENT_TYPES.length]),
        ),
      });
    });
  const firstOrganization = (kind) => seeded[kind].filter((e) => e.organizationId === KINDS[kind][0].id);
  const consume = async (kind, emails, n) => {
    const answer = await call('/consume', { messages: bodies(emails, n), batchSize: BATCH });
    if ((answer.outcomes.applied ?? 0) !== n)
      throw new Error(`${kind}: not every event applied: ${outcomesText(answer.outcomes)}`);
    return answer;
  };
  // Warm: an event for every email, so every organisation's location is cached and every object started.
  for (const kind of Object.keys(KINDS)) await consume(kind, seeded[kind], seeded[kind].length);

  const counted = {};
  for (const kind of Object.keys(KINDS)) counted[kind] = await consume(kind, firstOrganization(kind), BATCH);
  for (const [kind, answer] of Object.entries(counted)) {
    console.log(
      `• one batch of ${BATCH} events of one organisation on ${kind}: ${answer.org} round trips to its database, ` +
        `${answer.admin} to the admin database, ${answer.ms.toFixed(1)} ms`,
    );
  }
  rows.push(
    result(
      'org-kinds-batch-100-round-trips',
      `Batch of ${BATCH} events of one organisation: round trips to its database, Durable Object vs D1 (counted)`,
      'round trips',
      counted['durable-object'].org,
      counted.d1.org,
      'D1 batches of the same events',
      '≤ 1 round trips',
      0,
    ),
  );
  const batchTimes = await compareInRounds(
    {
      'durable-object': () => consume('durable-object', firstOrganization('durable-object'), BATCH),
      d1: () => consume('d1', firstOrganization('d1'), BATCH),
    },
    { rounds: ROUNDS, measure: async (run) => (await run()).ms },
  );
  console.log(
    `• batch of ${BATCH}: object ${batchTimes['durable-object'].toFixed(1)} ms, D1 ${batchTimes.d1.toFixed(1)} ms`,
  );
  rows.push(
    result(
      'org-kinds-batch-100-time',
      `Batch of ${BATCH} events of one organisation through the consumer: Durable Object vs D1`,
      'ms/batch',
      batchTimes['durable-object'],
      batchTimes.d1,
      'the same batch on a D1 binding',
      '≤ 1.5',
      1,
    ),
  );

  const speeds = await compareInRounds(
    {
      'durable-object': () => consume('durable-object', seeded['durable-object'], THROUGHPUT_EVENTS),
      d1: () => consume('d1', seeded.d1, THROUGHPUT_EVENTS),
    },
    { rounds: ROUNDS, measure: async (run) => THROUGHPUT_EVENTS / ((await run()).ms / 1000) },
  );
  console.log(
    `• consumer, ${THROUGHPUT_EVENTS} events per sample over ${ORGANIZATIONS_PER_KIND} organisations: ` +
      `objects ${Math.round(speeds['durable-object'])} events/s, D1 ${Math.round(speeds.d1)} events/s`,
  );
  rows.push(
    result(
      'org-kinds-consumer-50-orgs',
      `Consumer throughput, batches of ${BATCH} spread over ${ORGANIZATIONS_PER_KIND} organisations: Durable Objects vs D1 bindings`,
      'events/s',
      speeds['durable-object'],
      speeds.d1,
      `${ORGANIZATIONS_PER_KIND} organisations on D1 bindings, same events`,
      '≥ 0.8',
      0,
    ),
  );
  report(rows);
} finally {
  await mf.dispose();
  rmSync(outdir, { recursive: true, force: true });
}
