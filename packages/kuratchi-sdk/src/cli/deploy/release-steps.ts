import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { findOnPath, runProcess } from './processes.js';
import { StepFailure, type DeployContext } from './step-context.js';
import { parseDeployUrl, parseSecretNames } from './wrangler-answers.js';

/** The secret the deploy generates: the operations API's bearer token (`kuratchi-ses` commands). */
export const OPS_TOKEN_SECRET = 'KURATCHI_OPS_TOKEN';

/**
 * The directory of the package that builds the Worker: the nearest package.json with a `build`
 * script above `main`, within the configuration's directory (apps/dashboard in the repository).
 */
export function workerPackage(configDir: string, main: string | undefined): string | null {
  if (!main) return null;
  for (let dir = dirname(resolve(configDir, main)); dir === configDir || dir.startsWith(configDir + sep);) {
    const manifest = resolve(dir, 'package.json');
    if (existsSync(manifest)) {
      const { scripts } = JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> };
      if (scripts?.['build']) return dir;
    }
    if (dir === configDir) break;
    dir = dirname(dir);
  }
  return null;
}

/**
 * Builds the Worker's package (`npm run build` there: the dashboard's `vite build`, whose output
 * the entry imports); the SDK it uses is the one this CLI runs from, built already.
 */
export async function buildStep(ctx: DeployContext, main: string | undefined): Promise<void> {
  ctx.step = 'build';
  const pkg = workerPackage(ctx.cwd, main);
  const where = pkg ? relative(process.cwd(), pkg) || '.' : '';
  if (!pkg) ctx.report('unchanged', 'no package with a build script holds `main`: nothing to build');
  else if (ctx.dryRun) ctx.report('planned', `would run: npm run build (in ${where})`);
  else {
    const npm = findOnPath('npm', ctx.env);
    if (!npm) throw new StepFailure(ctx.step, 'npm not found on PATH (it comes with Node.js)');
    const build = await runProcess(npm, ['run', 'build'], { cwd: pkg, env: ctx.env });
    if (build.status !== 0)
      throw new StepFailure(ctx.step, `npm run build exited with ${build.status}`, build.stderr + build.stdout);
    ctx.report('ran', `npm run build (in ${where})`);
  }
}

/**
 * `wrangler deploy`; the URL the Worker answers on (null in a dry run, or when wrangler printed
 * none).
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#deploy
 */
export async function deployStep(ctx: DeployContext): Promise<string | null> {
  ctx.step = 'deploy';
  if (ctx.dryRun) {
    ctx.report('planned', `would run: ${ctx.shownCommand(['deploy'])}`);
    return null;
  }
  const url = parseDeployUrl((await ctx.wranglerRun(['deploy'])).stdout);
  ctx.report('ran', url ?? 'deployed (wrangler printed no workers.dev URL, route or custom domain)');
  return url;
}

/**
 * The operations token: when the Worker has no `KURATCHI_OPS_TOKEN` secret (`wrangler secret
 * list`), 32 random bytes (43 characters of base64url, above the setting's minimum of 32) are
 * set through `wrangler secret put`'s stdin and returned to be printed once; an existing secret
 * is never overwritten (returns null).
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#secret-put
 */
export async function opsTokenStep(ctx: DeployContext): Promise<string | null> {
  ctx.step = `secret ${OPS_TOKEN_SECRET}`;
  const secrets = parseSecretNames(await ctx.wranglerRun(['secret', 'list'], { mayFail: true }));
  if (secrets?.includes(OPS_TOKEN_SECRET)) {
    ctx.report('unchanged', 'set before (kept)');
    return null;
  }
  const put = ['secret', 'put', OPS_TOKEN_SECRET];
  if (ctx.dryRun) {
    ctx.report('planned', `would run: ${ctx.shownCommand(put)} (a generated token on stdin)`);
    return null;
  }
  const token = randomBytes(32).toString('base64url');
  await ctx.wranglerRun(put, { input: token });
  ctx.report('created', 'generated and set');
  return token;
}
