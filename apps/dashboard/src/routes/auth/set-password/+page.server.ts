import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { MIN_PASSWORD_LENGTH } from '$lib/server/auth/password-policy';
import { signInClient } from '$lib/server/auth/sign-in-client';
import { inspectPasswordLink, PASSWORD_LINK_REFUSALS } from '$lib/server/users/password-links';
import { setPasswordFromLink } from '$lib/server/users/password-forms';

/**
 * The page a one-time link opens. Its URL holds the token, so it is never sent elsewhere
 * (Referrer-Policy: same-origin; `no-referrer` would also blank the Origin of the form's own
 * POST, which the CSRF check needs) nor cached.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html#url-tokens
 * @see https://fetch.spec.whatwg.org/#serializing-a-request-origin
 */
const PRIVATE_PAGE = { 'referrer-policy': 'same-origin', 'cache-control': 'no-store' };

export const load: PageServerLoad = async ({ locals, url, setHeaders }) => {
  setHeaders(PRIVATE_PAGE);
  const link = await inspectPasswordLink(locals.kuratchi.getAdminDb(), url.searchParams.get('token'), Date.now());
  if (link.state !== 'valid') return { minLength: MIN_PASSWORD_LENGTH, refusal: PASSWORD_LINK_REFUSALS[link.state] };
  return {
    minLength: MIN_PASSWORD_LENGTH,
    refusal: null,
    email: link.user.email,
    purpose: link.purpose,
    expiresAt: link.expiresAt,
  };
};

export const actions: Actions = {
  /** Sets the password (users/password-forms.ts), then sends the user to sign in with it. */
  // A refusal renders the page again through `load`, which sets PRIVATE_PAGE's headers.
  default: async ({ request, locals, url, getClientAddress, setHeaders }) => {
    const form = await request.formData();
    const result = await setPasswordFromLink(
      locals.kuratchi.getAdminDb(),
      url.searchParams.get('token') ?? '',
      { password: String(form.get('password') ?? ''), confirm: String(form.get('confirm') ?? '') },
      signInClient(getClientAddress()),
      Date.now(),
    );
    if (!result.ok) {
      if (result.retryAfterSeconds) setHeaders({ 'retry-after': String(result.retryAfterSeconds) });
      return fail(result.status, { error: result.error });
    }
    redirect(303, '/auth/signin?passwordSet=1');
  },
};
