/**
 * One job of the Worker's cron run: a name for its log line, and the work for a given time.
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/
 */
export interface ScheduledJob {
  name: string;
  /** Does the job's work as of `now`; resolves to figures for the log line (counts, ids). */
  run(now: Date): Promise<object | void>;
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
}

/**
 * Runs the jobs one after the other, each failing independently: a job that throws is logged and
 * the next one still runs. Each job is logged as one JSON line
 * `{"msg":"scheduled-job","job":…,"cron":…,"scheduledTime":…,"outcome":"ok"|"failed","ms":…,…}`,
 * with the job's own figures or its error.
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/
 * @see https://developers.cloudflare.com/workers/observability/logs/workers-logs/
 */
export async function runScheduledJobs(
  jobs: readonly ScheduledJob[],
  run: ScheduledRun,
): Promise<ScheduledJobResult[]> {
  const log = run.log ?? console;
  const results: ScheduledJobResult[] = [];
  for (const job of jobs) {
    const started = Date.now();
    const line = { msg: 'scheduled-job', job: job.name, cron: run.cron, scheduledTime: run.now.toISOString() };
    try {
      const result = (await job.run(run.now)) ?? undefined;
      results.push({ job: job.name, outcome: 'ok', ...(result ? { result } : {}) });
      log.log(JSON.stringify({ ...line, outcome: 'ok', ms: Date.now() - started, ...result }));
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      results.push({ job: job.name, outcome: 'failed', error: text });
      log.error(JSON.stringify({ ...line, outcome: 'failed', ms: Date.now() - started, error: text }));
    }
  }
  return results;
}
