import { error } from '@sveltejs/kit';
import { createD1EmailQueries, type EmailQueries } from 'kuratchi-sdk/internal/d1';

/**
 * The email queries of the signed-in user's active organisation: they run on that
 * organisation's own D1 database, so another organisation's rows cannot be reached at all.
 */
export async function activeOrganizationQueries(locals: App.Locals): Promise<EmailQueries> {
  if (!locals.session) error(401, 'Sign in first');
  return createD1EmailQueries(await locals.kuratchi.orgDatabaseClient(locals.session.organization.id));
}
