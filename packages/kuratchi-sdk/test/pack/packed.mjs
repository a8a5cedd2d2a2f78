// The package as npm users get it: packed from a clean copy of its sources (no dist/, as in a fresh
// clone: `prepack` builds it), then installed from the tarball into a scratch project outside the
// workspace, offline, from the pnpm store `pnpm install` filled.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's directory. */
export const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
/** The workspace root (its tsconfig.json the package's extend; its lockfile pins every version). */
export const WORKSPACE = join(PACKAGE_DIR, '../..');
/** package.json of the package. */
export const PKG = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
/** A bound for one step on a busy machine (a build, an install), not a speed target. */
const STEP_MS = 10 * 60_000;

/**
 * pnpm as the workspace runs it: the one that started this test (`pnpm run test:pack` sets
 * npm_execpath), else the pinned one through npx.
 * @returns {[string, string[]]}
 */
function pnpm() {
  const execpath = process.env.npm_execpath;
  if (execpath?.includes('pnpm')) return /\.[cm]?js$/.test(execpath) ? [process.execPath, [execpath]] : [execpath, []];
  return ['npx', ['-y', `pnpm@${/^pnpm@(.+)$/.exec(readJson(join(WORKSPACE, 'package.json')).packageManager)?.[1]}`]];
}

/** @param {string} path */
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/**
 * Runs a command to its end; its stdout. Throws with its output when it fails.
 * @param {string} file
 * @param {string[]} args
 * @param {string} cwd
 * @param {NodeJS.ProcessEnv} [env] default: this process's, the AWS SDK's Node-version notice off
 */
export function run(
  file,
  args,
  cwd,
  env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
) {
  try {
    return execFileSync(file, args, {
      cwd,
      env,
      encoding: 'utf8',
      timeout: STEP_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = /** @type {{ stdout?: string, stderr?: string, message: string }} */ (error);
    throw new Error(
      `${file} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Packs the package as `npm pack` does from a fresh clone: its sources copied (no dist/, no
 * node_modules/) beside a copy of the root tsconfig.json, its installed dependencies linked in.
 * @param {string} dir an empty directory for the copy and the tarball
 * @returns {{ tarball: string, files: Array<{ path: string, mode: number }> }} the tarball and what npm says it holds
 */
export function packFromSources(dir) {
  const copy = join(dir, 'repo/packages/kuratchi-sdk');
  cpSync(PACKAGE_DIR, copy, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
  });
  cpSync(join(WORKSPACE, 'tsconfig.json'), join(dir, 'repo/tsconfig.json'));
  symlinkSync(join(PACKAGE_DIR, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const env = { ...process.env, npm_config_update_notifier: 'false' };
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], copy, env));
  return { tarball: join(dir, packed.filename), files: packed.files };
}

/**
 * A scratch project outside the workspace with the tarball installed, and `devDependencies`
 * (names of the package's own devDependencies, at the versions it pins), offline: the
 * workspace's lockfile is copied in so that every dependency resolves to the version the store
 * holds.
 * @param {string} dir an empty directory
 * @param {string} tarball
 * @param {string[]} devDependencies
 */
export function installScratch(dir, tarball, devDependencies) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  cpSync(join(WORKSPACE, 'pnpm-lock.yaml'), join(dir, 'pnpm-lock.yaml'));
  const pins = devDependencies.map((name) => `${name}@${PKG.devDependencies[name]}`);
  const [file, args] = pnpm();
  run(file, [...args, 'add', '--offline', tarball, ...pins], dir);
  return dir;
}

/** A new empty directory under the system's temporary directory (outside the workspace). */
export const scratchDir = () => mkdtempSync(join(tmpdir(), 'kuratchi-sdk-pack-'));
