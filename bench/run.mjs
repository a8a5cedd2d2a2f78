// `pnpm bench` (after `pnpm build`): runs every benchmark as a child Node process, one after the
// other, echoing its output; collects the `RESULTS <json>` line each prints last; prints one
// table; writes bench/results.json (an array of { id, name, unit, ours, baseline, baselineName,
// ratio, target }). Exits non-zero when a benchmark crashed (or failed an assertion of its own), or
// when a row has no kebab-case id or two rows share one; a target that is not met is reported, not
// fatal.
//   node bench/run.mjs [name…]   only these benchmarks (verify, webhook, queries, memory, park, queue, cost, clicks, event-bytes, api, org-kinds, purge, guard, overview)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { idProblems } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BENCHMARKS = [
  { name: 'verify', file: 'verify.mjs', what: 'SNS verification throughput' },
  { name: 'webhook', file: 'webhook.mjs', what: 'the webhook end to end on wrangler dev' },
  { name: 'queries', file: 'queries.mjs', what: 'the email log queries at 100k and 1M emails' },
  { name: 'memory', file: 'memory.mjs', what: 'memory while ingesting 1M events', flags: ['--expose-gc'] },
  {
    name: 'park',
    file: 'park.mjs',
    what: 'D1 round trips per webhook POST with 0, 100 and 1,000 held events of its message',
  },
  {
    name: 'queue',
    file: 'queue.mjs',
    what: 'queued mode: D1 round trips per event, consumer vs direct, queued webhook vs ping (workerd, wrangler dev)',
  },
  {
    name: 'cost',
    file: 'cost.mjs',
    what: 'what one SES event uses (counted), queued and direct, and USD per million events (docs/cost.md)',
  },
  {
    name: 'clicks',
    file: 'clicks.mjs',
    what: 'rows read to record one more Click (and Open) of an email with 10, 1,000 and 10,000 clicks',
  },
  {
    name: 'event-bytes',
    file: 'event-bytes.mjs',
    what: 'database bytes per SES event recorded (docs/capacity.md)',
  },
  {
    name: 'api',
    file: 'api.mjs',
    what: 'the REST API list at 1M emails vs the bare query; webhook lag SNS → receiver; deliveries/s vs raw fetch',
  },
  {
    name: 'org-kinds',
    file: 'org-kinds.mjs',
    what: 'organisations on Durable Objects vs D1: the log at 1M emails, a batch of 100 events, the consumer over 50 organisations',
  },
  {
    name: 'purge',
    file: 'purge.mjs',
    what: 'the retention purge: D1 queries per invocation (counted), rows removed per second',
  },
  {
    name: 'guard',
    file: 'guard.mjs',
    what: "the reputation guard's cron over 10,000 organisations on Durable Objects: calls per organisation, invocations, time",
  },
  {
    name: 'overview',
    file: 'overview.mjs',
    what: "the overview's 30 days at 1M emails: from the daily rollups vs their bare rows vs raw counts",
  },
];
/** No benchmark may run longer than this. */
const TIMEOUT_MS = 15 * 60_000;

const only = process.argv.slice(2);
const unknown = only.filter((name) => !BENCHMARKS.some((b) => b.name === name));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')} (known: ${BENCHMARKS.map((b) => b.name).join(', ')})`);
  process.exit(2);
}
const selected = only.length ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS;

console.log(
  `kuratchi benchmarks — ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ` +
    `load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
);
const results = [];
const failures = [];
for (const benchmark of selected) {
  console.log(`\n━━ ${benchmark.name}: ${benchmark.what} (bench/${benchmark.file})`);
  const started = performance.now();
  const { code, signal, lines } = await runChild(benchmark);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const last = lines.findLast((line) => line.startsWith('RESULTS '));
  let parsed = null;
  try {
    parsed = last ? JSON.parse(last.slice('RESULTS '.length)) : null;
  } catch {
    // not a results line: reported as a failure below
  }
  if (parsed) results.push(...parsed);
  if (code !== 0 || !parsed) {
    const why = signal ? `killed by ${signal}` : code !== 0 ? `exit code ${code}` : 'no RESULTS line';
    failures.push(`${benchmark.name} (${why})`);
    console.log(`✗ ${benchmark.name} failed after ${seconds} s: ${why}`);
  } else {
    console.log(`✓ ${benchmark.name} done in ${seconds} s`);
  }
}

// Rows are compared across runs by id: each needs one, and no two may share it.
const problems = idProblems(results);
for (const problem of problems) console.error(`✗ ${problem}`);
if (problems.length) failures.push(`row ids (${problems.length} problem${problems.length === 1 ? '' : 's'})`);

writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n${table(results)}\n`);
console.log('Ratio = ours / baseline. A target with a unit applies to "ours", a bare number to the ratio.');
const missed = results.filter((r) => met(r) === false);
if (missed.length) console.log(`Targets not met (${missed.length}): ${missed.map((r) => r.id).join(', ')}`);
console.log('Written: bench/results.json');
if (failures.length) {
  console.error(`✗ benchmarks that crashed or failed: ${failures.join(', ')}`);
  process.exit(1);
}

/** Runs one benchmark, echoing its output; resolves with its exit and its stdout lines. */
function runChild(benchmark) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(benchmark.flags ?? []), join(here, benchmark.file)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = [];
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const line of complete) {
        lines.push(line);
        // The RESULTS line is for this script; the table shows it.
        if (!line.startsWith('RESULTS ')) console.log(`  ${line}`);
      }
    });
    const timer = setTimeout(() => {
      console.error(`✗ ${benchmark.name} ran longer than ${TIMEOUT_MS / 60_000} min: SIGTERM`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    }, TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (buffered) lines.push(buffered);
      resolve({ code, signal, lines });
    });
  });
}

/** Whether a result meets its target: true, false, or null (no target). */
function met(r) {
  const match = /^\s*(≥|>=|≤|<=|<|>|=)\s*([\d.]+)\s*(\S.*)?$/.exec(r.target ?? '');
  if (!match) return null;
  const [, op, number, unit] = match;
  const value = unit ? r.ours : r.ratio;
  const limit = Number(number);
  switch (op) {
    case '≥':
    case '>=':
      return value >= limit;
    case '≤':
    case '<=':
      return value <= limit;
    case '<':
      return value < limit;
    case '>':
      return value > limit;
    default:
      return value === limit;
  }
}

/** The results as a Markdown table (also what bench/README.md shows). */
function table(rows) {
  const header = ['Id', 'Benchmark', 'Ours', 'Baseline', 'Ratio', 'Target', 'Met'];
  const body = rows.map((r) => [
    String(r.id),
    r.name,
    `${r.ours} ${r.unit}`,
    `${r.baseline} (${r.baselineName})`,
    String(r.ratio),
    r.target ?? 'n/a',
    { true: 'yes', false: 'no', null: '' }[String(met(r))],
  ]);
  const widths = header.map((_, i) => Math.max(header[i].length, ...body.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
