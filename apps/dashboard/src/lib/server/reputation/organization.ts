import {
  createD1ReputationGuardStore,
  reputationReport,
  type ReputationGuardSettings,
} from 'kuratchi-sdk/internal/guard';

/**
 * What the overview shows of one organisation's reputation: the guard's settings, its state row
 * (null before the first evaluation) and its rates now over the trailing window, with the trend
 * per day, computed by the same rule the guard applies (`reputationReport`).
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export async function organizationReputation(
  adminDb: D1Database,
  orgDb: D1Database,
  organizationId: string,
  settings: ReputationGuardSettings,
  now: Date,
) {
  const state = await createD1ReputationGuardStore(adminDb).getState(organizationId);
  const report = await reputationReport(orgDb, { now, settings, rearmAfter: state?.rearmAfter });
  return {
    settings,
    state,
    verdict: report.verdict,
    days: report.days.map((d) => ({ ...d, day: new Date(d.start).toISOString().slice(0, 10) })),
  };
}
