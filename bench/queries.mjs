// Benchmark 3: the email log query of one organisation (kuratchi's createD1EmailQueries().listEmails)
// at 100k and 1M emails, on D1 (miniflare's local D1: SQLite inside workerd), against a bare
// indexed SELECT of the same rows (same ORDER BY and LIMIT, `INDEXED BY` the index meant for it,
// raw rows with no mapping). Queries: the first page, a status filter, a recipient prefix, and the
// search of issue 13 at the largest size (bench/search-queries.mjs: against the bare FTS5 MATCH on
// the same index).
// `EXPLAIN QUERY PLAN` of exactly the SQL listEmails runs (recorded through a wrapper of the
// binding) is printed, and the benchmark fails if any plan reads a table without an index (or a
// search plan does not start from its index, or sorts its matches); the steps on the page once
// chosen (its ≤ 51 rows, whose outcomes are then counted) are marked `(page)` and left out. Time per query in ms (lower
// is better): ratio = ours / bare, target ≤ 1.5 (≤ 2 for the search).
// The database's size (D1's `size_after`: SQLite's page count × page size) is printed per size, and
// at the largest one a row gives the bytes per email with the search index against without it.
//   BENCH_QUERY_SIZES=100000,1000000   table sizes (ascending); 10000000 adds the 10M rows (in memory:
//                                      ~1.15 KB per email with the search index, so ~12 GB of RAM)
//   BENCH_QUERY_DIR=<dir>              keep the database on disk there instead of in memory (much
//                                      slower to fill: 1M emails took 756 s on 2 shared cores)
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { bundleWorker, compareInRounds, report, result } from './lib.mjs';
import { insertEmails } from './email-rows.mjs';
import { rebuildSearchIndex, searchQueries, suspendSearchIndex } from './search-queries.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SIZES = (process.env.BENCH_QUERY_SIZES ?? '100000,1000000').split(',').map(Number);
const ROUNDS = 9;
/** Sequential queries per sample (their mean is the sample): enough for ~150 ms, 5 to 100. */
const SAMPLE_MS = 150;
const PAGE = 50;
const INSERT_CHUNK = 100_000;

const LOG_QUERIES = [
  { id: 'first-page', label: 'first page', filter: {}, bare: { index: 'emails_by_created', where: '', params: [] } },
  {
    id: 'status-bounced',
    label: 'status = bounced',
    filter: { status: 'bounced' },
    bare: { index: 'emails_by_status', where: 'WHERE status = ?', params: ['bounced'] },
  },
  {
    id: 'recipient-prefix-narrow',
    label: 'recipient starts with "mia.rossi4"',
    filter: { recipientPrefix: 'mia.rossi4' },
    bare: {
      index: 'emails_by_recipient',
      where: 'WHERE recipient >= ? AND recipient < ?',
      params: ['mia.rossi4', 'mia.rossi5'],
    },
  },
  // A broad prefix (1/16 of all rows): the index finds them, but they must be sorted by time.
  {
    id: 'recipient-prefix-broad',
    label: 'recipient starts with "mia." (broad)',
    filter: { recipientPrefix: 'mia.' },
    bare: { index: 'emails_by_recipient', where: 'WHERE recipient >= ? AND recipient < ?', params: ['mia.', 'mia/'] },
  },
];

/**
 * One row's query: `filter` for listEmails, `bare` the baseline's SQL, `oracle` (search rows) the
 * SQL of the expected ids, `planProblems` what is wrong in the plans of listEmails' statements.
 * @typedef {object} BenchQuery
 * @property {string} id
 * @property {string} label
 * @property {Record<string, unknown>} filter
 * @property {{ sql: string, params: unknown[] }} bare
 * @property {string} baselineName
 * @property {{ sql: string, params: unknown[] }} [oracle]
 * @property {(plans: Array<{ sql: string, plan: string[] }>) => string[]} planProblems
 * @property {string | null} target
 */

/** The log queries in the shape of the search ones (bench/search-queries.mjs). */
const QUERIES = LOG_QUERIES.map((query) => ({
  ...query,
  bare: {
    sql: `SELECT * FROM emails INDEXED BY ${query.bare.index} ${query.bare.where} ORDER BY created_at DESC, id DESC LIMIT ${PAGE}`,
    params: query.bare.params,
  },
  baselineName: `bare SELECT … INDEXED BY ${query.bare.index}, same ORDER BY/LIMIT`,
  planProblems: (plans) =>
    plans.flatMap(({ plan }) =>
      plan.filter((detail) => /^SCAN \w+$|^SCAN \w+ (?!USING (COVERING )?INDEX)/.test(detail)),
    ),
  target: '≤ 1.5',
}));

