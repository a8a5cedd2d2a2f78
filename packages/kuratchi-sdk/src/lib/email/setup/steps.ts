import { describeAwsError } from './aws-errors.js';
import type { AwsPlace } from '../shared/aws-names.js';

/**
 * What a step did: `created` / `updated` / `unchanged` (setup), `deleted` / `absent` / `kept`
 * (teardown), `action-needed` (something only you can do, said in the run's `nextSteps`; later
 * steps still run), `planned` (dry run), `failed`, or `skipped` after an earlier failure.
 */
export type StepStatus =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'deleted'
  | 'absent'
  | 'kept'
  | 'action-needed'
  | 'planned'
  | 'failed'
  | 'skipped';

/** One line of a setup or teardown report. */
export interface StepReport {
  step: string;
  status: StepStatus;
  /** What was found or done (for `planned` and `skipped`: what would be done). */
  detail: string;
  /** For `failed`: the AWS error, with what to do when the cause is a usual one. */
  error?: string;
}

/** The outcome of a step that ran. */
export interface StepOutcome {
  status: Exclude<StepStatus, 'planned' | 'failed' | 'skipped'>;
  detail: string;
}

/** One idempotent step over a shared context: it reads the current state and changes only what differs. */
export interface Step<C> {
  name: string;
  /** What the step would do, without calling AWS (dry run, and the detail of a skipped step). */
  plan(context: C): string;
  run(context: C): Promise<StepOutcome>;
}

/**
 * Runs steps in order. A failing step is reported with its error and every later step as
 * `skipped` (they depend on it); earlier steps keep what they did, and running again resumes:
 * every step is idempotent. A dry run only plans.
 */
export async function runSteps<C>(
  steps: readonly Step<C>[],
  context: C,
  dryRun: boolean,
): Promise<{ ok: boolean; steps: StepReport[] }> {
  const reports: StepReport[] = [];
  let failed = false;
  for (const step of steps) {
    if (dryRun) {
      reports.push({ step: step.name, status: 'planned', detail: step.plan(context) });
    } else if (failed) {
      reports.push({ step: step.name, status: 'skipped', detail: `not done: ${step.plan(context)}` });
    } else {
      try {
        reports.push({ step: step.name, ...(await step.run(context)) });
      } catch (error) {
        failed = true;
        reports.push({
          step: step.name,
          status: 'failed',
          detail: `failed: ${step.plan(context)}`,
          error: describeAwsError(error),
        });
      }
    }
  }
  return { ok: !failed, steps: reports };
}

/** What a setup or teardown run reports, whatever its steps. */
export interface RunReport {
  /** False when a step failed: `steps` says which, and what was done before it. */
  ok: boolean;
  dryRun: boolean;
  region: string;
  /**
   * Unknown in a dry run without `accountId` (a topic of yours names its account), or when the
   * account step failed.
   */
  accountId?: string;
  topicArn?: string;
  /** One entry per step, in order. */
  steps: StepReport[];
  /** For a failed run: the failing step and its error. */
  error?: string;
}

/** Runs the steps ({@link runSteps}) and reports them with where they ran. */
export async function runReport<C extends { place: AwsPlace | null; topicArn: string }>(
  steps: readonly Step<C>[],
  context: C,
  options: { dryRun: boolean; region: string },
): Promise<RunReport> {
  const run = await runSteps(steps, context, options.dryRun);
  const failed = run.steps.find((s) => s.status === 'failed');
  return {
    ok: run.ok,
    dryRun: options.dryRun,
    region: options.region,
    ...(context.place ? { accountId: context.place.accountId, topicArn: context.topicArn } : {}),
    steps: run.steps,
    ...(failed ? { error: `step ${failed.step} failed: ${failed.error}` } : {}),
  };
}
