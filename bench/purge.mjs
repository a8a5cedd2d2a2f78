// Benchmark: the retention-purge job (issue 30). An organisation with BENCH_PURGE_EMAILS emails
// past its retention (each with a CC recipient, three events, its search row and its route) and
// as many within it; the job's run (runRetentionPurge) is invoked with the least share of the
// cron's queries the dashboard's retention-purge job gets (PURGE_FLOOR) until nothing past the
// retention is left, in workerd (miniflare, local D1).
// - purge-queries-per-invocation: the most queries one invocation sent, counted by wrapping the
//   D1 bindings as D1 counts them (one per statement, batches included; bench/purge-worker.mjs);
//   against D1's 1,000 queries per Worker invocation. Target ≤ 1,000.
// - purge-emails-per-day-floor: emails the first (full) invocation purged × 144 cron runs a day
//   (every 10 minutes), against the largest row of docs/capacity.md (1,000,000 emails a day).
// - purge-rows-removed-per-second: rows deleted (emails, recipients, events, search rows, routes)
//   per second of invocation time, against the rows inserted per second by the same seed (a
//   baseline for this machine's local D1; no target).
// https://developers.cloudflare.com/d1/platform/limits/
//   BENCH_PURGE_EMAILS=20000
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { ADMIN_MIGRATIONS, applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { registerOrganization, demoOrganization } from '../scripts/lib/demo-organizations.mjs';
import { bundleWorker, report, result, workerCaller } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const EMAILS = Number(process.env.BENCH_PURGE_EMAILS ?? 20_000);
const NOW = Date.UTC(2026, 11, 1);
/** The retention-purge job's `queries` (apps/dashboard/src/lib/server/retention/job.ts). */
const PURGE_FLOOR = 120;
/** Cron runs a day: every 10 minutes (apps/dashboard wrangler.toml crons). */
const RUNS_PER_DAY = 144;

const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-purge-'));
await bundleWorker(join(here, 'purge-worker.mjs'), join(outdir, 'purge-worker.js'));
const mf = new Miniflare({
  modules: true,
  scriptPath: join(outdir, 'purge-worker.js'),
  modulesRoot: outdir,
  compatibilityDate: '2026-05-01',
  d1Databases: ['ADMIN_DB', 'ORG_DB_ACME'],
  d1Persist: false,
});
try {
  const admin = await mf.getD1Database('ADMIN_DB');
  await applyMigrationFiles(admin, ADMIN_MIGRATIONS);
  await applyMigrationFiles(await mf.getD1Database('ORG_DB_ACME'), ORG_MIGRATIONS);
  await registerOrganization(admin, demoOrganization('org-acme'));
  const call = workerCaller(mf);
  const total = (rows) => Object.values(rows).reduce((a, b) => a + b, 0);

  const seedStarted = performance.now();
  await call('/seed', { prefix: 'old', count: EMAILS, ageDays: 40, now: NOW });
  const seedMs = performance.now() - seedStarted;
  await call('/seed', { prefix: 'new', count: EMAILS, ageDays: 5, now: NOW });
  const before = await call('/rows', {});
  const insertedPerSecond = total(before) / 2 / (seedMs / 1000);

  let invocations = 0;
  let maxQueries = 0;
  let firstEmails = 0;
  let purgeMs = 0;
  for (;;) {
    const started = performance.now();
    const run = await call('/purge', { now: NOW, queries: PURGE_FLOOR });
    if (invocations === 0) firstEmails = run.emailsDeleted;
    purgeMs += performance.now() - started;
    invocations++;
    if (run.counted !== run.queries)
      throw new Error(`the run says ${run.queries} queries, the bindings counted ${run.counted}`);
    maxQueries = Math.max(maxQueries, run.counted);
    if (run.caughtUp === 1 && run.left === 0) break;
    if (invocations > 10_000) throw new Error('the purge never caught up');
  }
  const after = await call('/rows', {});
  if (after.emails !== EMAILS) throw new Error(`${after.emails} emails left, ${EMAILS} expected (the newer ones)`);
  const removed = total(before) - total(after);
  const perSecond = removed / (purgeMs / 1000);
  console.log(
    `  ${EMAILS.toLocaleString('en')} emails past retention: ${invocations} invocations, at most ${maxQueries} queries each, ` +
      `${removed.toLocaleString('en')} rows removed in ${(purgeMs / 1000).toFixed(1)} s (${Math.round(perSecond)} rows/s; ` +
      `the seed inserted ${Math.round(insertedPerSecond)} rows/s)`,
  );
  report([
    result(
      'purge-queries-per-invocation',
      `Retention purge of ${EMAILS.toLocaleString('en')} old emails: most D1 queries in one invocation (counted)`,
      'queries',
      maxQueries,
      1000,
      "D1's limit per invocation",
      '≤ 1000 queries',
      0,
    ),
    result(
      'purge-emails-per-day-floor',
      `Retention purge: emails one cron invocation purges at its least share (${PURGE_FLOOR} queries, counted) × ${RUNS_PER_DAY} runs a day`,
      'emails/day',
      firstEmails * RUNS_PER_DAY,
      1_000_000,
      "docs/capacity.md's largest row",
      '≥ 1',
      0,
    ),
    result(
      'purge-rows-removed-per-second',
      'Retention purge: rows removed per second (emails, recipients, events, search rows, routes)',
      'rows/s',
      perSecond,
      insertedPerSecond,
      'rows inserted per second by the seed',
      null,
      0,
    ),
  ]);
} finally {
  await mf.dispose();
  rmSync(outdir, { recursive: true, force: true });
}
