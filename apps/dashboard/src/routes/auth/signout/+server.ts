import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { SESSION_COOKIE, deleteSession, resolveSession } from '$lib/server/auth/sessions';

/** Signs out: deletes the session row and the cookie (a form POST, so a link cannot do it). */
export const POST: RequestHandler = async ({ cookies, locals }) => {
  const token = cookies.get(SESSION_COOKIE);
  const db = locals.kuratchi.getAdminDb();
  const session = token ? await resolveSession(db, token, Date.now()) : null;
  if (session) await deleteSession(db, session.tokenHash);
  cookies.delete(SESSION_COOKIE, { path: '/' });
  redirect(303, '/auth/signin');
};
