import type { Actions, PageServerLoad } from './$types';
import { listOrganizations } from '$lib/server/auth/users';
import { PASSWORD_LINK_TTL_MS } from '$lib/server/users/password-links';
import { createUser, listUsers, removeUser, resetPassword } from '$lib/server/users/accounts';
import { mailPasswordLink } from '$lib/server/users/mail';
import { formAction, requireSuperadmin, superadminChange } from '$lib/server/users/page-actions';

const WHAT = 'manage users';

/** Every user, their organisation and whether their invitation or reset is pending (superadmin only). */
export const load: PageServerLoad = async ({ locals }) => {
  const superadmin = requireSuperadmin(locals, WHAT);
  const db = locals.kuratchi.getAdminDb();
  const [users, organizations] = await Promise.all([listUsers(db, Date.now()), listOrganizations(db)]);
  return { users, organizations, me: superadmin.user.id, linkHours: PASSWORD_LINK_TTL_MS / 3_600_000 };
};

export const actions: Actions = {
  /** Invites a user: an admin of an organisation, or a superadmin (users/accounts.ts createUser). */
  invite: async ({ locals, platform, request, url }) => {
    const change = superadminChange(locals, url, WHAT);
    const form = await request.formData();
    const role = String(form.get('role') ?? '');
    const organizationId = String(form.get('organizationId') ?? '');
    const name = String(form.get('name') ?? '').trim();
    return formAction(async () => {
      const issued = await createUser(change, {
        email: String(form.get('email') ?? ''),
        role,
        ...(role === 'admin' && organizationId ? { organizationId } : {}),
        ...(name ? { name } : {}),
      });
      return { issued: { ...issued, mail: await mailPasswordLink(platform!.env, issued) } };
    });
  },
  /** Resets a user's password: a new one-time link, their sessions end. */
  reset: async ({ locals, platform, request, url }) => {
    const change = superadminChange(locals, url, WHAT);
    const form = await request.formData();
    return formAction(async () => {
      const issued = await resetPassword(change, { email: String(form.get('email') ?? '') });
      return { issued: { ...issued, mail: await mailPasswordLink(platform!.env, issued) } };
    });
  },
  /** Removes a user (never oneself). */
  remove: async ({ locals, request, url }) => {
    const change = superadminChange(locals, url, WHAT);
    const form = await request.formData();
    return formAction(async () => ({ removed: await removeUser(change, { email: String(form.get('email') ?? '') }) }));
  },
};
