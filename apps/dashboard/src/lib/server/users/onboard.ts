import {
  BindingTakenError,
  createOrganization,
  InvalidOptionsError,
  OrganizationExistsError,
  OrgDatabaseError,
  type OrganizationRecord,
} from 'kuratchi-sdk/internal/d1';
import { z } from 'zod';
import { createUser, emailSchema, findUserSummary, invalidInput, type IssuedLink, type UserChange } from './accounts';
import { UserError } from './errors';
import { mailPasswordLink, type LinkMail } from './mail';
import { provisionOrganizationTenant } from '../tenants/job';
import type { SesTenantRun } from 'kuratchi-sdk/internal/tenants';

const onboardSchema = z
  .object({
    id: z.string().max(200),
    name: z.string().max(400),
    kind: z.enum(['d1', 'durable-object']).optional(),
    binding: z.string().max(200).optional(),
    adminEmail: emailSchema.optional(),
    adminName: z.string().trim().max(200, 'must be at most 200 characters').optional(),
  })
  .strict()
  .refine((o) => o.adminName === undefined || o.adminEmail !== undefined, {
    path: ['adminName'],
    message: 'needs adminEmail (the admin to invite)',
  });

/** An organisation just created, and the invitation of its first admin when one was asked for. */
export interface Onboarded {
  organization: OrganizationRecord;
  invitation: (IssuedLink & { mail: LinkMail }) | null;
  /**
   * Its SES tenant (`KURATCHI_SES_TENANTS=on`): the calls made and those that failed (retried by
   * the `ses-tenants` cron job); null with tenants off.
   */
  tenant: SesTenantRun | null;
}

/**
 * Onboards an organisation, the one rule behind the Organisations page and `POST
 * /api/ops/organizations` (`kuratchi-ses org create`): creates it with the SDK's
 * `createOrganization` (a Durable Object by default: no deploy) and, given `adminEmail`, invites
 * its first admin (`createUser`; the link is mailed when mail is configured). An address already
 * taken is refused before the organisation is created; should it be taken in between, the new
 * organisation's row is deleted again, so a refusal leaves nothing behind. Once onboarded, with
 * `KURATCHI_SES_TENANTS=on`, it gets its SES tenant (`tenants/job.ts`), which never refuses it.
 * @throws {UserError} `invalid-request` (a bad field), `binding-missing`, `organization-exists`,
 *   `binding-taken` (its D1 database is another organisation's), `user-exists`.
 * @see https://developers.cloudflare.com/durable-objects/api/namespace/#idfromname
 */
export async function onboardOrganization(env: DashboardEnv, change: UserChange, input: unknown): Promise<Onboarded> {
  const parsed = onboardSchema.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error);
  const { adminEmail, adminName, ...organizationInput } = parsed.data;
  if (adminEmail && (await findUserSummary(change.db, adminEmail, change.now))) {
    throw new UserError('user-exists', `a user ${adminEmail} already exists`);
  }
  const organization = await createOrganizationOrRefuse(env, { ...organizationInput, createdAt: change.now });
  const tenant = () => provisionOrganizationTenant(env, organization.id, new Date(change.now));
  if (!adminEmail) return { organization, invitation: null, tenant: await tenant() };
  let invitation: IssuedLink;
  try {
    invitation = await createUser(change, {
      email: adminEmail,
      role: 'admin',
      organizationId: organization.id,
      ...(adminName ? { name: adminName } : {}),
    });
  } catch (error) {
    // Nobody can have used the organisation yet: no user belongs to it, nothing was sent for it.
    await change.db.prepare('DELETE FROM organizations WHERE id = ?').bind(organization.id).run();
    throw error;
  }
  // The tenant before the mail, so the invitation already goes through it.
  const provisioned = await tenant();
  return {
    organization,
    invitation: { ...invitation, mail: await mailPasswordLink(env, invitation) },
    tenant: provisioned,
  };
}

/** `createOrganization`, its refusals as {@link UserError}s. */
async function createOrganizationOrRefuse(
  env: DashboardEnv,
  input: Parameters<typeof createOrganization>[2],
): Promise<OrganizationRecord> {
  try {
    return await createOrganization(env.ADMIN_DB, env, input);
  } catch (error) {
    if (error instanceof InvalidOptionsError) throw new UserError('invalid-request', error.message);
    if (error instanceof OrgDatabaseError && error.code === 'binding-missing') {
      throw new UserError('binding-missing', error.message);
    }
    if (error instanceof OrganizationExistsError) throw new UserError('organization-exists', error.message);
    if (error instanceof BindingTakenError) throw new UserError('binding-taken', error.message);
    throw error;
  }
}
