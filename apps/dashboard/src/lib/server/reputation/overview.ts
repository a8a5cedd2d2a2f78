import {
  createD1ReputationGuardStore,
  type OrganizationReputation,
  type ReputationGuardSettings,
} from 'kuratchi-sdk/internal/guard';

/** An organisation of the superadmin's comparison, with how close it is to a pause. */
export interface RankedOrganization extends OrganizationReputation {
  /** `ok` until the guard's first evaluation. */
  state: 'ok' | 'warn' | 'paused';
  /** The larger of bounce rate / bounce pause threshold and complaint rate / complaint pause threshold (1 = at pause). */
  pressure: number;
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
    .map((org) => ({
      ...org,
      state: org.guard?.state ?? ('ok' as const),
      pressure: Math.max(
        (org.guard?.bounceRate ?? 0) / bounce.pause,
        (org.guard?.complaintRate ?? 0) / complaint.pause,
      ),
    }))
    .sort(
      (a, b) =>
        STATE_RANK[b.state] - STATE_RANK[a.state] ||
        b.pressure - a.pressure ||
        a.organizationId.localeCompare(b.organizationId),
    );
}
