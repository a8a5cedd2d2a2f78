import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { vi } from 'vitest';
import { CRONS } from '../src/lib/server/scheduled/crons';

/** The 10-minute cron of wrangler.toml's `[triggers]` (every job but the guard), as the handler receives it. */
export const CRON = CRONS.jobs;

/** What one run of the scheduled handler did. */
export interface CronRun {
  /** What the handler threw (it throws after every job ran when one failed), or null. */
  failure: unknown;
  /** The `scheduled-job` log lines of the run, one per job in order (console.log and console.error). */
  lines: Array<Record<string, unknown>>;
  /** The line of one job. */
  job(name: string): Record<string, unknown> | undefined;
}

/**
 * Runs the Worker's real `scheduled` handler at `at`, as the cron trigger does, with `overrides`
 * on the test env, for the trigger `cron` (default the 10-minute one; CRONS.guard runs the
 * reputation guard), and collects the log line of each job (console is silenced meanwhile).
 * @see https://developers.cloudflare.com/workers/testing/vitest-integration/test-apis/
 */
export async function runScheduled(
  at: number | Date,
  overrides: Record<string, unknown> = {},
  cron: string = CRON,
): Promise<CronRun> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  log.mockClear();
  error.mockClear();
  try {
    const ctx = createExecutionContext();
    const failure = await Promise.resolve(
      worker.scheduled!(
        createScheduledController({ scheduledTime: new Date(at), cron }),
        { ...env, ...overrides } as never,
        ctx,
      ),
    ).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    await waitOnExecutionContext(ctx);
    const lines = [...log.mock.calls, ...error.mock.calls]
      .map(([line]) => {
        try {
          return JSON.parse(String(line)) as Record<string, unknown>;
        } catch {
          return {};
        }
      })
      .filter((line) => line['msg'] === 'scheduled-job');
    return { failure, lines, job: (name) => lines.find((line) => line['job'] === name) };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}
