/**
 * The Worker's cron triggers (wrangler.toml and wrangler.dev.toml `[triggers] crons`, checked
 * against this by crons.test.ts): `guard`, every minute, runs the reputation guard alone, so a
 * complaint storm is paused within minutes; `jobs`, every 10 minutes, runs every other job
 * (./jobs.ts). The `scheduled` handler picks the jobs by `controller.cron`.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 */
export const CRONS = { guard: '* * * * *', jobs: '*/10 * * * *' } as const;

/** A cron trigger of {@link CRONS} by name. */
export type CronName = keyof typeof CRONS;

/** The name of the trigger that fired (`controller.cron`), or null for a cron not in {@link CRONS}. */
export function cronName(cron: string): CronName | null {
  const found = (Object.keys(CRONS) as CronName[]).find((name) => CRONS[name] === cron);
  return found ?? null;
}
