// Benchmark: the overview's figures (issue 30). One organisation's log of a year (bench/email-rows.mjs)
// with an Open event per opened email and a Click per clicked one (a machine's one in five), all
// generated inside SQLite; then the daily rollups (migrations/org/0011_daily_rollups.sql) are
// filled by the rollup-backfill job's slices (their triggers, which keep them per row, are dropped
// during the fill, as the search index's are: tested per event in routing/rollups.test.ts). Then the overview's reads of 30 days (daily stats, top links,
// verdict counts), in workerd next to the D1 database (bench/overview-worker.mjs), three ways: as the
// overview runs them (from the rollups), the bare read of the same days' rollup rows, and counted
// from raw rows as before the rollups (with the two indexes those counts had). Before timing, the
// figures of the rollups must equal the raw counts (the benchmark fails otherwise). Rows:
// - overview-<size>-rollups-vs-rollup-rows: ms of the overview's reads / ms of the bare read (≤ 2);
// - overview-<size>-raw-vs-rollups: ms of the raw counts / ms of the overview's reads (≥ 20).
//   BENCH_OVERVIEW_EMAILS=1000000   emails (10000000 for the 10M proof: ~10× the fill time)
//   BENCH_OVERVIEW_RAW_ROUNDS=3     samples of the raw counts when one takes over a second
//   BENCH_FILL_DIR=<dir>            on disk: the database bench/org-fill.mjs fills once there and
//                                   keeps (the same as bench/queries.mjs's, with the search index
//                                   and every trigger); the two raw-count indexes are made for the
//                                   run and dropped after it
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ROLLUP_BACKFILL_SLICE, rollupBackfillSlice } from 'kuratchi-sdk/internal/d1';
import { Miniflare } from 'miniflare';
import { applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { bundleWorker, compareInRounds, median, report, result } from './lib.mjs';
import { insertEmails, insertEvents, NOW } from './email-rows.mjs';
import { filledOrganization } from './org-fill.mjs';
import { suspendSearchIndex } from './search-queries.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SIZE = Number(process.env.BENCH_OVERVIEW_EMAILS ?? 1_000_000);
const FILL_DIR = process.env.BENCH_FILL_DIR;
const CHUNK = 100_000;
const ROUNDS = 7;
/** Samples of the raw counts when one call takes over a second: each is one call. */
const RAW_ROUNDS = Number(process.env.BENCH_OVERVIEW_RAW_ROUNDS ?? 3);
/** Sequential calls per sample: enough for ~150 ms, 3 to 100. */
const SAMPLE_MS = 150;

const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-overview-'));
await bundleWorker(join(here, 'overview-worker.mjs'), join(outdir, 'overview-worker.js'));
const kept = FILL_DIR ? await filledOrganization(SIZE, FILL_DIR) : null;
const mf = new Miniflare({
  modules: true,
  scriptPath: join(outdir, 'overview-worker.js'),
  modulesRoot: outdir,
  compatibilityDate: '2026-05-01',
  d1Databases: ['DB'],
  d1Persist: kept?.persist ?? false,
});
// The raw counts as they ran before the rollups, with the indexes they had (0002, 0008).
const RAW_INDEXES = [
  `CREATE INDEX email_events_clicks_by_time ON email_events (occurred_at, link) WHERE event_type = 'Click'`,
  `CREATE INDEX email_events_verdicts_by_time ON email_events (occurred_at, engagement, engagement_rule) WHERE engagement IS NOT NULL`,
];
const rawIndexNames = RAW_INDEXES.map((sql) => sql.split(' ')[2]);
try {
  const db = await mf.getD1Database('DB');
  /** @type {(body: object) => Promise<any>} the worker's JSON answer */
  const worker = async (body) => {
    const response = await mf.dispatchFetch('http://bench.local/', {
      method: 'POST',
      body: JSON.stringify({ now: NOW, ...body }),
    });
    if (!response.ok) throw new Error(`the bench Worker answered ${response.status}: ${await response.text()}`);
    return response.json();
  };
  let filled;
  let backfilled;
  /** The longest backfill slice (ms); none for a kept fill, backfilled by the sqlite3 shell. */
  let longestSlice = 0;
  if (kept) {
    filled = kept.fill.seconds.total;
    backfilled = kept.fill.seconds['rollups backfill'];
    // A kept fill is the migrated schema: these two go again at the end (a crashed run's are reused).
    await db.batch(RAW_INDEXES.map((sql) => db.prepare(sql.replace('CREATE INDEX', 'CREATE INDEX IF NOT EXISTS'))));
    for (const name of rawIndexNames) await db.prepare(`ANALYZE ${name}`).run();
  } else {
    await applyMigrationFiles(db, ORG_MIGRATIONS);
    // Neither the search index, the rollups' triggers nor the feed's positions are what this
    // measures: they only add fill time.
    await suspendSearchIndex(db);
    const { results: triggers } = await db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'trigger'
           AND (name LIKE 'email_rollups_%' OR name LIKE 'email_events_%position_after_insert')`,
      )
      .all();
    for (const { name } of triggers) await db.prepare(`DROP TRIGGER ${name}`).run();
    await db.prepare('DELETE FROM email_rollups').run();
    const started = performance.now();
    for (let from = 0; from < SIZE; from += CHUNK) {
      await insertEmails(db, from, Math.min(from + CHUNK, SIZE), SIZE);
      await insertEvents(db, from, Math.min(from + CHUNK, SIZE));
    }
    filled = (performance.now() - started) / 1000;
    // The rollup-backfill job's slices (routing/rollup-backfill.ts) over every email, as after org
    // migration 0011 left its marker; the longest slice must stay far below D1's 30 s a query.
    await db
      .prepare('INSERT INTO email_rollups_backfill (id, high_water, cursor) SELECT 1, max(rowid), 0 FROM emails')
      .run();
    const backfilling = performance.now();
    for (let from = 0, to; (await db.prepare('SELECT 1 FROM email_rollups_backfill').first()) !== null; from = to) {
      to = from + DEFAULT_ROLLUP_BACKFILL_SLICE;
      const slice = performance.now();
      await db.batch(rollupBackfillSlice(db, from, to));
      longestSlice = Math.max(longestSlice, performance.now() - slice);
    }
    backfilled = (performance.now() - backfilling) / 1000;
    await db.batch(RAW_INDEXES.map((sql) => db.prepare(sql)));
    await db.prepare('ANALYZE').run();
  }
  const count = (sql) => db.prepare(sql).first('n').then(Number);
  const [emails, events, rollupRows] = await Promise.all([
    count('SELECT count(*) AS n FROM emails'),
    count('SELECT count(*) AS n FROM email_events'),
    count('SELECT count(*) AS n FROM email_rollups'),
  ]);
  console.log(
    `• ${emails.toLocaleString('en')} emails, ${events.toLocaleString('en')} events, ${rollupRows.toLocaleString('en')} rollup rows ` +
      `(filled in ${filled.toFixed(1)} s; backfilled in ${backfilled.toFixed(1)} s, slices of ${DEFAULT_ROLLUP_BACKFILL_SLICE} emails, the longest ${longestSlice.toFixed(0)} ms)`,
  );

  // The rollups' figures are the raw counts' (top links: clicks only; the raw query also counted emails).
  const check = await worker({ run: 'check' });
  const links = (list) => list.map(({ link, humanClicks, machineClicks }) => ({ link, humanClicks, machineClicks }));
  const stats = check.rollups.stats.map((day) =>
    Object.fromEntries(Object.keys(check.raw.stats[0]).map((key) => [key, day[key]])),
  );
  for (const [what, ours, theirs] of [
    ['daily stats', stats, check.raw.stats],
    ['top links', links(check.rollups.links), links(check.raw.links)],
    ['verdict counts', check.rollups.verdicts, check.raw.verdicts],
  ]) {
    if (JSON.stringify(ours) !== JSON.stringify(theirs))
      throw new Error(`${what}: the rollups say ${JSON.stringify(ours)}, the raw rows ${JSON.stringify(theirs)}`);
  }
  const sent = check.raw.stats.reduce((n, day) => n + day.sent, 0);
  console.log(`  the rollups equal the raw counts over 30 days (${sent.toLocaleString('en')} emails sent)`);

  const repeatFor = async (run) => {
    const probe = await worker({ run, repeat: 1 });
    return { probe: probe.ms, repeat: Math.min(100, Math.max(3, Math.round(SAMPLE_MS / Math.max(probe.ms, 0.05)))) };
  };
  const contenders = (runs) =>
    Object.fromEntries(Object.entries(runs).map(([run, { repeat }]) => [run, () => worker({ run, repeat })]));
  const measure = async (run) => (await run()).ms;
  const raw = await repeatFor('raw');
  // Raw counts of seconds each (10M emails) are timed one call per sample, in RAW_ROUNDS rounds.
  const slow = raw.probe > 1000;
  const runs = { rollups: await repeatFor('rollups'), rows: await repeatFor('rows'), ...(slow ? {} : { raw }) };
  const rawMedian = async () => {
    const samples = [];
    for (let i = 0; i < RAW_ROUNDS; i++) samples.push((await worker({ run: 'raw', repeat: 1 })).ms);
    return median(samples);
  };
  /** @type {Record<string, number>} */
  const medians = {
    ...(await compareInRounds(contenders(runs), { rounds: ROUNDS, measure })),
    // (the probe was their warm-up)
    ...(slow ? { raw: await rawMedian() } : {}),
  };
  console.log(
    `  overview from rollups ${medians.rollups.toFixed(3)} ms, rollup rows alone ${medians.rows.toFixed(3)} ms, ` +
      `raw counts ${medians.raw.toFixed(1)} ms`,
  );
  const label = SIZE >= 1_000_000 ? `${SIZE / 1_000_000}m` : `${SIZE / 1000}k`;
  report([
    result(
      `overview-${label}-rollups-vs-rollup-rows`,
      `Overview (30 days: daily stats, top links, verdicts) at ${label.toUpperCase()} emails, from the rollups`,
      'ms/view',
      medians.rollups,
      medians.rows,
      'the bare SELECT of the 30 days’ rollup rows',
      '≤ 2',
      3,
    ),
    result(
      `overview-${label}-raw-vs-rollups`,
      `Overview at ${label.toUpperCase()} emails counted from raw rows (as before the rollups)`,
      'ms/view',
      medians.raw,
      medians.rollups,
      'the overview from the rollups',
      '≥ 20',
      3,
    ),
  ]);
} finally {
  if (kept) {
    const db = await mf.getD1Database('DB');
    for (const name of rawIndexNames) await db.prepare(`DROP INDEX IF EXISTS ${name}`).run();
  }
  await mf.dispose();
  rmSync(outdir, { recursive: true, force: true });
}
