// Benchmark 3: the email log query of one organisation (kuratchi's createD1EmailQueries().listEmails)
// at 100k and 1M emails, on D1 (miniflare's local D1: SQLite inside workerd), against a bare
// indexed SELECT of the same rows (same ORDER BY and LIMIT, `INDEXED BY` the index meant for it,
// raw rows with no mapping). Queries: the first page, a status filter, a recipient prefix, and the
// search of issue 13 at the largest size (bench/search-queries.mjs: against the bare FTS5 MATCH
// joined to the same emails).
// `EXPLAIN QUERY PLAN` of exactly the SQL listEmails runs (recorded through a wrapper of the
// binding) is printed, and the benchmark fails if any plan reads a table without an index (or a
// search plan does not start from its index, or sorts its matches); the steps on the page once
// chosen (its ≤ 51 rows, whose outcomes are then counted) are marked `(page)` and left out. Time per query in ms (lower
// is better): ratio = ours / bare, target ≤ 1.5. The bare query must return the rows expected.
// The emails' bytes (SQLite's pages: the whole database in memory, which holds nothing else; a
// kept fill's emails and recipients tables with their indexes, from dbstat) are printed per size,
// and at the largest one a row gives the bytes per email with the search index against without it.
//   BENCH_QUERY_SIZES=100000,1000000   table sizes (ascending); 10000000 adds the 10M rows
//   BENCH_QUERY_ROUNDS=27, BENCH_QUERY_SAMPLE_MS=50   samples per contender and their length
//   BENCH_FILL_DIR=<dir>               on disk instead of in memory: each size's database filled once
//                                      there by bench/org-fill.mjs (with a year of opens and clicks,
//                                      the rollups and the search index; 10M: ~14 GB) and kept for
//                                      later runs; needs the sqlite3 shell
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { bundleWorker, compareInRounds, report, result } from './lib.mjs';
import { insertEmails } from './email-rows.mjs';
import { filledOrganization } from './org-fill.mjs';
import { rebuildSearchIndex, searchQueries, suspendSearchIndex } from './search-queries.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SIZES = (process.env.BENCH_QUERY_SIZES ?? '100000,1000000').split(',').map(Number);
/**
 * Rounds of one sample per contender, and sequential queries per sample (their mean is the
 * sample): enough for ~SAMPLE_MS ms, 2 to 100. Many short samples rather than a few long ones: a
 * burst of the machine's other load then falls on both contenders alike.
 */
const ROUNDS = Number(process.env.BENCH_QUERY_ROUNDS ?? 27);
const SAMPLE_MS = Number(process.env.BENCH_QUERY_SAMPLE_MS ?? 50);
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
 * @property {{ sql: string, params: unknown[] }} [matchOnly] a search's MATCH alone (printed, no row)
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
const fillDir = process.env.BENCH_FILL_DIR;
await bundleWorker(join(here, 'queries-worker.mjs'), join(outdir, 'queries-worker.js'));
/**
 * A Miniflare running the bench Worker next to D1 `DB` (in memory, or persisted under `persist`).
 * @param {boolean | string} [persist]
 */
const miniflare = (persist = false) =>
  new Miniflare({
    modules: true,
    scriptPath: join(outdir, 'queries-worker.js'),
    modulesRoot: outdir,
    compatibilityDate: '2026-05-01',
    d1Databases: ['DB'],
    d1Persist: persist,
  });
