import {
  createD1ReputationGuardStore,
  describeGuardWindow,
  describeNeeds,
  reputationVerdict,
  type OrganizationReputation,
  type ReputationGuardSettings,
  type ReputationMetric,
} from 'kuratchi-sdk/internal/guard';

/** An organisation of the superadmin's comparison, with how close it is to a pause. */
export interface RankedOrganization extends OrganizationReputation {
  /** `ok` until the guard's first evaluation. */
  state: 'ok' | 'warn' | 'paused';
  /** The larger of bounce rate / bounce pause threshold and complaint rate / complaint pause threshold (1 = at pause). */
  pressure: number;
  /**
   * What the guard can say: `state`, or `none` ("no verdict yet") for an `ok` organisation whose
   * last evaluation had too little evidence (`needs` says what more), `never` before the first.
   */
  verdict: 'ok' | 'warn' | 'paused' | 'none' | 'never';
  /** Per metric, what a rate with no verdict yet still needs (null: it has one, or the organisation is paused). */
  needs: Record<ReputationMetric, string | null>;
  /** The window that decided a warn or pause (`short window 60 minutes`, `long window 7 days`), else null. */
  decidedBy: string | null;
}

const STATE_RANK = { paused: 2, warn: 1, ok: 0 } as const;

/**
 * Every organisation with its guard state, worst first: paused, then warn, then ok, and within a
 * state by how close its rates are to the pause thresholds.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 */
export async function rankedOrganizations(
  adminDb: D1Database,
  settings: ReputationGuardSettings,
): Promise<RankedOrganization[]> {
  const organizations = await createD1ReputationGuardStore(adminDb).listOrganizations();
  const { bounce, complaint } = settings.thresholds;
  return organizations
    .map((org) => {
      const state = org.guard?.state ?? ('ok' as const);
      // The same rule as the guard's, on the counts of its last evaluation.
      const verdict = org.guard ? reputationVerdict(org.guard, settings) : null;
      return {
        ...org,
        state,
        pressure: Math.max(
          (org.guard?.bounceRate ?? 0) / bounce.pause,
          (org.guard?.complaintRate ?? 0) / complaint.pause,
        ),
        verdict: !verdict ? ('never' as const) : state === 'ok' && verdict.level === 'none' ? ('none' as const) : state,
        decidedBy: org.guard && state !== 'ok' ? describeGuardWindow(org.guard) : null,
        needs: {
          bounce: verdict && state !== 'paused' ? describeNeeds('bounce', verdict.metrics.bounce) : null,
          complaint: verdict && state !== 'paused' ? describeNeeds('complaint', verdict.metrics.complaint) : null,
        },
      };
    })
    .sort(
      (a, b) =>
        STATE_RANK[b.state] - STATE_RANK[a.state] ||
        b.pressure - a.pressure ||
        a.organizationId.localeCompare(b.organizationId),
    );
}
