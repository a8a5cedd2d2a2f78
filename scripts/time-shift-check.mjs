// The time-shift check (part of `pnpm test`): runs the SDK's and the dashboard's workerd test
// suites again with their pinned clock (`KURATCHI_TEST_NOW`, read by each package's test/clock.ts)
// moved a year ahead of the real date and a year back, to instants chosen to be awkward (just
// before midnight UTC on the last day of a month, just after midnight on the first). A test that
// mixes its pinned `now` with the real clock, or assumes a day or month does not roll over, fails
// here at once rather than on some future morning. Debian's faketime cannot do this: it does
// not move workerd's clock.
//
// First it proves the setting reaches the tests: with KURATCHI_TEST_NOW set to something that is
// not a date, the clock's own test file must fail to load.
//
// Only the test files that read the pinned clock run shifted: those whose imports reach the
// package's test/clock.ts, directly or through a helper (the only reader of KURATCHI_TEST_NOW), as
// TypeScript's own scanner reads the imports. Any other file runs exactly as it did unshifted.
// The two packages' runs go side by side (2 cores); each package's runs one after the other.
// `pnpm test` runs the unit suites with the clock at the first instant and this check at the
// second only (each instant once per run); run alone, it takes both.
//
//   node scripts/time-shift-check.mjs            both shifts, both packages
//   KURATCHI_TIME_SHIFTS=2027-12-31T23:59:30Z    only this instant (comma-separated list)
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { timeShifts } from './lib/time-shifts.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const SUITES = [
  {
    name: 'kuratchi-sdk',
    dir: join(root, 'packages/kuratchi-sdk'),
    clockTest: 'src/lib/email/testing/test-clock.test.ts',
    exclude: [],
  },
  // The soak (20,000 deliveries, ~95 s) runs on the Worker's real clock only: nothing to shift.
  // The whole cron's call budget (~80 s) counts calls; each of its jobs' dates is shift-checked
  // by the job's own tests (it passed at both shifted instants when written, 2026-12-07).
  {
    name: 'dashboard',
    dir: join(root, 'apps/dashboard'),
    clockTest: 'src/lib/server/auth/auth.test.ts',
    exclude: ['src/routes/api/webhooks/ses-events/soak.test.ts', 'src/lib/server/scheduled/invocation-budget.test.ts'],
  },
];

/**
 * The test files of a suite (the `.test.ts` files under src/, relative to its directory) whose relative imports
 * reach its test/clock.ts, directly or through other modules.
 */
function testFilesReadingClock(suiteDir) {
  const clock = join(suiteDir, 'test', 'clock.ts');
  const importsOf = new Map();
  const resolveImport = (from, specifier) => {
    const base = resolve(dirname(from), specifier);
    return [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')].find(
      (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
    );
  };
  const imports = (file) => {
    if (!importsOf.has(file)) {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      importsOf.set(
        file,
        importedFiles
          .map((entry) => entry.fileName)
          .filter((specifier) => specifier.startsWith('.'))
          .map((specifier) => resolveImport(file, specifier))
          .filter(Boolean),
      );
    }
    return importsOf.get(file);
  };
  const reaches = (file, seen = new Set()) => {
    if (file === clock) return true;
    if (seen.has(file)) return false;
    seen.add(file);
    return imports(file).some((next) => reaches(next, seen));
  };
  return listFiles(join(suiteDir, 'src'))
    .filter((file) => file.endsWith('.test.ts') && reaches(file))
    .map((file) => relative(suiteDir, file));
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** One vitest run of a suite with `KURATCHI_TEST_NOW` set; resolves to its exit status and output. */
function vitest(suite, testNow, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(suite.dir, 'node_modules/vitest/vitest.mjs'), 'run', ...args], {
      cwd: suite.dir,
      env: { ...process.env, KURATCHI_TEST_NOW: testNow },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.on('close', (status) => resolve({ status, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** Proves a bad KURATCHI_TEST_NOW reaches the suite (its clock test fails to load); exits if not. */
async function probe(suite) {
  const run = await vitest(suite, 'not-a-date', [suite.clockTest]);
  if (run.status === 0 || !run.output.includes('the test clock needs an ISO 8601 instant')) {
    console.error(
      `✗ ${suite.name}: KURATCHI_TEST_NOW does not reach the tests (a bad value did not fail ${suite.clockTest})\n${run.output.slice(-3000)}`,
    );
    process.exit(1);
  }
}

/** The suite's shifted files with the clock at `testNow`; says how it went, true when it passed. */
async function shifted(suite, files, testNow) {
  const started = Date.now();
  const run = await vitest(suite, testNow, [...files, ...suite.exclude.flatMap((file) => ['--exclude', file])]);
  const output = stripVTControlCharacters(run.output);
  const summary = output.match(/Tests\s+.*\(\d+\)/)?.[0] ?? '';
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (run.status !== 0) {
    console.error(`✗ ${suite.name} with now = ${testNow}: ${summary} (${seconds} s)\n${output.slice(-20000)}`);
    return false;
  }
  console.log(`✓ ${suite.name} with now = ${testNow}: ${summary} (${seconds} s)`);
  return true;
}

const shifts = process.env.KURATCHI_TIME_SHIFTS ? process.env.KURATCHI_TIME_SHIFTS.split(',') : timeShifts();
const shiftedFiles = new Map(SUITES.map((suite) => [suite, testFilesReadingClock(suite.dir)]));
for (const suite of SUITES) {
  const files = shiftedFiles.get(suite);
  if (!files.includes(suite.clockTest)) {
    console.error(`✗ ${suite.name}: ${suite.clockTest} does not read test/clock.ts, so the file selection is wrong`);
    process.exit(1);
  }
  console.log(`  ${suite.name}: ${files.length} test files read the pinned clock and run shifted`);
}
// The two suites side by side (one vitest run of each at a time: they share nothing), each
// proving the setting reaches it, then running its shifted files at each instant in turn.
const passed = await Promise.all(
  SUITES.map(async (suite) => {
    await probe(suite);
    console.log(`• time-shift check: KURATCHI_TEST_NOW reaches ${suite.name}`);
    let ok = true;
    for (const testNow of shifts) ok = (await shifted(suite, shiftedFiles.get(suite), testNow)) && ok;
    return ok;
  }),
);
process.exit(passed.every(Boolean) ? 0 : 1);
