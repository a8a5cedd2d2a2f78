import type { PageServerLoad } from './$types';
import { createD1AdminStore } from 'kuratchi-sdk/email';
import { latestEmailsByOrganization } from '$lib/server/latest-emails';

export const load: PageServerLoad = async ({ locals }) => ({
  organizations: await latestEmailsByOrganization(locals.kuratchi),
  counters: await createD1AdminStore(locals.kuratchi.getAdminDb()).listIngestionCounters(),
});
