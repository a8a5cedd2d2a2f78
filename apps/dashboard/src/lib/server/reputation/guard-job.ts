import { createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { createD1ReputationGuardStore, evaluateReputationGuard } from 'kuratchi-sdk/internal/guard';
import { readConfig } from '../config';
import { readReputationSettings } from './settings';

/** What one run of the `reputation-guard` job did (its log line). */
export interface ReputationGuardRun {
  evaluated: number;
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
}

/**
 * The scheduled job: evaluates every organisation with `evaluateReputationGuard` (its own
 * database, the `KURATCHI_GUARD_*` settings, the Worker's SESv2 client for organisations with their
 * own configuration set). One organisation failing does not stop the others; the run then fails
 * (is logged as failed, naming each one) once the others are evaluated.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
 */
export async function runReputationGuard(env: DashboardEnv, now: Date): Promise<ReputationGuardRun> {
  const settings = readReputationSettings(env);
  const ses = readConfig(env).ses;
  const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env);
  const organizations = await createD1ReputationGuardStore(env.ADMIN_DB).listOrganizations();
  const run: ReputationGuardRun = {
    evaluated: 0,
    paused: 0,
    warn: 0,
    changes: [],
    failures: [],
    configurationSets: ses ? 'managed' : 'not configured',
  };
  for (const { organizationId } of organizations) {
    try {
      const result = await evaluateReputationGuard({
        adminDb: env.ADMIN_DB,
        orgDb: await orgDatabase(organizationId),
        organizationId,
        now,
        settings,
        ses,
      });
      run.evaluated++;
      if (result.state === 'paused') run.paused++;
      if (result.state === 'warn') run.warn++;
      const atSes = result.configurationSet ? ` (${result.configurationSet})` : '';
      if (result.changed) run.changes.push(`${organizationId}: ${result.previous ?? 'ok'} -> ${result.state}${atSes}`);
      else if (atSes) run.changes.push(`${organizationId}: ${result.state}${atSes}`);
    } catch (error) {
      run.failures.push(
        `${organizationId}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
    }
  }
  // Not silent: an organisation the guard could not evaluate fails the run (after the others
  // were evaluated), so the cron's log and Cloudflare's dashboard show it.
  if (run.failures.length) {
    throw new Error(
      `the reputation guard could not evaluate ${run.failures.length} of ${organizations.length} organisation(s) (${run.evaluated} evaluated): ${run.failures.join('; ')}`,
    );
  }
  return run;
}
