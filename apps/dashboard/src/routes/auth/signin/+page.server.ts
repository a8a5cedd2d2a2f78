import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { cookieIsSecure, safeRedirectTarget } from '$lib/server/auth/guard';
import { hashPassword, verifyPassword } from '$lib/server/auth/password';
import { signInClient } from '$lib/server/auth/sign-in-client';
import {
  reserveSignInAttempt,
  settleSuccessfulSignIn,
  signInThrottleKeys,
  throttleRefusal,
} from '$lib/server/auth/sign-in-throttle';
import { SESSION_COOKIE, SESSION_TTL_MS, createSession, resolveSession } from '$lib/server/auth/sessions';
import { findUserByEmail } from '$lib/server/auth/users';

/** Compared against when the address is unknown, so both cases take as long. */
const decoyHash = hashPassword('decoy password');

/** The longest email address there is (RFC 5321's 256-octet path less its angle brackets). */
const MAX_EMAIL_LENGTH = 254;

export const load: PageServerLoad = async ({ cookies, locals, url }) => {
  const token = cookies.get(SESSION_COOKIE);
  if (token && (await resolveSession(locals.kuratchi.getAdminDb(), token, Date.now()))) {
    redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo'), url.origin));
  }
  // Where the set-password page sends its user once the password is set.
  return { passwordSet: url.searchParams.get('passwordSet') === '1' };
};

export const actions: Actions = {
  default: async ({ request, cookies, locals, url, getClientAddress, setHeaders }) => {
    // Resolved first, so that nothing is written for a request whose answer could not be sent.
    const target = safeRedirectTarget(url.searchParams.get('redirectTo'), url.origin);
    const form = await request.formData();
    const email = String(form.get('email') ?? '')
      .trim()
      .toLowerCase();
    const password = String(form.get('password') ?? '');
    if (!email || !password) return fail(400, { email, error: 'Enter your email address and password.' });
    // No account has a longer address; refused before it could become a throttle key.
    if (email.length > MAX_EMAIL_LENGTH) return fail(400, { email: '', error: 'Wrong email address or password.' });

    const db = locals.kuratchi.getAdminDb();
    const now = Date.now();
    // Counted before the password check, so concurrent guesses cannot all pass (see sign-in-throttle.ts).
    const keys = signInThrottleKeys(email, signInClient(getClientAddress()));
    const reservation = await reserveSignInAttempt(db, keys, now);
    if (!reservation.granted) {
      const refusal = throttleRefusal(reservation.retryAfterMs);
      setHeaders({ 'retry-after': String(refusal.retryAfterSeconds) });
      return fail(429, { email, error: refusal.message });
    }
    const user = await findUserByEmail(db, email);
    // An invited user with no password yet cannot sign in (compared with the decoy all the same).
    const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash));
    if (!user?.passwordHash || !valid) return fail(400, { email, error: 'Wrong email address or password.' });

    await settleSuccessfulSignIn(db, keys);
    // The last write: only the cookie and the redirect (which cannot fail) come after it.
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
