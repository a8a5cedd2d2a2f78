// Benchmark 3: the email log query of one organisation (kuratchi's createD1EmailQueries().listEmails)
// at 100k and 1M emails, on D1 (miniflare's local D1: SQLite inside workerd), against a bare
// indexed SELECT of the same rows (same ORDER BY and LIMIT, `INDEXED BY` the index meant for it,
// raw rows with no mapping). Queries: the first page, a status filter, a recipient prefix, and the
// search of issue 13 at the largest size (bench/search-queries.mjs: against the bare FTS5 MATCH on
// the same index).
// `EXPLAIN QUERY PLAN` of exactly the SQL listEmails runs (recorded through a wrapper of the
// binding) is printed, and the benchmark fails if any plan reads a table without an index (or a
// search plan does not start from its index, or sorts its matches). Time per query in ms (lower
// is better): ratio = ours / bare, target ≤ 1.5 (≤ 2 for the search).
//   BENCH_QUERY_SIZES=100000,1000000   table sizes (ascending)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { applyMigrationFiles } from '../scripts/d1-migration-files.mjs';
import { compareInRounds, report, result } from './lib.mjs';
import { rebuildSearchIndex, searchQueries, suspendSearchIndex } from './search-queries.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = (process.env.BENCH_QUERY_SIZES ?? '100000,1000000').split(',').map(Number);
const ROUNDS = 9;
/** Sequential queries per sample (their mean is the sample): enough for ~150 ms, 5 to 100. */
const SAMPLE_MS = 150;
const PAGE = 50;
const INSERT_CHUNK = 100_000;

// Recipients are `<first>.<last><number>@<domain>` (16 × 10 × 1000 combinations), so a prefix
// such as `mia.rossi4` matches 111 numbers of one name: ~70 rows at 100k, ~700 at 1M; `mia.`
// matches 1/16 of all rows.
const FIRST = [
  'ana',
  'ben',
  'chloe',
  'dev',
  'emma',
  'farid',
  'grace',
  'hugo',
  'ines',
  'jonas',
  'kim',
  'leo',
  'mia',
  'noah',
  'olga',
  'priya',
];
const LAST = ['garcia', 'smith', 'kowalski', 'nguyen', 'muller', 'rossi', 'tanaka', 'silva', 'dubois', 'jensen'];
const DOMAINS = ['example.com', 'example.org', 'example.net'];
const YEAR_MS = 365 * 86_400_000;
const NOW = Date.UTC(2026, 10, 28);

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
const ORG_MIGRATIONS = join(root, 'packages/kuratchi-sdk/migrations/org');