let failed = false;
try {
  const results = [];
  for (const size of SIZES) {
    // The search index is built once, at the largest size, where the search rows run.
    const searched = size === SIZES.at(-1);
    /** @type {{ filled: number, bare: number, search: { seconds: number, bytes: number, before: number } | null }} */
    let fill;
    let mf;
    if (fillDir) {
      const kept = await filledOrganization(size, fillDir);
      mf = miniflare(kept.persist);
      // The emails' own bytes (their tables and indexes; a kept fill also holds events and rollups).
      const {
        emails,
        email_recipients: recipients,
        email_search: searchBytes,
        email_events,
        email_rollups,
      } = kept.fill.bytes;
      console.log(
        `• kept fill ${kept.persist}: ${(kept.fill.databaseBytes / 1e9).toFixed(2)} GB; ` +
          `${kept.fill.events.toLocaleString('en')} events ${(email_events / 1e6).toFixed(0)} MB ` +
          `(${Math.round(email_events / kept.fill.events)} bytes per event), rollups ${(email_rollups / 1e6).toFixed(1)} MB`,
      );
      fill = {
        filled: kept.fill.seconds.total,
        bare: emails + recipients,
        search: searched
          ? {
              seconds: kept.fill.seconds['search backfill'],
              bytes: searchBytes,
              before: kept.fill.databaseBytes - searchBytes,
            }
          : null,
      };
    } else {
      // A database of its own per size: the emails' times spread over the year at every size.
      mf = miniflare();
      const db = await mf.getD1Database('DB');
      await applyMigrationFiles(db, ORG_MIGRATIONS);
      const suspended = await suspendSearchIndex(db);
      const started = performance.now();
      for (let from = 0; from < size; from += INSERT_CHUNK)
        await insertEmails(db, from, Math.min(from + INSERT_CHUNK, size), size);
      const filled = (performance.now() - started) / 1000;
      const bare = await databaseBytes(db);
      const search = searched ? await rebuildSearchIndex(db, suspended, join(ORG_MIGRATIONS, '0003_search.sql')) : null;
      await db.prepare('ANALYZE').run();
      fill = { filled, bare, search };
    }
    try {
      failed = (await measure(mf, size, searched, fill, results)) || failed;
    } finally {
      await mf.dispose();
    }
  }
  report(results);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
if (failed) {
  console.error('✗ a query of the email log has a plan it must not have (see the plans above)');
  process.exit(1);
}

/** The database's size in bytes, as D1 reports it (SQLite's page count × page size). */
async function databaseBytes(db) {
  return Number((await db.prepare('SELECT 1').run()).meta.size_after);
}

/**
 * The rows of one size into `results`; true when a plan is wrong.
 * @param {Miniflare} mf
 * @param {number} size
 * @param {boolean} searched
 * @param {{ filled: number, bare: number, search: { seconds: number, bytes: number, before: number } | null }} fill
 * @param {ReturnType<typeof result>[]} results
 */
async function measure(mf, size, searched, { filled, bare, search }, results) {
  let failed = false;
  const db = await mf.getD1Database('DB');
  /** @type {(body: object) => Promise<any>} */
  const worker = async (body) => {
    const response = await mf.dispatchFetch('http://bench.local/', { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`the bench Worker answered ${response.status}: ${await response.text()}`);
    return response.json();
  };
  {
    const count = Number(await db.prepare('SELECT count(*) AS n FROM emails').first('n'));
    console.log(
      `• ${count.toLocaleString('en')} emails (filled in ${filled.toFixed(1)} s; ` +
        `emails and recipients ${(bare / 1e6).toFixed(0)} MB, ${Math.round(bare / count)} bytes per email` +
        (search
          ? `; search index backfilled in ${search.seconds.toFixed(1)} s, ${(search.bytes / 1e6).toFixed(0)} MB, ` +
            `${Math.round(search.bytes / count)} bytes per email, on a database of ${(search.before / 1e6).toFixed(0)} MB)`
          : ')'),
    );

    if (search) {
      const withSearch = bare + search.bytes;
      results.push(
        result(
          `queries-${sizeLabel(size).toLowerCase().replace('.', '-')}-bytes-per-email`,
          `Bytes per email at ${sizeLabel(size)} emails (its rows and indexes, SQLite pages), with the search index`,
          'bytes/email',
          withSearch / count,
          bare / count,
          'the same without the search index',
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
      // The baseline returns the same rows (a search's too), or it is no baseline.
      if (check.bare.length !== expected.length || check.bare.some((id, i) => id !== expected[i])) {
        throw new Error(`${query.label}: the bare query returned other rows than expected`);
      }
      console.log(`  ${query.label} (${check.ours.length} rows) — EXPLAIN QUERY PLAN of listEmails:`);
      for (const { plan } of check.plans) for (const detail of plan) console.log(`    ${detail}`);
      const problems = query.planProblems(check.plans);
      if (problems.length) {
        console.error(`  ✗ ${problems.join('; ')}\n    ${check.plans.map(({ sql }) => sql).join('\n    ')}`);
        failed = true;
      }

      const probe = await worker({ ...request, run: 'bare', repeat: 5 });
      const repeat = Math.min(100, Math.max(2, Math.round(SAMPLE_MS / Math.max(probe.ms, 0.1))));
      /** @type {Record<string, () => Promise<any>>} */
      const contenders = {
        ours: () => worker({ ...request, run: 'ours', repeat }),
        bare: () => worker({ ...request, run: 'bare', repeat }),
      };
      if (query.matchOnly)
        contenders.matchOnly = () => worker({ ...request, bare: query.matchOnly, run: 'bare', repeat });
      const medians = await compareInRounds(contenders, { rounds: ROUNDS, measure: async (run) => (await run()).ms });
      console.log(
        `    listEmails ${medians.ours.toFixed(3)} ms, bare ${medians.bare.toFixed(3)} ms` +
          (medians.matchOnly
            ? ` (the MATCH alone, rowids only: ${medians.matchOnly.toFixed(3)} ms, ${(medians.ours / medians.matchOnly).toFixed(2)}×)`
            : ''),
      );
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
  return failed;
}

function sizeLabel(size) {
  return size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`;
}
