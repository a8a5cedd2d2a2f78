import { error } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';
import { listOrganizations } from '$lib/server/auth/users';

export const load: LayoutServerLoad = async ({ locals }) => {
  const signedIn = locals.signedIn;
  if (!signedIn) error(401, 'Sign in first');
  return {
    user: { name: signedIn.user.name, email: signedIn.user.email, role: signedIn.user.role },
    /** Null only for a superadmin while the deployment has no organisation (hooks.server.ts). */
    organization: signedIn.organization,
    organizations: signedIn.user.role === 'superadmin' ? await listOrganizations(locals.kuratchi.getAdminDb()) : [],
  };
};
