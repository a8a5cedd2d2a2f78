import { tty } from '../terminal-text.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { accountStep, wranglerStep } from './account-steps.js';
import { ConfigEditError, withAllowedTopicArns, withMode } from './config-edits.js';
import { printNextSteps } from './next-steps.js';
import { buildStep, deployStep, opsTokenStep } from './release-steps.js';
import { archiveLifecycleStep } from './archive-lifecycle-step.js';
import { bucketsStep, databasesStep, migrationsStep, queuesStep } from './resource-steps.js';
import { deployContext, StepFailure, type DeployContext } from './step-context.js';
import { TomlError } from './toml.js';
import { deployConfigProblems, deployedMode, readDeployConfig, type DeployConfig } from './wrangler-config.js';
import type { Print } from '../command.js';

/** What `kuratchi-ses deploy` is asked to do. */
export interface DeployOptions {
  /** The wrangler configuration (absolute or relative to the working directory). */
  configPath: string;
  /** Switch to this mode first (writes the configuration); unset: the mode it is in. */
  mode?: 'queued' | 'direct';
  /** SNS topic ARNs to add to the allowed topics (writes the configuration). */
  topicArns: readonly string[];
  /** Run only what reads; print every command that would change something. */
  dryRun: boolean;
  /** Where progress and results are printed, line by line. */
  out: Print;
  env?: NodeJS.ProcessEnv;
}

/** How it ended: `failedStep` names the step that failed (nothing after it ran). */
export interface DeployOutcome {
  ok: boolean;
  failedStep?: string;
  url?: string | null;
}

/**
 * Deploys the dashboard Worker from a clone of the repository with wrangler, step by step, each
 * reading the account first and changing only what is missing, so that a second run changes
 * nothing but deploying again and a run after a failure resumes: wrangler and the account, the
 * configuration's own edits (mode, allowed topics), the D1 databases (their ids written into the
 * configuration), the queues and R2 buckets, the migrations not applied yet, the build, `wrangler
 * deploy`, then the operations token. A configuration that cannot deploy the dashboard
 * ({@link deployConfigProblems}) stops it before any call.
 * @see https://developers.cloudflare.com/workers/wrangler/commands/
 */
export async function runDeploy(options: DeployOptions): Promise<DeployOutcome> {
  const { out } = options;
  const configPath = resolve(options.configPath);
  const shown = relative(process.cwd(), configPath) || basename(configPath);
  const ctx = deployContext({
    dryRun: options.dryRun,
    configPath,
    shown,
    cwd: dirname(configPath),
    env: options.env ?? process.env,
    out,
  });
  const read = readConfiguration(options, ctx);
  if (!read) return { ok: false, failedStep: 'configuration' };
  const { config, mode } = read;
  let { text } = read;
  out(
    tty`kuratchi-ses deploy${ctx.dryRun ? ' (dry run: runs only what reads; prints what it would change)' : ''}: ${shown}, Worker ${config.name}, ${mode} mode`,
  );
  try {
    await wranglerStep(ctx);
    await accountStep(ctx, config.accountId);
    ctx.step = 'configuration';
    if (read.wanted === text) ctx.report('unchanged', shown);
    else if (ctx.dryRun) ctx.report('planned', `would write ${read.edits} into ${shown}`);
    else {
      writeFileSync(configPath, read.wanted);
      ctx.report('updated', `${read.edits} written into ${shown}`);
    }
    text = read.wanted;
    text = await databasesStep(ctx, config, text);
    await queuesStep(ctx, config);
    await bucketsStep(ctx, config);
    await archiveLifecycleStep(ctx, config);
    await migrationsStep(ctx, config);
    await buildStep(ctx, config.main);
    const url = await deployStep(ctx);
    const token = await opsTokenStep(ctx);
    printNextSteps(out, { url, token, dryRun: ctx.dryRun, mode, topics: config.allowedTopicArns });
    return { ok: true, url };
  } catch (thrown) {
    const error = thrown instanceof StepFailure ? thrown : new StepFailure(ctx.step, (thrown as Error).message);
    out(tty`✗ step ${error.step} failed: ${error.message}`);
    for (const line of error.output.trim().split('\n').slice(-15).filter(Boolean)) out(tty`    ${line}`);
    out(
      tty`Nothing after it ran. Fix the cause and run the same command again: what exists is found and kept, nothing is created twice.`,
    );
    return { ok: false, failedStep: error.step };
  }
}

/**
 * The configuration as read, and as the flags want it (`wanted`: mode and topics edited in,
 * `edits` saying which); null, with the reason printed, when it cannot be read or cannot deploy.
 */
function readConfiguration(
  options: DeployOptions,
  ctx: DeployContext,
): { text: string; wanted: string; edits: string; config: DeployConfig; mode: 'queued' | 'direct' } | null {
  let text: string;
  try {
    text = readFileSync(ctx.configPath, 'utf8');
  } catch (error) {
    ctx.out(tty`✗ cannot read the configuration ${ctx.shown}: ${(error as Error).message}`);
    return null;
  }
  let wanted = text;
  let config: DeployConfig;
  const edits: string[] = [];
  try {
    const current = deployedMode(readDeployConfig(text));
    if (options.mode && options.mode !== current) {
      wanted = withMode(wanted, options.mode, current);
      edits.push(`${options.mode} mode`);
    }
    const topics = withAllowedTopicArns(wanted, options.topicArns);
    if (topics !== wanted) edits.push('the allowed topics');
    wanted = topics;
    config = readDeployConfig(wanted);
  } catch (error) {
    if (!(error instanceof TomlError || error instanceof ConfigEditError)) throw error;
    ctx.out(tty`✗ ${ctx.shown}: ${error.message}`);
    return null;
  }
  const problems = deployConfigProblems(config);
  if (problems.length) {
    ctx.out(tty`✗ ${ctx.shown} cannot deploy the dashboard; change this and run again:`);
    for (const problem of problems) ctx.out(tty`  - ${problem}`);
    return null;
  }
  return { text, wanted, edits: edits.join(' and '), config, mode: deployedMode(config) };
}
