import { error } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';
import { listOrganizations } from '$lib/server/auth/users';

export const load: LayoutServerLoad = async ({ locals }) => {
  const session = locals.session;
  if (!session) error(401, 'Sign in first');
  return {
    user: { name: session.user.name, email: session.user.email, role: session.user.role },
    organization: session.organization,
    organizations: session.user.role === 'superadmin' ? await listOrganizations(locals.kuratchi.getAdminDb()) : [],
  };
};
