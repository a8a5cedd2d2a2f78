import { writeFileSync } from 'node:fs';
import { withDatabaseId } from './config-edits.js';
import { StepFailure, type DeployContext } from './step-context.js';
import {
  isMissingBucket,
  isMissingQueue,
  parseD1CreateId,
  parseD1List,
  parsePendingMigrations,
} from './wrangler-answers.js';
import type { DeployConfig } from './wrangler-config.js';

/**
 * Each D1 database the configuration binds: its `database_id` checked against the account, or
 * the database found by name or created (`wrangler d1 create`) and its id written into the
 * configuration at once (a later failure keeps it). Returns the configuration's new text.
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#d1-create
 */
export async function databasesStep(ctx: DeployContext, config: DeployConfig, text: string): Promise<string> {
  ctx.step = 'd1 list';
  const databases = parseD1List((await ctx.wranglerRun(['d1', 'list', '--json'])).stdout);
  for (const d of config.d1) {
    ctx.step = `d1 ${d.binding}`;
    const name = d.databaseName!;
    if (d.databaseId) {
      const db = databases.find((x) => x.uuid === d.databaseId);
      if (!db)
        throw new StepFailure(
          ctx.step,
          `database_id ${d.databaseId} is no D1 database of this account: remove the line to find or create ${name}`,
        );
      ctx.report('unchanged', `${db.name} (${db.uuid})`);
      continue;
    }
    let id = databases.find((x) => x.name === name)?.uuid;
    if (id) ctx.report('found', `${name} (${id}) exists`);
    else if (ctx.dryRun) {
      const create = ctx.shownCommand(['d1', 'create', name]);
      ctx.report('planned', `would run: ${create}, and write its database_id into ${ctx.shown}`);
      continue;
    } else {
      const created = await ctx.wranglerRun(['d1', 'create', name]);
      id =
        parseD1CreateId(created.stdout) ??
        parseD1List((await ctx.wranglerRun(['d1', 'list', '--json'])).stdout).find((x) => x.name === name)?.uuid;
      if (!id) throw new StepFailure(ctx.step, `wrangler created ${name} but printed no database_id`, created.stdout);
      ctx.report('created', `${name} (${id})`);
    }
    if (ctx.dryRun) ctx.report('planned', `would write database_id = "${id}" into ${ctx.shown}`);
    else {
      text = withDatabaseId(text, d.binding, id);
      writeFileSync(ctx.configPath, text);
      ctx.report('updated', `database_id written into ${ctx.shown}`);
    }
  }
  return text;
}

/**
 * Each queue the configuration names (queued mode: the events queue and its dead-letter queue),
 * asked for by name (`wrangler queues info`: `queues list` shows one page) and created when
 * missing.
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#queues-create
 */
export async function queuesStep(ctx: DeployContext, config: DeployConfig): Promise<void> {
  for (const queue of config.queues) {
    ctx.step = `queue ${queue}`;
    const info = await ctx.wranglerRun(['queues', 'info', queue], { mayFail: true });
    if (info.status === 0) ctx.report('unchanged', 'exists');
    else if (!isMissingQueue(info))
      throw new StepFailure(
        ctx.step,
        `wrangler queues info ${queue} exited with ${info.status}`,
        info.stderr + info.stdout,
      );
    else if (ctx.dryRun) ctx.report('planned', `would run: ${ctx.shownCommand(['queues', 'create', queue])}`);
    else {
      await ctx.wranglerRun(['queues', 'create', queue]);
      ctx.report('created', 'created');
    }
  }
}

/**
 * Each R2 bucket the configuration binds (the raw archive), asked for by name (`wrangler r2
 * bucket info`) and created when missing; an account without R2 is told how to enable it.
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#r2-bucket-create
 * @see https://developers.cloudflare.com/r2/api/error-codes/
 */
export async function bucketsStep(ctx: DeployContext, config: DeployConfig): Promise<void> {
  for (const { binding, bucket } of config.buckets) {
    ctx.step = `r2 ${binding}`;
    const info = await ctx.wranglerRun(['r2', 'bucket', 'info', bucket, '--json'], { mayFail: true });
    if (info.status === 0) ctx.report('unchanged', `${bucket} exists`);
    else if (!isMissingBucket(info))
      throw new StepFailure(
        ctx.step,
        `wrangler r2 bucket info ${bucket} exited with ${info.status}`,
        info.stderr + info.stdout,
      );
    else if (ctx.dryRun) ctx.report('planned', `would run: ${ctx.shownCommand(['r2', 'bucket', 'create', bucket])}`);
    else {
      const created = await ctx.wranglerRun(['r2', 'bucket', 'create', bucket], { mayFail: true });
      if (created.status !== 0)
        throw new StepFailure(
          ctx.step,
          /10042|enable R2/i.test(created.stderr + created.stdout)
            ? 'R2 is not enabled on this account: enable it in the Cloudflare dashboard (R2), or remove the [[r2_buckets]] block to run without the archive'
            : `wrangler r2 bucket create ${bucket} exited with ${created.status}`,
          created.stderr + created.stdout,
        );
      ctx.report('created', `${bucket} created`);
    }
  }
}

/**
 * The D1 migrations not applied yet of each database with a `migrations_dir`
 * (`wrangler d1 migrations list`, then `apply`, `--remote`); the dry run only names the command
 * (listing creates the migrations table of a database that has none).
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#d1-migrations-apply
 */
export async function migrationsStep(ctx: DeployContext, config: DeployConfig): Promise<void> {
  for (const d of config.d1.filter((x) => x.migrationsDir)) {
    ctx.step = `migrations ${d.binding}`;
    const apply = ['d1', 'migrations', 'apply', d.binding, '--remote'];
    if (ctx.dryRun) {
      ctx.report('planned', `would run: ${ctx.shownCommand(apply)} (the migrations not applied yet)`);
      continue;
    }
    const listed = await ctx.wranglerRun(['d1', 'migrations', 'list', d.binding, '--remote']);
    const pending = parsePendingMigrations(listed.stdout);
    if (!pending.length) {
      ctx.report('unchanged', 'every migration applied');
      continue;
    }
    await ctx.wranglerRun(apply);
    const names = pending.length > 3 ? `${pending[0]} … ${pending.at(-1)}` : pending.join(', ');
    ctx.report('ran', `applied ${pending.length} (${names})`);
  }
}
