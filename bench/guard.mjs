// Benchmark: the reputation guard's cron over many organisations on Durable Objects (issue 30), in
// workerd through miniflare (local D1 for the admin database; the objects' SQLite), as the
// dashboard's `reputation-guard` job runs it: runReputationGuardSlice, KURATCHI_GUARD_ORGANIZATIONS_PER_RUN
// organisations per cron invocation, going on from the admin database's cursor until the last.
// Each organisation has 100 recipients over the week (one in 50 pauses, one in 50 warns).
// Both databases persist on disk (miniflare's d1Persist / durableObjectsPersist, under
// BENCH_GUARD_STATE_DIR, removed at the end): the seeding stops workerd to copy objects' files.
// - guard-org-calls-per-organization: calls to an organisation's database per evaluation (counted: one
//   RPC to its object carries every window's counts), target ≤ 1;
// - guard-admin-calls-per-organization: admin D1 calls per evaluation (counted: the slice's states
//   read with its organisations, then written in one batch), target ≤ 1;
// - guard-d1-queries-per-invocation / guard-subrequests-per-invocation: the most of any invocation
//   (counted), against D1's 1,000 queries and Workers' 10,000 subrequests per invocation
//   (https://developers.cloudflare.com/d1/platform/limits/, https://developers.cloudflare.com/workers/platform/limits/);
// - guard-invocations-{n}: cron invocations to evaluate every organisation once (counted);
// - guard-run-time-{n}: the time of the whole pass over every organisation (the sum of its
//   invocations), and per invocation (an upper bound of its CPU time, limit 30 s by default).
//   BENCH_GUARD_ORGANIZATIONS=10000  organisations (about 9 min on 2 shared cores: 2.5 to seed, 2 to
//                                    evaluate; the objects' files take about 4 GB while it runs)
//   BENCH_GUARD_PER_RUN=200          organisations per invocation (the setting's default)
//   BENCH_GUARD_STATE_DIR            where the databases persist (default: a new folder under the temporary one)
//   BENCH_GUARD_ROWS_PER_DAY=500     recipients a day of the rows-read organisation (then 10× as many)
// - guard-rows-read-per-evaluation / guard-rows-read-growth-10x: rows one evaluation reads (D1's
//   meta.rows_read, counted) at 10× that volume, and their growth from 1× to 10×, beside the raw
//   count the guard ran before the rollups;
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { ADMIN_MIGRATIONS, applyMigrationFiles } from '../scripts/d1-migration-files.mjs';
import { registerOrganizationStatement } from '../scripts/lib/demo-organizations.mjs';
import { bundleWorker, report, result, workerCaller } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ORGANIZATIONS = Number(process.env.BENCH_GUARD_ORGANIZATIONS ?? 10_000);
const PER_RUN = Number(process.env.BENCH_GUARD_PER_RUN ?? 200);
// Recipients a day of the rows-read organisation (then ten times as many).
const ROWS_PER_DAY = Number(process.env.BENCH_GUARD_ROWS_PER_DAY ?? 500);
const NOW = Date.UTC(2026, 10, 28, 12);
// Organisations registered per admin batch; object ids asked per call.
const SEED_CHUNK = 1000;
const label = ORGANIZATIONS >= 1000 ? `${ORGANIZATIONS / 1000}k` : String(ORGANIZATIONS);
// The three kinds of organisation (see guard-worker.mjs) and the first of each, seeded in its object.
const kindOf = (index) => (index % 50 === 7 ? 'pause' : index % 50 === 21 ? 'warn' : 'ok');
/** One organisation of each kind, by index; its object's SQLite file (`templates`) is copied to the others. */
const TEMPLATES = { ok: 0, pause: 7, warn: 21 };
/** @type {Record<string, string>} */
const templates = {};
if (ORGANIZATIONS <= TEMPLATES.warn) throw new Error('BENCH_GUARD_ORGANIZATIONS: at least 22');

const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-guard-'));
const stateDir = process.env.BENCH_GUARD_STATE_DIR
  ? join(process.env.BENCH_GUARD_STATE_DIR, `bench-guard-${process.pid}`)
  : join(outdir, 'state');
