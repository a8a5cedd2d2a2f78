import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { MIN_PASSWORD_LENGTH } from '$lib/server/auth/password-policy';
import { signInClient } from '$lib/server/auth/sign-in-client';
import { changePassword } from '$lib/server/users/password-forms';

export const load: PageServerLoad = () => ({ minLength: MIN_PASSWORD_LENGTH });

export const actions: Actions = {
  /** Changes the signed-in user's password (users/password-forms.ts); their other sessions end. */
  password: async ({ request, locals, getClientAddress, setHeaders }) => {
    if (!locals.signedIn) error(401, 'Sign in first');
    const form = await request.formData();
    const field = (name: string) => String(form.get(name) ?? '');
    const result = await changePassword(
      locals.kuratchi.getAdminDb(),
      locals.signedIn,
      { current: field('current'), password: field('password'), confirm: field('confirm') },
      signInClient(getClientAddress()),
      Date.now(),
    );
    if (!result.ok) {
      if (result.retryAfterSeconds) setHeaders({ 'retry-after': String(result.retryAfterSeconds) });
      return fail(result.status, { error: result.error });
    }
    return { changed: true };
  },
};
