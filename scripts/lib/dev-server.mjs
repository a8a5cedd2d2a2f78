// The dashboard on `wrangler dev` for the benchmarks: scripts/dev.mjs (migrations, demo data,
// `wrangler dev`) without its live traffic, on its own local state and a free port, in a process
// group of its own so that nothing of it can outlive the caller.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, processGroupAlive, sleep } from './processes.mjs';
import { ROOT, wranglerEnv } from './wrangler.mjs';

/**
 * @typedef {object} DevServer
 * @property {string} base the dashboard's origin, `http://127.0.0.1:PORT`
 * @property {string} stateDir its local D1 state; the demo's files (signer.json) are in `demo/`
 * @property {string} logFile where scripts/dev.mjs and wrangler write their output
 * @property {() => boolean} exited whether scripts/dev.mjs has exited
 * @property {() => Promise<void>} stop SIGTERM to scripts/dev.mjs (it stops wrangler), then waits
 *   up to 20 s for its whole process group to be gone, and SIGKILLs what is left; once
 */

/**
 * Starts scripts/dev.mjs with `DEMO_TRAFFIC=off` on a fresh `stateDir` (emptied first) and waits
 * until the dashboard answers `GET /api/ping` with 200 (at most 180 s; throws if it exits first
 * or does not answer in time). SIGINT or SIGTERM to this process stops it, then exits 130; the
 * process group is SIGKILLed when this process exits anyway.
 * @param {{ stateDir: string, env?: Record<string, string>, log?: (line: string) => void }} options
 *   `env`: more environment of scripts/dev.mjs; `log`: where the start is announced
 * @returns {Promise<DevServer>}
 */
export async function startDevServer({ stateDir, env = {}, log = console.log }) {
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logFile = join(stateDir, 'dev.log');
  log(`• starting the dashboard on wrangler dev (scripts/dev.mjs, DEMO_TRAFFIC=off) on ${base}; log: ${logFile}`);
  const output = createWriteStream(logFile);
  const server = spawn(process.execPath, [join(ROOT, 'scripts/dev.mjs')], {
    cwd: ROOT,
    env: wranglerEnv({ ...env, PORT: String(port), DEMO_TRAFFIC: 'off', KURATCHI_STATE_DIR: stateDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = server.pid;
  if (pid === undefined) throw new Error('scripts/dev.mjs could not be started');
  server.stdout.pipe(output);
  server.stderr.pipe(output);
  let exited = false;
  /** @type {Promise<void>} */
  const exit = new Promise((resolve) =>
    server.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  // Last resort (an uncaught error): never leave the Worker running.
  process.on('exit', () => {
    if (processGroupAlive(pid)) process.kill(-pid, 'SIGKILL');
  });

  /** @type {Promise<void> | undefined} */
  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      if (!exited) process.kill(pid, 'SIGTERM');
      await Promise.race([exit, sleep(10_000)]);
      const deadline = Date.now() + 10_000;
      while (processGroupAlive(pid) && Date.now() < deadline) await sleep(200);
      if (processGroupAlive(pid)) {
        console.error('• the dashboard did not stop within 20 s: SIGKILL to its process group');
        process.kill(-pid, 'SIGKILL');
      }
    })();
    return stopped;
  };

  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.on(signal, async () => {
      await stop();
      process.exit(130);
    });
  }

  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (exited) throw new Error(`scripts/dev.mjs exited before the dashboard answered; see ${logFile}`);
      const ok = await fetch(`${base}/api/ping`, { signal: AbortSignal.timeout(2000) })
        .then(async (response) => (await response.body?.cancel(), response.status === 200))
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('the dashboard did not answer /api/ping within 180 s');
      await sleep(500);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, stateDir, logFile, exited: () => exited, stop };
}
