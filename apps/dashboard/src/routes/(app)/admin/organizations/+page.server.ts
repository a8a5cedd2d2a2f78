import { error } from '@sveltejs/kit';
import { listOrganizations } from 'kuratchi-sdk/internal/d1';
import { createD1ReputationGuardStore } from 'kuratchi-sdk/internal/guard';
import type { Actions, PageServerLoad } from './$types';
import { liftFromForm } from '$lib/server/reputation/lift';
import { rankedOrganizations } from '$lib/server/reputation/overview';
import { readReputationSettings } from '$lib/server/reputation/settings';

function superadmin(locals: App.Locals) {
  if (locals.session?.user.role !== 'superadmin') error(403, 'Only a superadmin can see and lift reputation pauses');
  return locals.session;
}

/**
 * Every organisation's reputation guard state, worst first, where its database lives (D1 or its
 * Durable Object), and the audit log (superadmin only).
 */
export const load: PageServerLoad = async ({ locals, platform }) => {
  superadmin(locals);
  const settings = readReputationSettings(platform!.env);
  const adminDb = locals.kuratchi.getAdminDb();
  const [organizations, audit, locations] = await Promise.all([
    rankedOrganizations(adminDb, settings),
    createD1ReputationGuardStore(adminDb).listAudit({ limit: 100 }),
    listOrganizations(adminDb),
  ]);
  const databases = Object.fromEntries(
    locations.map(({ id, kind, binding, movingSince }) => [id, { kind, binding, movingSince }]),
  );
  return { settings, organizations, audit, databases };
};

export const actions: Actions = {
  /** Lifts an organisation's pause with a required reason (kept in the audit log). */
  lift: async ({ locals, platform, request }) =>
    liftFromForm(platform!.env, superadmin(locals)!, await request.formData(), new Date()),
};
