// wrangler as the Node tools run it (benchmarks, demo, node and end-to-end tests): its own entry
// point run by this Node (no pnpm in between, so signals reach it), from the repository root with
// the demo's configuration (wrangler.dev.toml) unless told another, quiet and offline.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where the wrangler configurations are), with a trailing `/`. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The demo's configuration: `pnpm dev`, the tests and the benchmarks (local state only). */
export const DEV_CONFIG = join(ROOT, 'wrangler.dev.toml');

/** The production configuration: what `kuratchi-ses deploy` deploys. */
export const PRODUCTION_CONFIG = join(ROOT, 'wrangler.toml');

/** wrangler's entry point (`wrangler/bin/wrangler.js`), resolved from the root's dependencies. */
export const WRANGLER_BIN = createRequire(join(ROOT, 'package.json')).resolve('wrangler/bin/wrangler.js');

/**
 * The environment of this process for a wrangler run, with wrangler's metrics and Cloudflare's
 * request metadata fetch off (nothing may reach Cloudflare), its banner off and its npm update
 * check pointed at a closed loopback port (the check reads npm's registry from
 * `npm_config_registry`; it runs for the banner and for some warnings), and `extra` on top.
 * @param {Record<string, string>} [extra]
 * @returns {NodeJS.ProcessEnv}
 */
export function wranglerEnv(extra = {}) {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    npm_config_registry: 'http://127.0.0.1:9/',
    ...extra,
  };
}

/**
 * Runs `wrangler …args --config config` from the root and waits for it; its exit status and output.
 * @param {string[]} args
 * @param {{ env?: Record<string, string>, timeoutMs?: number, config?: string }} [options] `env`:
 *   added to {@link wranglerEnv}; `config`: default {@link DEV_CONFIG}
 */
export function runWrangler(args, { env = {}, timeoutMs, config = DEV_CONFIG } = {}) {
  return spawnSync(process.execPath, [WRANGLER_BIN, ...args, '--config', config], {
    cwd: ROOT,
    env: wranglerEnv(env),
    encoding: 'utf8',
    ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
  });
}

/**
 * Bundles the dashboard Worker as a deploy would (`wrangler deploy --dry-run`, offline) into
 * `outdir` (its entry: `worker.js`) with `config` (default the production one); needs the built
 * dashboard (`pnpm build`). Returns wrangler's output (it lists the bindings); throws with that
 * output when wrangler fails.
 * @param {string} outdir
 * @param {string} [config]
 * @returns {string}
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#deploy
 */
export function bundleDashboard(outdir, config = PRODUCTION_CONFIG) {
  const run = runWrangler(['deploy', '--dry-run', '--outdir', outdir], { env: { CI: 'true' }, config });
  if (run.status !== 0)
    throw new Error(`wrangler deploy --dry-run failed (run pnpm build first):\n${run.stdout}\n${run.stderr}`);
  return run.stdout + run.stderr;
}

/**
 * Runs SQL on a local D1 database of `wrangler dev` kept under `stateDir` (`wrangler d1 execute
 * --local --persist-to`); the rows of its first statement. The running `wrangler dev` writes the
 * same SQLite file, so a run that finds it locked (SQLITE_BUSY: nothing was executed) is tried
 * again after a growing pause, as SQLite's own busy handler would. Throws with wrangler's output
 * when it fails otherwise, or when five minutes have passed (a bound for a busy machine, not a
 * speed target).
 * @param {string} binding the database's binding in wrangler.dev.toml, e.g. `ADMIN_DB`
 * @param {string} sql
 * @param {string} stateDir
 * @returns {any[]} the rows as wrangler answers them (column name → value)
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#d1-execute
 * @see https://www.sqlite.org/rescode.html#busy
 */
export function d1Execute(binding, sql, stateDir) {
  const deadline = Date.now() + 300_000;
  for (let attempt = 1; ; attempt++) {
    const run = runWrangler(
      ['d1', 'execute', binding, '--local', '--persist-to', stateDir, '--json', '--command', sql],
      { timeoutMs: Math.max(deadline - Date.now(), 1000) },
    );
    if (run.status === 0) return JSON.parse(run.stdout)[0]?.results ?? [];
    const output = run.stderr || run.stdout || '';
    if (!output.includes('SQLITE_BUSY') || Date.now() >= deadline) {
      const how = run.signal ? `killed by ${run.signal}` : run.error ? run.error.message : `exit ${run.status}`;
      throw new Error(`wrangler d1 execute ${binding} failed (${how}): ${output}`);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(250 * attempt, 2000));
  }
}
