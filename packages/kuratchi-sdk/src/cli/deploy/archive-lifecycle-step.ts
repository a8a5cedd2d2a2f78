import { ARCHIVE_DAYS_VAR, type DeployConfig } from './wrangler-config.js';
import { StepFailure, type DeployContext } from './step-context.js';

/** The binding of the raw SNS archive (the dashboard's `SES_ARCHIVE`). */
export const ARCHIVE_BINDING = 'SES_ARCHIVE';
/** The name of the lifecycle rule this command owns on the archive's bucket. */
export const ARCHIVE_RULE = 'kuratchi-sns-archive-retention';
/** The key prefix of archived SNS messages (certificates, under `certs/`, are kept). */
export const ARCHIVE_PREFIX = 'sns/';

/**
 * The archive's retention: an R2 lifecycle rule on its bucket expiring archived SNS messages
 * (`sns/`) after `KURATCHI_RETENTION_ARCHIVE_DAYS` (the dashboard's default when unset). Keys
 * are not per organisation, so the rule is the deployment's, for every organisation. Read with
 * `wrangler r2 bucket lifecycle list`; added when missing, replaced (remove, add) when its days
 * differ, left alone when equal; the bucket's other rules are kept.
 * @see https://developers.cloudflare.com/r2/buckets/object-lifecycles/
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#r2-bucket-lifecycle-add
 */
export async function archiveLifecycleStep(ctx: DeployContext, config: DeployConfig): Promise<void> {
  const archive = config.buckets.find((b) => b.binding === ARCHIVE_BINDING);
  if (!archive) return;
  ctx.step = `r2 ${ARCHIVE_BINDING} lifecycle`;
  const { DEFAULT_RETENTION, RETENTION_DAYS_LIMITS } = await import('kuratchi-sdk/internal/retention');
  const days = config.archiveDays === undefined ? DEFAULT_RETENTION.archiveDays : Number(config.archiveDays);
  if (!Number.isInteger(days) || days < RETENTION_DAYS_LIMITS.min || days > RETENTION_DAYS_LIMITS.max)
    throw new StepFailure(
      ctx.step,
      `${ARCHIVE_DAYS_VAR} must be a whole number of days from ${RETENTION_DAYS_LIMITS.min} to ${RETENTION_DAYS_LIMITS.max}, not ${JSON.stringify(config.archiveDays)}`,
    );
  const add = [
    'r2',
    'bucket',
    'lifecycle',
    'add',
    archive.bucket,
    ARCHIVE_RULE,
    ARCHIVE_PREFIX,
    '--expire-days',
    String(days),
    '--force',
  ];
  const remove = ['r2', 'bucket', 'lifecycle', 'remove', archive.bucket, '--name', ARCHIVE_RULE];
  const listed = await ctx.wranglerRun(['r2', 'bucket', 'lifecycle', 'list', archive.bucket], { mayFail: true });
  // A bucket the dry run has not created yet has no rules.
  const current = listed.status === 0 ? ruleDays(listed.stdout) : null;
  if (listed.status !== 0 && !ctx.dryRun)
    throw new StepFailure(ctx.step, `wrangler r2 bucket lifecycle list exited with ${listed.status}`, listed.stderr);
  if (current === days) return ctx.report('unchanged', `${ARCHIVE_PREFIX} expires after ${days} days`);
  const commands = current === null ? [add] : [remove, add];
  if (ctx.dryRun) {
    for (const command of commands) ctx.report('planned', `would run: ${ctx.shownCommand(command)}`);
    return;
  }
  for (const command of commands) await ctx.wranglerRun(command);
  ctx.report(
    current === null ? 'created' : 'updated',
    `${ARCHIVE_PREFIX} expires after ${days} days${current === null ? '' : ` (was ${current})`}`,
  );
}

/**
 * The days of our rule in `wrangler r2 bucket lifecycle list`'s answer (one block per rule:
 * `name: …`, `enabled: …`, `prefix: …`, `action: Expire objects after N days`), or null.
 */
export function ruleDays(listing: string): number | null {
  for (const block of listing.split(/\n\s*\n/)) {
    if (!new RegExp(`^\\s*name:\\s+${ARCHIVE_RULE}\\s*$`, 'm').test(block)) continue;
    const match = /Expire objects after (\d+(?:\.\d+)?) days/.exec(block);
    return match ? Number(match[1]) : -1;
  }
  return null;
}