// Where miniflare keeps each object's SQLite file: `<persist>/<worker>-<class>/<object id>.sqlite`.
const objectsDir = join(stateDir, 'do', 'bench-guard-OrganizationDatabase');
// The guard's slice loads the AWS SDK (pauses at SES), whose Node parts stay `node:*` imports.
await bundleWorker(join(here, 'guard-worker.mjs'), join(outdir, 'guard-worker.js'), { node: true });
const start = () =>
  new Miniflare({
    name: 'bench-guard',
    modules: true,
    scriptPath: join(outdir, 'guard-worker.js'),
    modulesRoot: outdir,
    compatibilityDate: '2026-05-01',
    compatibilityFlags: ['nodejs_compat'],
    d1Databases: ['ADMIN_DB'],
    d1Persist: join(stateDir, 'd1'),
    durableObjects: { ORG_DO: { className: 'OrganizationDatabase', useSQLite: true } },
    durableObjectsPersist: join(stateDir, 'do'),
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.pipe(process.stderr);
    },
  });
/** @type {Miniflare | null} */
let mf = start();
let call = workerCaller(mf);

try {
  // Seeding: every organisation registered in the admin database; one of each kind seeded by SQL
  // in its object (migrations, then its emails), whose file is then copied to the others' objects
  // while workerd is stopped (generating 10,000 objects one by one took 25 min and more).
  const seeding = performance.now();
  const admin = await mf.getD1Database('ADMIN_DB');
  await applyMigrationFiles(admin, ADMIN_MIGRATIONS);
  const organizations = Array.from({ length: ORGANIZATIONS }, (_, index) => ({
    id: `org-${String(index).padStart(5, '0')}`,
    index,
  }));
  const objectIds = [];
  for (let i = 0; i < ORGANIZATIONS; i += SEED_CHUNK) {
    const chunk = organizations.slice(i, i + SEED_CHUNK);
    await admin.batch(
      chunk.map((o) =>
        registerOrganizationStatement(admin, { id: o.id, name: o.id, binding: 'ORG_DO', kind: 'durable-object' }),
      ),
    );
    objectIds.push(...(await call('/ids', { organizations: chunk.map((o) => o.id) })));
  }
  await call('/seed', { organizations: Object.values(TEMPLATES).map((index) => organizations[index]), now: NOW });
  await mf.dispose();
  mf = null;
  for (const [kind, index] of Object.entries(TEMPLATES)) {
    const template = join(objectsDir, `${objectIds[index]}.sqlite`);
    if (!existsSync(template)) throw new Error(`no object file ${template} (miniflare's layout changed?)`);
    templates[kind] = template;
  }
  // The file and its write-ahead log as workerd left them (SQLite replays the log on opening).
  organizations.forEach(({ index }) => {
    const file = join(objectsDir, `${objectIds[index]}.sqlite`);
    const template = templates[kindOf(index)];
    if (existsSync(file)) return;
    copyFileSync(template, file);
    if (existsSync(`${template}-wal`)) copyFileSync(`${template}-wal`, `${file}-wal`);
  });
  mf = start();
  call = workerCaller(mf);
  console.log(
    `• ${ORGANIZATIONS.toLocaleString('en')} Durable Object organisations, 100 recipients each, seeded in ` +
      `${((performance.now() - seeding) / 1000).toFixed(1)} s (one of each kind by SQL, its file copied to the others)`,
  );

  // One pass: invocations until the slice reaches the last organisation.
  const invocations = [];
  do {
    invocations.push(await call('/run', { now: NOW + invocations.length * 600_000, limit: PER_RUN }));
  } while (!invocations.at(-1).last);
  const sum = (key) => invocations.reduce((n, i) => n + i[key], 0);
  const most = (key) => Math.max(...invocations.map((i) => i[key]));
  const evaluated = sum('organizations');
  const failures = invocations.flatMap((i) => i.failures);
  const states = {};
  for (const i of invocations)
    for (const [state, n] of Object.entries(i.states)) states[state] = (states[state] ?? 0) + n;
  console.log(
    `• one pass: ${invocations.length} invocations of ≤ ${PER_RUN}, ${evaluated.toLocaleString('en')} evaluated ` +
      `(${Object.entries(states)
        .map(([s, n]) => `${n} ${s}`)
        .join(
          ', ',
        )}), ${(sum('ms') / 1000).toFixed(1)} s in all, the longest invocation ${most('ms').toFixed(0)} ms; ` +
      `calls: ${sum('org')} to organisations, ${sum('admin')} to the admin database`,
  );
  if (failures.length) throw new Error(`evaluations failed: ${failures.slice(0, 5).join('; ')}`);
  if (evaluated !== ORGANIZATIONS) throw new Error(`${evaluated} organisations evaluated, not ${ORGANIZATIONS}`);
  const expected = { paused: Math.ceil((ORGANIZATIONS - 7) / 50), warn: Math.ceil((ORGANIZATIONS - 21) / 50) };
  if (states.paused !== expected.paused || states.warn !== expected.warn)
    throw new Error(`states ${JSON.stringify(states)}, expected ${JSON.stringify(expected)} paused / warn`);

  // Rows one evaluation reads as the window's volume grows tenfold (its own organisations), now on
  // the hour and half past it (the window's first hour is then partly raw rows).
  const volumes = [];
  const midHour = [];
  for (const perDay of [ROWS_PER_DAY, ROWS_PER_DAY * 10]) {
    volumes.push({ perDay, ...(await call('/rows', { now: NOW, perDay })) });
    midHour.push({ perDay, ...(await call('/rows', { now: NOW + 1_800_000, perDay, name: `rows-mid-${perDay}` })) });
  }
  for (const { when, measured } of [
    { when: 'on the hour', measured: volumes },
    { when: 'half past', measured: midHour },
  ])
    console.log(
      `• rows read per evaluation, ${when}: ${measured
        .map(
          (v) =>
            `${v.perDay.toLocaleString('en')} recipients a day: ${v.rows} [per statement: ${v.perStatement.join(' + ')}] ` +
            `(the raw count: ${v.rawRows})`,
        )
        .join('; ')}`,
    );

  const rows = [
    result(
      'guard-org-calls-per-organization',
      `Reputation guard: calls to an organisation's database (Durable Object RPC) per evaluation, ${label} organisations`,
      'calls',
      sum('org') / evaluated,
      sum('org'),
      'calls of the whole pass',
      '≤ 1 calls',
      2,
    ),
    result(
      'guard-admin-calls-per-organization',
      "Reputation guard: admin D1 calls per evaluation (a slice's states read with its organisations, written in one batch)",
      'calls',
      sum('admin') / evaluated,
      sum('admin'),
      'calls of the whole pass',
      '≤ 1 calls',
      3,
    ),
    result(
      'guard-d1-queries-per-invocation',
      `Reputation guard: D1 calls of the busiest invocation (${PER_RUN} organisations per invocation)`,
      'queries',
      most('admin'),
      1000,
      "D1's limit per Worker invocation",
      '≤ 1000 queries',
      0,
    ),
    result(
      'guard-subrequests-per-invocation',
      'Reputation guard: subrequests (D1 calls and object RPCs) of the busiest invocation',
      'subrequests',
      Math.max(...invocations.map((i) => i.admin + i.org)),
      10_000,
      "Workers Paid's limit per invocation",
      '≤ 10000 subrequests',
      0,
    ),
    result(
      `guard-invocations-${label}`,
      `Reputation guard: cron invocations to evaluate ${label} organisations once`,
      'invocations',
      invocations.length,
      Math.ceil(ORGANIZATIONS / PER_RUN),
      `⌈organisations / ${PER_RUN}⌉`,
      null,
      0,
    ),
    result(
      `guard-run-time-${label}`,
      `Reputation guard: time of one pass over ${label} organisations (the sum of its invocations)`,
      'ms',
      sum('ms'),
      most('ms'),
      'the longest invocation (bounds its CPU time; limit 30 s by default)',
      null,
      0,
    ),
    result(
      'guard-rows-read-per-evaluation',
      `Reputation guard: rows read by one evaluation, ${(ROWS_PER_DAY * 10).toLocaleString('en')} recipients a day`,
      'rows',
      volumes[1].rows,
      volumes[1].rawRows,
      'the raw count of the window before the rollups, same data',
      null,
      0,
    ),
    result(
      'guard-rows-read-growth-10x',
      'Reputation guard: rows read per evaluation at 10× the volume, over 1× (days and hours read from the rollups)',
      '×',
      volumes[1].rows / volumes[0].rows,
      volumes[1].rawRows / volumes[0].rawRows,
      "the raw count's growth",
      '≤ 1.5 ×',
      2,
    ),
    result(
      'guard-rows-read-growth-10x-mid-hour',
      "Reputation guard: the same, now half past the hour (the window's first hour partly read from raw rows)",
      '×',
      midHour[1].rows / midHour[0].rows,
      midHour[1].rawRows / midHour[0].rawRows,
      "the raw count's growth",
      null,
      2,
    ),
  ];
  report(rows);
} finally {
  await mf?.dispose();
  rmSync(outdir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
}
