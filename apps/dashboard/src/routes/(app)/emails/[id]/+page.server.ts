import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { activeOrganizationQueries } from '$lib/server/emails/org-queries';
import { recipientOutcomeCounts } from 'kuratchi-sdk/internal/events';
import { recipientSplit } from '$lib/server/emails/recipient-split';
import { timelineDetails } from '$lib/timeline';
import { verdictDetail } from '$lib/verdict-label';

export const load: PageServerLoad = async ({ locals, params }) => {
  const queries = await activeOrganizationQueries(locals);
  // Looked up in the active organisation's own database: another organisation's id is a 404.
  const email = await queries.getEmail(params.id);
  if (!email) error(404, 'No such email');
  const [events, suppressions, links] = await Promise.all([
    queries.listEmailEvents(email.id),
    queries.findSuppressions(email.recipients.map((r) => r.address)),
    queries.linkStats(email.id),
  ]);
  const suppressionOf = new Map(suppressions.map((s) => [s.emailAddress, s]));
  return {
    email,
    split: recipientSplit(recipientOutcomeCounts(email.recipients)),
    // Each recipient with its own outcome and suppression state (the list is per address).
    recipients: email.recipients.map((recipient) => ({
      ...recipient,
      suppression: suppressionOf.get(recipient.address) ?? null,
    })),
    links,
    // An open's or click's verdict says who decided it: SES's isBotEvent, or which of our rules.
    events: events.map((event) => ({
      ...event,
      details: [...timelineDetails(event.eventType, event.detail), ...verdictDetail(event)],
    })),
  };
};
