import { error, fail } from '@sveltejs/kit';
import type { SignedIn } from '../auth/sessions';
import type { UserChange } from './accounts';
import { USER_ERROR_STATUS, UserError } from './errors';

/**
 * The signed-in superadmin of a page that manages users or organisations; 403 for anyone else
 * (an organisation's admin manages nothing but their own password).
 */
export function requireSuperadmin(locals: App.Locals, what: string): SignedIn {
  if (locals.signedIn?.user.role !== 'superadmin') error(403, `Only a superadmin can ${what}`);
  return locals.signedIn;
}

/** A change made by the signed-in superadmin through the dashboard at `url`'s origin. */
export function superadminChange(locals: App.Locals, url: URL, what: string): UserChange {
  const superadmin = requireSuperadmin(locals, what);
  return {
    db: locals.kuratchi.getAdminDb(),
    actor: { kind: 'superadmin', userId: superadmin.user.id, email: superadmin.user.email },
    now: Date.now(),
    origin: url.origin,
  };
}

/**
 * Runs a form action's change; a {@link UserError} becomes the form's answer with its status and
 * message (`{ error }`), as the operations API answers it as JSON.
 */
export async function formAction<T extends object>(run: () => Promise<T>) {
  try {
    return await run();
  } catch (cause) {
    if (cause instanceof UserError) return fail(USER_ERROR_STATUS[cause.code], { error: cause.message });
    throw cause;
  }
}
