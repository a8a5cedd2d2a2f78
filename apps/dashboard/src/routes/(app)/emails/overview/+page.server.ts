import type { PageServerLoad } from './$types';
import { readConfig } from '$lib/server/config';
import { activeOrganizationQueries } from '$lib/server/emails/org-queries';
import { ingestionHealth, readIngestionFigures } from '$lib/server/health';
import { canaryHealth } from '$lib/server/canary/health';
import { engagementRates } from '$lib/server/engagement';
import { verdictRows } from '$lib/verdict-label';
import { createD1IncidentStore } from '$lib/server/alerts/incident-store';
import { organizationReputation } from '$lib/server/reputation/organization';
import { readReputationSettings } from '$lib/server/reputation/settings';
import { settingsProblems } from '$lib/server/settings';
import { TOP_LINKS_DAYS } from 'kuratchi-sdk/internal/retention';

/** The overview's period: the retention purge keeps every link of these days (TOP_LINKS_DAYS). */
const DAYS = TOP_LINKS_DAYS;
const DAY_MS = 86_400_000;
/** Cleared alerts are listed this long. */
const CLEARED_ALERTS_MS = 7 * 86_400_000;

export const load: PageServerLoad = async ({ locals, platform, url }) => {
  const now = Date.now();
  const firstDay = (Math.floor(now / DAY_MS) - DAYS + 1) * DAY_MS;
  // `?engagement=human`: opens and clicks of people only (the engagement rules' verdicts).
  const humansOnly = url.searchParams.get('engagement') === 'human';
  const queries = await activeOrganizationQueries(locals);
  const adminDb = locals.kuratchi.getAdminDb();
  const session = locals.session!;
  const organizationId = session.organization.id;
  const superadmin = session.user.role === 'superadmin';
  const [stats, backfill, topLinks, verdicts, activity, figures, deployment, alerts, canary, reputation] =
    await Promise.all([
      queries.dailyStats(DAYS, now),
      // Null once the emails that predate the rollups are counted (the cron's `rollup-backfill` job).
      queries.rollupBackfillProgress(),
      // The same UTC days as the daily counts (the rollups count whole days).
      queries.topLinks(firstDay, now + 1, 10),
      queries.verdictCounts(firstDay, now + 1),
      queries.ingestionActivity(),
      // The organisation's own figures; the deployment's totals for a superadmin only.
      readIngestionFigures(adminDb, organizationId, now),
      superadmin ? readIngestionFigures(adminDb, undefined, now) : null,
      // The organisation's alerts; a superadmin also sees the deployment's (dead letters, SNS).
      createD1IncidentStore(adminDb).list({
        organizationId,
        deployment: superadmin,
        since: now - CLEARED_ALERTS_MS,
        limit: 30,
      }),
      canaryHealth(platform!.env),
      organizationReputation(
        adminDb,
        await locals.kuratchi.orgDatabaseClient(organizationId),
        organizationId,
        readReputationSettings(platform!.env),
        new Date(now),
      ),
    ]);
  return {
    /** The session's organisation (never null here: a superadmin without one is sent elsewhere). */
    organization: session.organization,
    stats,
    /** Share (0 to 1) of the older emails the figures count yet, or null: all of them. */
    backfill,
    humansOnly,
    topLinks,
    engagement: engagementRates(stats),
    verdicts: verdictRows(verdicts),
    reputation,
    canary,
    health: ingestionHealth(activity, readConfig(platform?.env).ingestionStaleMinutes, now, figures, deployment),
    alerts,
    alertWebhook: readConfig(platform?.env).alertWebhookUrl !== null,
    ingestionMode: platform?.env.SES_EVENTS_QUEUE ? ('queued' as const) : ('direct' as const),
    /** Bad settings, for a superadmin only (null otherwise): the endpoints answer no caller which. */
    settingsProblems: superadmin ? settingsProblems(platform!.env) : null,
  };
};
