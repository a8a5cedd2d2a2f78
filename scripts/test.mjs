// `pnpm test`: every check of the repository, each phase a package script, run as soon as what it
// needs is built, as many at a time as the machine has cores (KURATCHI_TEST_JOBS). A phase's
// output is printed when it ends, in one piece; the end prints each phase's time. The first
// failure stops the phases still running and skips the rest.
//   node scripts/test.mjs                  everything (what CI runs)
//   KURATCHI_TEST_JOBS=1 node scripts/test.mjs   one phase at a time, in the order below
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timeShifts } from './lib/time-shifts.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SDK = 'packages/kuratchi-sdk';
const DASHBOARD = 'apps/dashboard';

/**
 * The phases, in the order they start when several could: the longest chain first (the SDK's
 * build, the dashboard's build, its workerd tests). `needs`: phases that must have passed;
 * `alone`: phases of one group never run together (each starts `wrangler dev` and a demo state).
 */
// The unit suites run with their pinned clock at the first awkward instant, and the time-shift
// check runs the files that read that clock again at the second: each instant once, where both
// used to run after a run at the fixed default instant (2026-11-28T12:00Z), which is the least
// telling of the three (a test mixing its pinned `now` with the real clock passes near it).
const [UNIT_NOW, SHIFTED_NOW] = timeShifts();

const PHASES = [
  { name: 'sdk build', dir: SDK, script: 'build' },
  { name: 'dashboard build', dir: DASHBOARD, script: 'build', needs: ['sdk build'] },
  {
    name: 'dashboard unit',
    dir: DASHBOARD,
    script: 'test:unit',
    needs: ['dashboard build'],
    env: { KURATCHI_TEST_NOW: UNIT_NOW },
  },
  { name: 'sdk check', dir: SDK, script: 'check' },
  { name: 'sdk unit', dir: SDK, script: 'test:unit', env: { KURATCHI_TEST_NOW: UNIT_NOW } },
  { name: 'lint', dir: '.', script: 'lint' },
  // bench/ and scripts/ (checkJs), and the docs' examples, links and budget: on the built SDK's types.
  { name: 'tools check', dir: '.', script: 'check:tools', needs: ['sdk build'] },
  { name: 'docs check', dir: '.', script: 'check:docs', needs: ['sdk build'] },
  // svelte-kit sync (in check) rewrites .svelte-kit/, which vite build also writes.
  { name: 'dashboard check', dir: DASHBOARD, script: 'check', needs: ['dashboard build'] },
  { name: 'dashboard e2e', dir: DASHBOARD, script: 'test:e2e', needs: ['dashboard build'], alone: 'wrangler-dev' },
  {
    name: 'dashboard node',
    dir: DASHBOARD,
    script: 'test:node',
    needs: ['dashboard build', 'sdk build'],
    alone: 'wrangler-dev',
  },
  // Runs both packages' workerd suites again with the clock moved: after their own runs. Before the
  // short phases below: while `dashboard node` waits for the end-to-end tests this long one takes
  // the free core, and the short ones fill the end instead of this one ending the run alone.
  {
    name: 'time-shift check',
    dir: '.',
    script: 'test:time-shift',
    needs: ['sdk unit', 'dashboard unit'],
    env: { KURATCHI_TIME_SHIFTS: SHIFTED_NOW },
  },
  { name: 'sdk node', dir: SDK, script: 'test:node', needs: ['sdk build'] },
  // npm pack from a clean copy of the SDK (its own build), installed into a scratch project.
  { name: 'sdk pack', dir: SDK, script: 'test:pack' },
];

const jobs = Number(process.env.KURATCHI_TEST_JOBS ?? availableParallelism());
if (!Number.isInteger(jobs) || jobs < 1) {
  console.error(
    `✗ KURATCHI_TEST_JOBS must be a positive integer, not ${JSON.stringify(process.env.KURATCHI_TEST_JOBS)}`,
  );
  process.exit(2);
}
// Every wrangler a phase runs stays offline: no metrics, no request metadata fetch, and no banner
// (the banner's npm update check is a request to the npm registry).
Object.assign(process.env, {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
});
for (const phase of PHASES)
  for (const need of phase.needs ?? [])
    if (!PHASES.some((p) => p.name === need)) throw new Error(`phase ${phase.name} needs an unknown phase ${need}`);

// pnpm sets npm_execpath to itself (a program, or a script for Node) when it runs this script;
// otherwise the pnpm on PATH.
const execpath = process.env.npm_execpath;
const pnpm = !execpath?.includes('pnpm')
  ? ['pnpm']
  : /\.[cm]?js$/.test(execpath)
    ? [process.execPath, execpath]
    : [execpath];
