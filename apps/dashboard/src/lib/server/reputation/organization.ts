import {
  createD1ReputationGuardStore,
  describeGuardWindow,
  describeNeeds,
  reputationReport,
  type ReputationGuardSettings,
} from 'kuratchi-sdk/internal/guard';

/**
 * What the overview shows of one organisation's reputation: the guard's settings, its state row
 * (null before the first evaluation) and its rates now over the trailing window, with the trend
 * per day, computed by the same rule the guard applies (`reputationReport`), and the badge: the
 * guard's state when it warns or pauses, else what the rates say now (`none`: no verdict yet,
 * with what more each rate needs; a warn or pause not yet acted on by the cron reads `warn`), and
 * the window that decided a warn or pause (`short window 60 minutes`, `long window 7 days`).
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
  const { verdict } = report;
  const badge =
    state?.state === 'paused' || state?.state === 'warn'
      ? state.state
      : verdict.level === 'none' || verdict.level === 'ok'
        ? verdict.level
        : 'warn';
  return {
    settings,
    state,
    verdict,
    badge,
    decidedBy: state && state.state !== 'ok' ? describeGuardWindow(state) : null,
    needs: {
      bounce: describeNeeds('bounce', verdict.metrics.bounce),
      complaint: describeNeeds('complaint', verdict.metrics.complaint),
    },
    days: report.days.map((d) => ({ ...d, day: new Date(d.start).toISOString().slice(0, 10) })),
  };
}