const mf = new Miniflare({
  modules: true,
  scriptPath: join(root, 'bench/queries-worker.mjs'),
  modulesRoot: root,
  modulesRules: [{ type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }],
  compatibilityDate: '2026-05-01',
  d1Databases: ['DB'],
  d1Persist: false,
});
let failed = false;
try {
  const db = await mf.getD1Database('DB');
  const worker = async (body) => {
    const response = await mf.dispatchFetch('http://bench.local/', { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`the bench Worker answered ${response.status}: ${await response.text()}`);
    return response.json();
  };

  await applyMigrationFiles(db, ORG_MIGRATIONS);

  const results = [];
  let rows = 0;
  // The search index is built once, at the largest size, where the search rows run.
  const suspended = await suspendSearchIndex(db);
  for (const size of SIZES) {
    const started = performance.now();
    for (let from = rows; from < size; from += INSERT_CHUNK)
      await insertEmails(db, from, Math.min(from + INSERT_CHUNK, size));
    const filled = (performance.now() - started) / 1000;
    const searched = size === SIZES.at(-1);
    const search = searched ? await rebuildSearchIndex(db, suspended, join(ORG_MIGRATIONS, '0003_search.sql')) : null;
    await db.prepare('ANALYZE').run();
    rows = size;
    const count = (await db.prepare('SELECT count(*) AS n FROM emails').first()).n;
    console.log(
      `• ${count.toLocaleString('en')} emails (filled in ${filled.toFixed(1)} s` +
        (search
          ? `; search index backfilled in ${search.seconds.toFixed(1)} s, ${(search.bytes / 1e6).toFixed(0)} MB, ` +
            `${Math.round(search.bytes / count)} bytes per email, on a database of ${(search.before / 1e6).toFixed(0)} MB)`
          : ')'),
    );

    for (const query of [...QUERIES, ...(searched ? await searchQueries(db, size) : [])]) {
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
}
if (failed) {
  console.error('✗ a query of the email log has a plan it must not have (see the plans above)');
  process.exit(1);
}

/**
 * Inserts emails with ids [from, to), generated inside SQLite (a recursive CTE), varied but
 * deterministic, and a CC `<last>.team<0–499>@partner.example` (an `email_recipients` row) on one
 * email in ten. The To rows sendEmail also writes are left out: their address is part of
 * `recipient`, so they change nothing in the search index, and 1M of them would add fill time. Subjects are a mix by n % 20
 * ("Your receipt #n" 30 %, "Your order #n has shipped" 20 %, invoices, digests, password resets,
 * welcomes); SES message ids have SES's shape (`01000<created, hex>-<uuid-like>-000000`).
 */
async function insertEmails(db, from, to) {
  const json = (items) => `'${JSON.stringify(items)}'`;
  // h(n): a cheap deterministic hash of n, so neighbouring rows differ.
  const h = (salt) => `((n * 2654435761 + ${salt}) % 4294967296)`;
  await db
    .prepare(
      `WITH RECURSIVE seq(n) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT n + 1 FROM seq WHERE n < CAST(?2 AS INTEGER) - 1),
       rows AS (
         SELECT n,
           ${NOW} - ${h(7)} % ${YEAR_MS} AS created,
           ${h(11)} % 1000 AS roll,
           json_extract(${json(FIRST)}, '$[' || (n % 16) || ']') || '.' || json_extract(${json(LAST)}, '$[' || (n / 16 % 10) || ']')
             || (n / 160 % 1000) || '@' || json_extract(${json(DOMAINS)}, '$[' || (n % 3) || ']') AS recipient
         FROM seq)
       INSERT INTO emails (id, recipient, sender, subject, email_type, status, ses_message_id, user_id, metadata, created_at, updated_at,
                           sent_at, delivered_at, opened_at, clicked_at, bounced_at, complained_at, open_count, click_count,
                           last_clicked_at, last_clicked_link, bounce_type, bounce_sub_type)
       SELECT printf('email-%08d', n), recipient, 'hello@acme.example',
         CASE WHEN n % 20 < 6 THEN 'Your receipt #' || n WHEN n % 20 < 10 THEN 'Your order #' || n || ' has shipped'
              WHEN n % 20 < 13 THEN 'Invoice ' || n || ' for November' WHEN n % 20 < 16 THEN 'Weekly digest: ' || (n % 40) || ' new messages'
              WHEN n % 20 < 18 THEN 'Password reset request' ELSE 'Welcome to Acme' END,
         json_extract('["transactional","marketing","notification"]', '$[' || (n % 3) || ']'),
         CASE WHEN roll < 20 THEN 'pending' WHEN roll < 120 THEN 'sent' WHEN roll < 150 THEN 'delayed' WHEN roll < 900 THEN 'delivered'
              WHEN roll < 910 THEN 'failed' WHEN roll < 920 THEN 'rejected' WHEN roll < 995 THEN 'bounced' ELSE 'complained' END AS status,
         printf('01000%011x-%08x-%04x-%04x-%04x-%012x-000000', created, ${h(3)}, ${h(5)} % 65536, ${h(9)} % 65536, ${h(13)} % 65536,
                (n * 2654435761) % 281474976710656),
         'user-' || (n % 7), CASE WHEN n % 3 = 1 THEN '{"campaign":"nov-2026"}' ELSE NULL END, created, created + 5000,
         CASE WHEN roll >= 20 THEN created + 1000 END, CASE WHEN roll >= 150 AND roll < 900 THEN created + 4000 END,
         CASE WHEN roll >= 400 AND roll < 900 THEN created + 60000 END, CASE WHEN roll >= 700 AND roll < 900 THEN created + 90000 END,
         CASE WHEN roll >= 920 AND roll < 995 THEN created + 3000 END, CASE WHEN roll >= 995 THEN created + 120000 END,
         CASE WHEN roll >= 400 AND roll < 900 THEN 1 + roll % 3 ELSE 0 END, CASE WHEN roll >= 700 AND roll < 900 THEN 1 + roll % 2 ELSE 0 END,
         CASE WHEN roll >= 700 AND roll < 900 THEN created + 90000 END, CASE WHEN roll >= 700 AND roll < 900 THEN 'https://example.com/pricing' END,
         CASE WHEN roll >= 920 AND roll < 995 THEN 'Permanent' END, CASE WHEN roll >= 920 AND roll < 995 THEN 'General' END
       FROM rows`,
    )
    .bind(from, to)
    .run();
  await db
    .prepare(
      `WITH RECURSIVE seq(n) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT n + 1 FROM seq WHERE n < CAST(?2 AS INTEGER) - 1)
       INSERT INTO email_recipients (email_id, address, kind)
       SELECT printf('email-%08d', n), json_extract(${json(LAST)}, '$[' || (n / 16 % 10) || ']') || '.team' || (n / 10 % 500) || '@partner.example', 'cc'
       FROM seq WHERE n % 10 = 3`,
    )
    .bind(from, to)
    .run();
}

function sizeLabel(size) {
  return size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`;
}
