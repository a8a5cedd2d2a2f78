import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { activeOrganizationQueries } from '$lib/server/emails/org-queries';
import { timelineDetails } from '$lib/timeline';

export const load: PageServerLoad = async ({ locals, params }) => {
  const queries = await activeOrganizationQueries(locals);
  // Looked up in the active organisation's own database: another organisation's id is a 404.
  const email = await queries.getEmail(params.id);
  if (!email) error(404, 'No such email');
  const [events, suppression] = await Promise.all([
    queries.listEmailEvents(email.id),
    queries.findSuppression(email.recipient),
  ]);
  return {
    email,
    suppression,
    events: events.map((event) => ({ ...event, details: timelineDetails(event.eventType, event.detail) })),
  };
};
