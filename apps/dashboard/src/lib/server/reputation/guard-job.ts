import { createOrgDatabaseClient } from 'kuratchi-sdk/email/d1';
import { createD1ReputationGuardStore, evaluateReputationGuard } from 'kuratchi-sdk/email/guard';
import { readConfig } from '../config';
import { readReputationSettings } from './settings';

/** What one run of the `reputation-guard` job did (its log line). */
export interface ReputationGuardRun {
  evaluated: number;
  paused: number;
  warn: number;
  /** Organisations that changed state in this run, e.g. `org-acme: warn -> paused`. */
  changes: string[];
  /** Organisations whose evaluation failed (their database unreachable…), with the error. */
  failures: string[];
  /** `not configured` when the Worker has no AWS credentials: configuration sets are then left alone. */
  configurationSets: 'managed' | 'not configured';
}

/**
 * The scheduled job: evaluates every organisation with `evaluateReputationGuard` (its own
 * database, the `REPUTATION_*` settings, the Worker's SESv2 client for organisations with their
 * own configuration set). One organisation failing does not stop the others; the run fails (is
 * logged as failed) only when every organisation failed.
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
      if (result.changed) {
        run.changes.push(
          `${organizationId}: ${result.previous ?? 'ok'} -> ${result.state}${result.configurationSet ? ` (${result.configurationSet})` : ''}`,
        );
      }
    } catch (error) {
      run.failures.push(
        `${organizationId}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
    }
  }
  if (organizations.length && run.failures.length === organizations.length) {
    throw new Error(`the reputation guard could not evaluate any organisation: ${run.failures.join('; ')}`);
  }
  return run;
}
