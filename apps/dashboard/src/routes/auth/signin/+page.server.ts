import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { cookieIsSecure, safeRedirectTarget } from '$lib/server/auth/guard';
import { hashPassword, verifyPassword } from '$lib/server/auth/password';
import { clearSignInFailures, isSignInBlocked, recordSignInFailure } from '$lib/server/auth/rate-limit';
import { SESSION_COOKIE, SESSION_TTL_MS, createSession, resolveSession } from '$lib/server/auth/sessions';
import { findUserByEmail } from '$lib/server/auth/users';

/** Compared against when the address is unknown, so both cases take as long. */
const decoyHash = hashPassword('decoy password');

export const load: PageServerLoad = async ({ cookies, locals, url }) => {
  const token = cookies.get(SESSION_COOKIE);
  if (token && (await resolveSession(locals.kuratchi.getAdminDb(), token, Date.now()))) {
    redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo'), url.origin));
  }
  return {};
};

export const actions: Actions = {
  default: async ({ request, cookies, locals, url, getClientAddress }) => {
    // Resolved first, so that nothing is written for a request whose answer could not be sent.
    const target = safeRedirectTarget(url.searchParams.get('redirectTo'), url.origin);
    const form = await request.formData();
    const email = String(form.get('email') ?? '').trim().toLowerCase();
    const password = String(form.get('password') ?? '');
    if (!email || !password) return fail(400, { email, error: 'Enter your email address and password.' });

    const db = locals.kuratchi.getAdminDb();
    const now = Date.now();
    const keys = [`email:${email}`, `ip:${request.headers.get('cf-connecting-ip') ?? getClientAddress()}`];
    if (await isSignInBlocked(db, keys, now)) {
      return fail(429, { email, error: 'Too many failed attempts. Try again in 15 minutes.' });
    }
    const user = await findUserByEmail(db, email);
    const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash));
    if (!user || !valid) {
      await recordSignInFailure(db, keys, now);
      return fail(400, { email, error: 'Wrong email address or password.' });
    }
    await clearSignInFailures(db, keys[0]!);
    const session = await createSession(db, user, now);
    cookies.set(SESSION_COOKIE, session.token, {
      path: '/',
      httpOnly: true,
      secure: cookieIsSecure(url),
      sameSite: 'lax',
      maxAge: SESSION_TTL_MS / 1000,
    });
    redirect(303, target);
  },
};