const started = Date.now();
/** @type {Map<string, { state: 'running' | 'passed' | 'failed' | 'stopped' | 'skipped', ms?: number }>} */
const status = new Map();
const seconds = (ms) => `${(ms / 1000).toFixed(0)} s`;
/** The output so far of each running phase (printed if this run is stopped). */
const outputs = new Map();

function runPhase(phase) {
  const t0 = Date.now();
  status.set(phase.name, { state: 'running' });
  const env = Object.entries(phase.env ?? {}).map(([k, v]) => ` ${k}=${v}`);
  console.log(`▶ ${phase.name} (${phase.dir}: ${phase.script}${env.join('')}) at +${seconds(t0 - started)}`);
  return /** @type {Promise<void>} */ (
    new Promise((resolve) => {
      const child = spawn(pnpm[0], [...pnpm.slice(1), 'run', phase.script], {
        cwd: join(root, phase.dir),
        env: { ...process.env, ...phase.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so stopping it stops what it started (vitest, workerd, wrangler).
        detached: true,
      });
      const output = [];
      outputs.set(phase.name, { output, t0, child });
      child.on('error', (error) => output.push(Buffer.from(`✗ could not start ${pnpm[0]}: ${error.message}\n`)));
      child.stdout.on('data', (chunk) => output.push(chunk));
      child.stderr.on('data', (chunk) => output.push(chunk));
      child.on('close', (code, signal) => {
        outputs.delete(phase.name);
        const ms = Date.now() - t0;
        const passed = code === 0;
        const wasStopped = stopped.has(phase.name);
        status.set(phase.name, { state: passed ? 'passed' : wasStopped ? 'stopped' : 'failed', ms });
        console.log(
          `\n──── ${phase.name}: ${passed ? 'passed' : wasStopped ? 'stopped (another phase failed)' : `FAILED (${signal ?? `exit ${code}`})`} in ${seconds(ms)}`,
        );
        if (!passed && !wasStopped) stopOthers(phase.name);
        process.stdout.write(Buffer.concat(output));
        console.log(`──── end of ${phase.name}\n`);
        resolve();
      });
    })
  );
}

/** Phases stopped because another failed: the run's answer is known, their time is not needed. */
const stopped = new Set();

/**
 * Stops every running phase but `failed` (its whole process group) with SIGINT, as Ctrl-C does:
 * Playwright then stops the web server it started in a process group of its own (on SIGTERM it
 * leaves it running, holding its port).
 */
function stopOthers(failed) {
  for (const [name, { child }] of outputs) {
    if (name === failed || stopped.has(name)) continue;
    stopped.add(name);
    try {
      process.kill(-child.pid, 'SIGINT');
    } catch {
      // Already gone.
    }
  }
}

function printTimes() {
  console.log(`time per phase (${jobs} at a time), ${seconds(Date.now() - started)} in all:`);
  for (const phase of PHASES) {
    /** @type {{ state: string, ms?: number }} */
    const s = status.get(phase.name) ?? { state: 'waiting' };
    const ms = s.ms ?? (outputs.has(phase.name) ? Date.now() - outputs.get(phase.name).t0 : undefined);
    console.log(`  ${phase.name.padEnd(18)} ${s.state.padEnd(8)} ${ms === undefined ? '' : seconds(ms)}`);
  }
}

// Stopped (Ctrl-C, a CI time limit): what the running phases printed so far, and the times; the
// phases' process groups are stopped too (they are detached, so the signal does not reach them).
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    for (const [, { child }] of outputs) {
      try {
        process.kill(-child.pid, 'SIGINT');
      } catch {
        // Already gone.
      }
    }
    for (const [name, { output }] of outputs) {
      console.log(`\n──── ${name}: stopped; its output so far`);
      process.stdout.write(Buffer.concat(output));
    }
    printTimes();
    process.exit(1);
  });

const running = new Set();
for (;;) {
  const failed = [...status.values()].some((s) => s.state === 'failed');
  for (const phase of PHASES) {
    if (status.has(phase.name)) continue;
    const needs = (phase.needs ?? []).map((n) => status.get(n)?.state);
    if (failed || needs.some((s) => s !== undefined && s !== 'passed' && s !== 'running'))
      status.set(phase.name, { state: 'skipped' });
  }
  const ready = () =>
    PHASES.find(
      (p) =>
        !status.has(p.name) &&
        (p.needs ?? []).every((n) => status.get(n)?.state === 'passed') &&
        !(p.alone && [...running].some((r) => r.alone === p.alone)),
    );
  for (let phase = ready(); running.size < jobs && phase; phase = ready()) {
    const run = runPhase(phase).then(() => running.delete(entry));
    const entry = { alone: phase.alone, run };
    running.add(entry);
  }
  if (!running.size) break;
  await Promise.race([...running].map((r) => r.run));
}

printTimes();
process.exit([...status.values()].every((s) => s.state === 'passed') ? 0 : 1);
