import { createOrgDatabaseClient, openOrgDatabase } from 'kuratchi-sdk/internal/d1';
import { runReputationGuardSlice } from 'kuratchi-sdk/internal/guard';
import { readConfig } from '../config';
import { readSettings } from '../settings/read';
import { readReputationSettings } from './settings';

/** What one run of the `reputation-guard` job did (its log line). */
export interface ReputationGuardRun {
  evaluated: number;
  /**
   * `all`: every organisation was evaluated; else this run's share, `org-a … org-k` (the next run
   * goes on after it: at most KURATCHI_GUARD_ORGANIZATIONS_PER_RUN per run).
   */
  organizations: string;
  paused: number;
  warn: number;
  /**
   * Organisations that changed state in this run, e.g. `org-acme: warn -> paused`, and pending
   * configuration set calls retried (`org-acme: paused (acme-set: sending disabled at SES)`).
   */
  changes: string[];
  /** Organisations whose evaluation failed (their database unreachable…), with the error. */
  failures: string[];
  /** `not configured` when the Worker has no AWS credentials: configuration sets are then left alone. */
  configurationSets: 'managed' | 'not configured';
  /** Present when the run reached its deadline before its count: the next run goes on after it. */
  stoppedAtDeadline?: true;
}

/**
 * The scheduled job: evaluates the next KURATCHI_GUARD_ORGANIZATIONS_PER_RUN organisations, at
 * most `maxOrganizations` (the job's share of the cron's queries; all of them when there are no
 * more), starting none after `deadline` (the Worker's clock) with `runReputationGuardSlice` (their own databases, opened
 * where the slice's rows say, the `KURATCHI_GUARD_*` settings, the Worker's SESv2 client for
 * organisations with their own configuration set); the next run goes on after them, so one cron
 * invocation stays inside D1's and Workers' per-invocation limits however many organisations there
 * are. One organisation failing does not stop the others; the run then fails (is logged as
 * failed, naming each one) once the others are evaluated.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 * @see https://developers.cloudflare.com/workers/platform/limits/
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
 */
export async function runReputationGuard(
  env: DashboardEnv,
  now: Date,
  maxOrganizations = Infinity,
  deadline?: number,
): Promise<ReputationGuardRun> {
  const settings = readReputationSettings(env);
  const limit = Math.min(readSettings(env, 'guard').KURATCHI_GUARD_ORGANIZATIONS_PER_RUN, maxOrganizations);
  const ses = readConfig(env).ses;
  // An organisation being moved is looked up again, which fails with `organization-moving`.
  const lookUp = createOrgDatabaseClient(env.ADMIN_DB, env);
  const slice = await runReputationGuardSlice({
    adminDb: env.ADMIN_DB,
    orgDatabase: ({ organizationId, location }) =>
      location.movingSince === null ? openOrgDatabase(env, organizationId, location) : lookUp(organizationId),
    now,
    settings,
    ses,
    limit,
    ...(deadline === undefined ? {} : { deadline }),
  });
  const whole = slice.last && slice.after === '';
  const run: ReputationGuardRun = {
    evaluated: slice.evaluations.length,
    organizations:
      whole || !slice.organizations.length ? 'all' : `${slice.organizations[0]} … ${slice.organizations.at(-1)}`,
    paused: 0,
    warn: 0,
    changes: [],
    failures: slice.failures.map(
      ({ organizationId, error }) =>
        `${organizationId}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    ),
    configurationSets: ses ? 'managed' : 'not configured',
    ...(slice.stoppedAtDeadline ? { stoppedAtDeadline: true as const } : {}),
  };
  for (const result of slice.evaluations) {
    const { organizationId } = result;
    if (result.state === 'paused') run.paused++;
    if (result.state === 'warn') run.warn++;
    const atSes = result.configurationSet ? ` (${result.configurationSet})` : '';
    if (result.changed) run.changes.push(`${organizationId}: ${result.previous ?? 'ok'} -> ${result.state}${atSes}`);
    else if (atSes) run.changes.push(`${organizationId}: ${result.state}${atSes}`);
  }
  // Not silent: an organisation the guard could not evaluate fails the run (after the others
  // were evaluated), so the cron's log and Cloudflare's dashboard show it.
  if (run.failures.length) {
    throw new Error(
      `the reputation guard could not evaluate ${run.failures.length} of ${slice.organizations.length} organisation(s) (${run.evaluated} evaluated): ${run.failures.join('; ')}`,
    );
  }
  return run;
}
