import { findWrangler, runProcess } from './processes.js';
import { StepFailure, type DeployContext } from './step-context.js';
import { parseVersion, parseWhoAmI } from './wrangler-answers.js';

/**
 * Finds wrangler ({@link findWrangler}) and prints its version and path.
 * @see https://developers.cloudflare.com/workers/wrangler/install-and-update/
 */
export async function wranglerStep(ctx: DeployContext): Promise<void> {
  ctx.step = 'wrangler';
  const found = findWrangler(ctx.cwd, ctx.env);
  if (!found)
    throw new StepFailure(
      ctx.step,
      'wrangler not found: run from the clone after `pnpm install` (npx kuratchi-ses …), or put wrangler on PATH',
    );
  ctx.wrangler = found;
  const version = parseVersion((await runProcess(found, ['--version'], { cwd: ctx.cwd, env: ctx.env })).stdout);
  ctx.report('found', `${version ?? 'unknown version'} (${found})`);
}

/**
 * Who wrangler acts as (`wrangler whoami --json`): logged in, and on one account: the
 * configuration's `account_id`, CLOUDFLARE_ACCOUNT_ID, or the login's only account (without a
 * terminal wrangler cannot ask which one).
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#whoami
 * @see https://developers.cloudflare.com/workers/wrangler/system-environment-variables/
 */
export async function accountStep(ctx: DeployContext, configAccountId: string | undefined): Promise<void> {
  ctx.step = 'account';
  const me = parseWhoAmI(await ctx.wranglerRun(['whoami', '--json'], { mayFail: true }));
  if (!me.loggedIn)
    throw new StepFailure(
      ctx.step,
      'not logged in to Cloudflare: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN)',
    );
  const accountId = ctx.env['CLOUDFLARE_ACCOUNT_ID'] ?? configAccountId;
  if (!accountId && me.accounts.length > 1)
    throw new StepFailure(
      ctx.step,
      `your login sees ${me.accounts.length} accounts (${me.accounts.map((a) => `${a.name}: ${a.id}`).join(', ')}): choose one with CLOUDFLARE_ACCOUNT_ID=<id>`,
    );
  const account = me.accounts.find((a) => a.id === accountId) ?? me.accounts[0];
  ctx.report('found', `${me.email ?? 'API token'}${account ? `, account ${account.name} (${account.id})` : ''}`);
}