const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-queries-'));
const onDisk = process.env.BENCH_QUERY_DIR;
if (onDisk) mkdirSync(onDisk, { recursive: true });
await bundleWorker(join(here, 'queries-worker.mjs'), join(outdir, 'queries-worker.js'));
const mf = new Miniflare({
  modules: true,
  scriptPath: join(outdir, 'queries-worker.js'),
  modulesRoot: outdir,
  compatibilityDate: '2026-05-01',
  d1Databases: ['DB'],
  d1Persist: onDisk ?? false,
});
let failed = false;
try {
  const db = await mf.getD1Database('DB');
  /** @type {(body: object) => Promise<any>} */
  const worker = async (body) => {
    const response = await mf.dispatchFetch('http://bench.local/', { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`the bench Worker answered ${response.status}: ${await response.text()}`);
    return response.json();
  };

  await applyMigrationFiles(db, ORG_MIGRATIONS);

  const results = [];
  let rows = 0;
  /** The database's size in bytes, as D1 reports it (SQLite's page count × page size). */
  const databaseBytes = async () => Number((await db.prepare('SELECT 1').run()).meta.size_after);
  // The search index is built once, at the largest size, where the search rows run.
  const suspended = await suspendSearchIndex(db);
  for (const size of SIZES) {
    const started = performance.now();
    for (let from = rows; from < size; from += INSERT_CHUNK)
      await insertEmails(db, from, Math.min(from + INSERT_CHUNK, size));
    const filled = (performance.now() - started) / 1000;
    const bare = await databaseBytes();
    const searched = size === SIZES.at(-1);
    const search = searched ? await rebuildSearchIndex(db, suspended, join(ORG_MIGRATIONS, '0003_search.sql')) : null;
    await db.prepare('ANALYZE').run();
    rows = size;
    const count = Number(await db.prepare('SELECT count(*) AS n FROM emails').first('n'));
    console.log(
      `• ${count.toLocaleString('en')} emails (filled in ${filled.toFixed(1)} s; ` +
        `${(bare / 1e6).toFixed(0)} MB without the search index, ${Math.round(bare / count)} bytes per email` +
        (search
          ? `; search index backfilled in ${search.seconds.toFixed(1)} s, ${(search.bytes / 1e6).toFixed(0)} MB, ` +
            `${Math.round(search.bytes / count)} bytes per email, on a database of ${(search.before / 1e6).toFixed(0)} MB)`
          : ')'),
    );

    if (search) {
      const withSearch = await databaseBytes();
      results.push(
        result(
          `queries-${sizeLabel(size).toLowerCase().replace('.', '-')}-bytes-per-email`,
          `Database size per email at ${sizeLabel(size)} emails, with the search index (D1 page count × page size)`,
          'bytes/email',
          withSearch / count,
          bare / count,
          'the same database without the search index',
          null,
          0,
        ),
      );
    }

    /** @type {BenchQuery[]} */
    const queries = [...QUERIES, ...(searched ? await searchQueries(db, size) : [])];
    for (const query of queries) {
      const request = { filter: query.filter, limit: PAGE, bare: query.bare };
      // The right rows (the bare SELECT's, or the search oracle's), and the plans of the SQL listEmails ran.
      const check = await worker({ ...request, run: 'check' });
      const expected = query.oracle
        ? (
            await db
              .prepare(query.oracle.sql)
              .bind(...query.oracle.params)
              .all()
          ).results.map((row) => row.id)
        : check.bare;
      if (check.ours.length !== expected.length || check.ours.some((id, i) => id !== expected[i])) {
        throw new Error(`${query.label}: listEmails returned other rows than expected`);
      }
      console.log(`  ${query.label} (${check.ours.length} rows) — EXPLAIN QUERY PLAN of listEmails:`);
      for (const { plan } of check.plans) for (const detail of plan) console.log(`    ${detail}`);
      const problems = query.planProblems(check.plans);
      if (problems.length) {
        console.error(`  ✗ ${problems.join('; ')}\n    ${check.plans.map(({ sql }) => sql).join('\n    ')}`);
        failed = true;
      }

      const probe = await worker({ ...request, run: 'bare', repeat: 5 });
      const repeat = Math.min(100, Math.max(5, Math.round(SAMPLE_MS / Math.max(probe.ms, 0.1))));
      const medians = await compareInRounds(
        {
          ours: () => worker({ ...request, run: 'ours', repeat }),
          bare: () => worker({ ...request, run: 'bare', repeat }),
        },
        { rounds: ROUNDS, measure: async (run) => (await run()).ms },
      );
      console.log(`    listEmails ${medians.ours.toFixed(3)} ms, bare ${medians.bare.toFixed(3)} ms`);
      results.push(
        result(
          `queries-${sizeLabel(size).toLowerCase().replace('.', '-')}-${query.id}`,
          `Email log query at ${sizeLabel(size)} emails: ${query.label}`,
          'ms/query',
          medians.ours,
          medians.bare,
          query.baselineName,
          query.target,
          3,
        ),
      );
    }
  }
  report(results);
} finally {
  await mf.dispose();
  rmSync(outdir, { recursive: true, force: true });
}
if (failed) {
  console.error('✗ a query of the email log has a plan it must not have (see the plans above)');
  process.exit(1);
}

function sizeLabel(size) {
  return size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`;
}
