import { ARCHIVE_DAYS_VAR, type DeployConfig } from './wrangler-config.js';
import { StepFailure, type DeployContext } from './step-context.js';
import { parseLifecycleRules, planRules, type RulePlan, type WantedRule } from './lifecycle-rules.js';

/** The binding of the raw SNS archive (the dashboard's `SES_ARCHIVE`). */
export const ARCHIVE_BINDING = 'SES_ARCHIVE';
/** The name of the lifecycle rule of the deployment's default retention (prefix `sns/`). */
export const ARCHIVE_RULE = 'kuratchi-sns-archive-retention';

/** The name of the lifecycle rule of an organisation's override of `days` (prefix `sns-d<days>/`). */
export function archiveChoiceRule(days: number): string {
  return `kuratchi-sns-archive-d${days}`;
}

/**
 * The archive's retention: one R2 lifecycle rule per prefix the archive writes under, on its
 * bucket. `kuratchi-sns-archive-retention` expires `sns/` (the deployment's default) after
 * `KURATCHI_RETENTION_ARCHIVE_DAYS` (the dashboard's default when unset), and
 * `kuratchi-sns-archive-d<days>` expires `sns-d<days>/` after `<days>`, for each of
 * `ARCHIVE_DAYS_CHOICES`, whether or not an organisation chose it yet. One `wrangler r2 bucket
 * lifecycle list`, then for each rule: added when missing (`lifecycle add BUCKET NAME PREFIX
 * --expire-days DAYS --force`), replaced (`lifecycle remove BUCKET --name NAME`, then add) when its
 * prefix or days differ or it is disabled, left alone when equal; the bucket's other rules are kept.
 * (Arguments as wrangler 4.86.0 defines them: `add` takes the bucket, name and prefix as
 * positionals, `--force` skips its confirmation prompts; `remove` takes `--name`.)
 * @see https://developers.cloudflare.com/r2/buckets/object-lifecycles/
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#r2-bucket-lifecycle-add
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#r2-bucket-lifecycle-remove
 */
export async function archiveLifecycleStep(ctx: DeployContext, config: DeployConfig): Promise<void> {
  const archive = config.buckets.find((b) => b.binding === ARCHIVE_BINDING);
  if (!archive) return;
  ctx.step = `r2 ${ARCHIVE_BINDING} lifecycle`;
  const { DEFAULT_RETENTION, RETENTION_DAYS_LIMITS, ARCHIVE_DAYS_CHOICES, DEFAULT_ARCHIVE_PREFIX, archivePrefix } =
    await import('kuratchi-sdk/internal/retention');
  const days = config.archiveDays === undefined ? DEFAULT_RETENTION.archiveDays : Number(config.archiveDays);
  if (!Number.isInteger(days) || days < RETENTION_DAYS_LIMITS.min || days > RETENTION_DAYS_LIMITS.max)
    throw new StepFailure(
      ctx.step,
      `${ARCHIVE_DAYS_VAR} must be a whole number of days from ${RETENTION_DAYS_LIMITS.min} to ${RETENTION_DAYS_LIMITS.max}, not ${JSON.stringify(config.archiveDays)}`,
    );
  const wanted: WantedRule[] = [
    { name: ARCHIVE_RULE, prefix: DEFAULT_ARCHIVE_PREFIX, days },
    ...ARCHIVE_DAYS_CHOICES.map((d) => ({ name: archiveChoiceRule(d), prefix: archivePrefix(d), days: d })),
  ];
  const listed = await ctx.wranglerRun(['r2', 'bucket', 'lifecycle', 'list', archive.bucket], { mayFail: true });
  if (listed.status !== 0 && !ctx.dryRun)
    throw new StepFailure(ctx.step, `wrangler r2 bucket lifecycle list exited with ${listed.status}`, listed.stderr);
  // A bucket the dry run has not created yet has no rules.
  const plans = planRules(archive.bucket, wanted, listed.status === 0 ? parseLifecycleRules(listed.stdout) : []);
  const [defaultPlan, ...choicePlans] = plans as [RulePlan, ...RulePlan[]];
  if (ctx.dryRun) {
    for (const plan of plans)
      if (plan.status !== 'unchanged')
        for (const command of plan.commands) ctx.report('planned', `would run: ${ctx.shownCommand(command)}`);
    if (defaultPlan.status === 'unchanged') ctx.report('unchanged', defaultLine(defaultPlan));
    if (summaryStatus(choicePlans) === 'unchanged') ctx.report('unchanged', choicesLine(choicePlans));
    return;
  }
  for (const plan of plans)
    if (plan.status !== 'unchanged') for (const command of plan.commands) await ctx.wranglerRun(command);
  ctx.report(defaultPlan.status, defaultLine(defaultPlan));
  ctx.report(summaryStatus(choicePlans), choicesLine(choicePlans));
}

/** The default rule's line: `sns/ expires after 45 days (was 7 days)`. */
function defaultLine(plan: RulePlan): string {
  return `${plan.rule.prefix} expires after ${plan.rule.days} days${plan.status === 'updated' ? ` (was ${plan.was})` : ''}`;
}

/** The choices' line: what changed, by days (`created 7, 14; updated 30 (was prefix sns/); 10 unchanged`). */
function choicesLine(plans: readonly RulePlan[]): string {
  const created = plans.filter((p) => p.status === 'created').map((p) => p.rule.days);
  const updated = plans.flatMap((p) => (p.status === 'updated' ? [`${p.rule.days} (was ${p.was})`] : []));
  const unchanged = plans.filter((p) => p.status === 'unchanged').length;
  const parts = [
    ...(created.length ? [`created ${created.join(', ')}`] : []),
    ...(updated.length ? [`updated ${updated.join(', ')}`] : []),
    ...(unchanged ? [`${unchanged === plans.length ? 'all' : unchanged} unchanged`] : []),
  ];
  return `sns-d<days>/ expires after <days> days (${plans.length} rules): ${parts.join('; ')}`;
}

/** The choices' status: created when all it did was add, updated when it replaced any. */
function summaryStatus(plans: readonly RulePlan[]): RulePlan['status'] {
  if (plans.some((p) => p.status === 'updated')) return 'updated';
  return plans.some((p) => p.status === 'created') ? 'created' : 'unchanged';
}
