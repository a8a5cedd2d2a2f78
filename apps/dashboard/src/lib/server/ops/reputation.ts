import { createD1ReputationGuardStore } from 'kuratchi-sdk/internal/guard';
import { readReputationSettings } from '../reputation/settings';
import { rankedOrganizations } from '../reputation/overview';
import { sesViews } from '../reputation/ses-view';

/**
 * `GET /api/ops/reputation`: the guard's settings and every organisation's state, worst first,
 * with its verdict (`none`: no verdict yet, `needs` says what more) and SES's view of its tenant as
 * last read (`ses`, null: no tenant known), and the last sweep (`sesSweep`) (for `kuratchi-ses reputation`).
 * A paused or warned organisation has the `reason` of that state (its audit entry: which rate
 * crossed which threshold over which window); null otherwise.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 */
export async function reputationStates(env: DashboardEnv): Promise<Response> {
  const settings = readReputationSettings(env);
  const [organizations, ses, reasons] = await Promise.all([
    rankedOrganizations(env.ADMIN_DB, settings),
    sesViews(env.ADMIN_DB),
    createD1ReputationGuardStore(env.ADMIN_DB).stateReasons(),
  ]);
  return Response.json({
    settings,
    sesSweep: ses.sweep,
    organizations: organizations.map(
      ({ organizationId, name, state, verdict, needs, pressure, configurationSetName, guard }) => ({
        organizationId,
        name,
        state,
        verdict,
        needs,
        since: guard?.since ?? null,
        metric: guard?.metric ?? null,
        rate: guard?.rate ?? null,
        threshold: guard?.threshold ?? null,
        reason: state === 'ok' ? null : (reasons[organizationId] ?? null),
        bounceRate: guard?.bounceRate ?? null,
        complaintRate: guard?.complaintRate ?? null,
        recipients: guard?.recipients ?? 0,
        bounced: guard?.bounced ?? 0,
        complained: guard?.complained ?? 0,
        evaluatedAt: guard?.evaluatedAt ?? null,
        refusedSends: guard?.refusedSends ?? 0,
        configurationSetName,
        configurationSetSending: guard?.configurationSetSending ?? null,
        pressure,
        ses: ses.byOrganization[organizationId] ?? null,
      }),
    ),
  });
}
