import { listOrganizations, listRemovedOrganizations } from 'kuratchi-sdk/internal/d1';
import { createD1ReputationGuardStore } from 'kuratchi-sdk/internal/guard';
import { ARCHIVE_DAYS_CHOICES } from 'kuratchi-sdk/internal/retention';
import type { Actions, PageServerLoad } from './$types';
import { readOrganizationStorage, STORAGE_WARN_FRACTION } from '$lib/server/bounds/storage';
import { liftFromForm } from '$lib/server/reputation/lift';
import { rankedOrganizations } from '$lib/server/reputation/overview';
import { readReputationSettings } from '$lib/server/reputation/settings';
import { sesViews } from '$lib/server/reputation/ses-view';
import { offboardOrganization } from '$lib/server/users/offboard';
import { onboardOrganization } from '$lib/server/users/onboard';
import { retentionFromForm, retentionOverview } from '$lib/server/retention/manage';
import { formAction, requireSuperadmin, superadminChange } from '$lib/server/users/page-actions';

const superadmin = (locals: App.Locals) => requireSuperadmin(locals, 'see organisations and lift reputation pauses');

/**
 * Every organisation's reputation guard state, worst first, where its database lives (D1 or its
 * Durable Object) with its size, rows and oldest event as the cron last measured them, SES's
 * view of its tenant as last read, the audit log, each one's retention (with the archive days a
 * superadmin may choose), and the removed organisations with their kept
 * databases (superadmin only).
 */
export const load: PageServerLoad = async ({ locals, platform }) => {
  superadmin(locals);
  const settings = readReputationSettings(platform!.env);
  const adminDb = locals.kuratchi.getAdminDb();
  const [organizations, audit, locations, ses, storage, removed] = await Promise.all([
    rankedOrganizations(adminDb, settings),
    createD1ReputationGuardStore(adminDb).listAudit({ limit: 100 }),
    listOrganizations(adminDb),
    sesViews(adminDb),
    readOrganizationStorage(adminDb),
    listRemovedOrganizations(adminDb),
  ]);
  const databases = Object.fromEntries(
    locations.map(({ id, kind, binding, movingSince }) => [id, { kind, binding, movingSince }]),
  );
  const retention = await retentionOverview(
    platform!.env,
    locations.map((l) => l.id),
  );
  return {
    settings,
    organizations,
    audit,
    databases,
    ses,
    storage,
    storageWarnFraction: STORAGE_WARN_FRACTION,
    removed,
    retention,
    archiveDaysChoices: ARCHIVE_DAYS_CHOICES,
  };
};

export const actions: Actions = {
  /** Sets an organisation's retention (blank: the deployment's default); 400 for bad days, nothing written. */
  retention: async ({ locals, platform, request, url }) => {
    const change = superadminChange(locals, url, 'set retention');
    const by = change.actor.kind === 'superadmin' ? change.actor.email : 'superadmin';
    return retentionFromForm(platform!.env, by, await request.formData(), change.now);
  },
  /** Lifts an organisation's pause with a required reason (kept in the audit log). */
  lift: async ({ locals, platform, request }) =>
    liftFromForm(platform!.env, superadmin(locals), await request.formData(), new Date()),
  /**
   * Creates an organisation on its Durable Object (and its SES tenant, with tenants on) and, given
   * an admin's address, invites them (users/onboard.ts: the rule of `kuratchi-ses org create` too).
   */
  create: async ({ locals, platform, request, url }) => {
    const change = superadminChange(locals, url, 'create organisations');
    const form = await request.formData();
    const field = (name: string) => String(form.get(name) ?? '').trim();
    return formAction(async () => {
      const { organization, invitation, tenant } = await onboardOrganization(platform!.env, change, {
        id: field('id'),
        name: field('name'),
        ...(field('adminEmail') ? { adminEmail: field('adminEmail') } : {}),
        ...(field('adminName') ? { adminName: field('adminName') } : {}),
      });
      return { created: { id: organization.id, name: organization.name }, invitation, tenant };
    });
  },
  /**
   * Removes an organisation, its id typed again as `confirm` (users/offboard.ts: the rule of
   * `POST /api/ops/organizations/{id}/remove` too): routing stops, its database is kept.
   */
  remove: async ({ locals, platform, request, url }) => {
    const change = superadminChange(locals, url, 'remove organisations');
    const form = await request.formData();
    const organizationId = String(form.get('organizationId') ?? '').trim();
    return formAction(async () => {
      const { organization, tenant, database } = await offboardOrganization(platform!.env, change, {
        organizationId,
        confirm: String(form.get('confirm') ?? '').trim(),
      });
      return { removed: { id: organization.id, name: organization.name }, tenant, database };
    });
  },
};
