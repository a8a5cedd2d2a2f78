import { error, redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { safeRedirectTarget } from '$lib/server/auth/guard';
import { SESSION_COOKIE, resolveSession, switchOrganization } from '$lib/server/auth/sessions';

/** A superadmin switches the organisation they are looking at (form POST). */
export const POST: RequestHandler = async ({ cookies, locals, request, url }) => {
  const db = locals.kuratchi.getAdminDb();
  const token = cookies.get(SESSION_COOKIE);
  const session = token ? await resolveSession(db, token, Date.now()) : null;
  if (!session) error(401, 'Sign in first');
  const form = await request.formData();
  // Resolved before the session row changes, so that nothing is written for an answer that could not be sent.
  const redirectTo = form.get('redirectTo');
  const target = safeRedirectTarget(typeof redirectTo === 'string' ? redirectTo : null, url.origin);
  if (!(await switchOrganization(db, session, String(form.get('organizationId') ?? '')))) {
    error(403, 'Only a superadmin can switch to an existing organisation');
  }
  redirect(303, target);
};
