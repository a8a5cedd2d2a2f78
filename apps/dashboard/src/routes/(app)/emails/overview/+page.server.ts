import { createD1AdminStore } from 'kuratchi-sdk/email';
import type { PageServerLoad } from './$types';
import { readConfig } from '$lib/server/config';
import { activeOrganizationQueries } from '$lib/server/emails/org-queries';
import { ingestionHealth } from '$lib/server/health';
import { reputation } from '$lib/server/reputation';

const DAYS = 30;

export const load: PageServerLoad = async ({ locals, platform }) => {
  const now = Date.now();
  const queries = await activeOrganizationQueries(locals);
  const [stats, activity, counters] = await Promise.all([
    queries.dailyStats(DAYS, now),
    queries.ingestionActivity(),
    createD1AdminStore(locals.kuratchi.getAdminDb()).listIngestionCounters(),
  ]);
  return {
    stats,
    reputation: reputation(stats),
    health: ingestionHealth(counters, activity, readConfig(platform?.env).ingestionStaleMinutes, now),
  };
};
