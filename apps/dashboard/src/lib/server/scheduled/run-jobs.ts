import { InvocationBudget } from './budget';

/**
 * One job of the Worker's cron run: a name for its log line, its share of the invocation's D1
 * queries, and the work for a given time.
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export interface ScheduledJob {
  name: string;
  /**
   * Most calls the job makes to D1 and organisations' objects (./budget.ts counts them); with
   * `rest`, the least it is left. The jobs' figures together stay within the invocation's budget.
   */
  queries: number;
  /** Takes every call the jobs after it do not reserve (the retention purge). */
  rest?: boolean;
  /**
   * Does the job's work as of `now` within `share.queries` calls; resolves to figures for
   * the log line (counts, ids).
   */
  run(now: Date, share: JobShare): Promise<object | void>;
}

/** What a job may spend in this invocation. */
export interface JobShare {
  /** Calls it may make: its `queries`, or for a `rest` job what the later jobs leave. */
  queries: number;
}

/**
 * What one job did, as logged.
 * @see https://developers.cloudflare.com/workers/observability/logs/workers-logs/
 */
export interface ScheduledJobResult {
  job: string;
  outcome: 'ok' | 'failed';
  /** The figures the job returned. */
  result?: object;
  /** Why it failed (the error's text: logs only). */
  error?: string;
}

/**
 * The cron invocation a run belongs to.
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/
 */
export interface ScheduledRun {
  /** `controller.scheduledTime`: the time every job works as of (time is an input). */
  now: Date;
  /** `controller.cron`: which trigger fired. */
  cron: string;
  /** Where the JSON lines go; default the console (Workers Logs). */
  log?: Pick<Console, 'log' | 'error'>;
  /**
   * The invocation's budget, charged by the jobs' env (`budgetedEnv`); default a new one of
   * CRON_QUERY_LIMIT.
   */
  budget?: InvocationBudget;
}

/**
 * The calls the jobs reserve together (each its `queries`), checked against `limit`: a job
 * then always finds its share left, and a `rest` job takes what the later ones do not reserve.
 * @throws {RangeError} when the jobs' figures together exceed `limit` (a wrong job list).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export function reservedQueries(jobs: readonly ScheduledJob[], limit: number): number {
  const total = jobs.reduce((sum, job) => sum + job.queries, 0);
  if (total > limit)
    throw new RangeError(`the scheduled jobs reserve ${total} D1 queries, more than the invocation's ${limit}`);
  return total;
}

/**
 * Runs the jobs one after the other, each failing independently: a job that throws is logged and
 * the next one still runs. Each job is logged as one JSON line
 * `{"msg":"scheduled-job","job":…,"cron":…,"scheduledTime":…,"outcome":"ok"|"failed","ms":…,…}`,
 * with the job's own figures (and `queries`, the calls it made; `refused`, those its share
did not allow, when the job went on without them) or its error. Each job runs
within its share of `run.budget` (see {@link reservedQueries}).
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/
 * @see https://developers.cloudflare.com/workers/observability/logs/workers-logs/
 */
export async function runScheduledJobs(
  jobs: readonly ScheduledJob[],
  run: ScheduledRun,
): Promise<ScheduledJobResult[]> {
  const log = run.log ?? console;
  const budget = run.budget ?? new InvocationBudget();
  let reserved = reservedQueries(jobs, budget.limit);
  const results: ScheduledJobResult[] = [];
  for (const job of jobs) {
    reserved -= job.queries;
    const queries = job.rest ? budget.left() - reserved : Math.min(job.queries, budget.left() - reserved);
    budget.open(job.name, queries);
    const spentBefore = budget.spent;
    const started = Date.now();
    const line = { msg: 'scheduled-job', job: job.name, cron: run.cron, scheduledTime: run.now.toISOString() };
    try {
      const result = (await job.run(run.now, { queries })) ?? undefined;
      results.push({ job: job.name, outcome: 'ok', ...(result ? { result } : {}) });
      const sent = budget.spent - spentBefore;
      // A job that caught a refusal (an optional part skipped) still says so.
      const refused = budget.refused ? { refused: budget.refused } : {};
      log.log(
        JSON.stringify({ ...line, outcome: 'ok', ms: Date.now() - started, ...result, queries: sent, ...refused }),
      );
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      results.push({ job: job.name, outcome: 'failed', error: text });
      const sent = budget.spent - spentBefore;
      log.error(JSON.stringify({ ...line, outcome: 'failed', ms: Date.now() - started, queries: sent, error: text }));
    }
  }
  return results;
}
