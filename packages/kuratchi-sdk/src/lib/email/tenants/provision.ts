import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { D1Database } from '@cloudflare/workers-types';
import { resolveSesClient, type SesClientInput } from '../ses/client.js';
import { sesTenantName } from '../shared/ses-tenant.js';
import { createD1TenantStore, type TenantRecord, type TenantResources, type TenantStore } from './d1-tenant-store.js';
import { workOnResource, workOnTenant, type TenantWorkOutcome } from './tenant-work.js';

/** What the tenant calls need: the admin database, the Worker's SESv2 client, the resources, the time. */
export interface SesTenantOptions {
  adminDb: D1Database;
  ses: SesClientInput;
  /** The configuration sets and identities every tenant gets (an organisation's own configuration set is added). */
  resources: TenantResources;
  now: Date;
}

/** What a run of tenant work did. */
export interface SesTenantRun {
  /** One line per SES call that succeeded (`tenant org-acme created at SES`…). */
  done: string[];
  /** One line per SES call that failed; each stays pending and is retried by the cron. */
  failures: string[];
}

/** Most tenants (and twice as many associations) one run works on: the cron's work is bounded. */
export const TENANT_WORK_PER_RUN = 25;

function collect(run: SesTenantRun, outcome: TenantWorkOutcome): void {
  if ('failed' in outcome) run.failures.push(outcome.failed);
  else run.done.push(outcome.note);
}

/** Works on one tenant row, then on its pending associations when it is created. */
async function workOnOrganization(
  ses: SESv2Client,
  store: TenantStore,
  row: TenantRecord,
  now: number,
  run: SesTenantRun,
): Promise<void> {
  collect(run, await workOnTenant(ses, store, row, now));
  const tenant = await store.get(row.organizationId);
  if (tenant?.state !== 'created') return;
  for (const resource of await store.resources(row.organizationId)) {
    if (resource.state === 'pending') collect(run, await workOnResource(ses, store, tenant, resource, now));
  }
}

/**
 * Gives a new organisation its SES tenant: records the tenant (`create-pending`) and the
 * resources it must have (the shared configuration sets and identities, and its own configuration
 * set) before any call, then creates the tenant (CreateTenant) and associates each resource
 * (CreateTenantResourceAssociation). Never throws for an SES error: what failed stays pending in
 * the admin database and {@link retrySesTenantWork} retries it, so creating an organisation never
 * waits on SES.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenant.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenantResourceAssociation.html
 */
export async function provisionSesTenant(
  options: SesTenantOptions & { organizationId: string },
): Promise<SesTenantRun> {
  const now = options.now.getTime();
  const store = createD1TenantStore(options.adminDb);
  await store.plan(options.organizationId, sesTenantName(options.organizationId), now);
  await store.ensureResources(options.resources, now);
  const run: SesTenantRun = { done: [], failures: [] };
  const row = await store.get(options.organizationId);
  if (row) await workOnOrganization(resolveSesClient(options.ses), store, row, now, run);
  return run;
}

/**
 * Deletes an organisation's SES tenant (DeleteTenant, which also removes its associations): the
 * row becomes `delete-pending` first, so a failed call is retried by the cron; with no client the
 * cron makes the call. Nothing to do when the organisation has no tenant.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_DeleteTenant.html
 */
export async function removeSesTenant(options: {
  adminDb: D1Database;
  ses: SesClientInput | null;
  organizationId: string;
  now: Date;
}): Promise<SesTenantRun> {
  const now = options.now.getTime();
  const store = createD1TenantStore(options.adminDb);
  const run: SesTenantRun = { done: [], failures: [] };
  if (!(await store.markForDeletion(options.organizationId, now)) || !options.ses) return run;
  const row = await store.get(options.organizationId);
  if (row) collect(run, await workOnTenant(resolveSesClient(options.ses), store, row, now));
  return run;
}

/**
 * The cron's tenant work, bounded per run ({@link TENANT_WORK_PER_RUN}): tenants of organisations
 * that are gone are deleted; organisations without a tenant (created while SES was unreachable,
 * or before tenants were turned on) get one; each tenant gets the resources it lacks; then every
 * call that is due (a first attempt, or a retry after its backoff) is made: CreateTenant,
 * DeleteTenant, CreateTenantResourceAssociation, the guard's customer-managed status, and a new
 * read of a tenant SES reported DISABLED.
 * @see https://docs.aws.amazon.com/ses/latest/dg/tenants.html
 */
export async function retrySesTenantWork(options: SesTenantOptions): Promise<SesTenantRun> {
  const now = options.now.getTime();
  const store = createD1TenantStore(options.adminDb);
  const ses = resolveSesClient(options.ses);
  const run: SesTenantRun = { done: [], failures: [] };
  await store.markOrphansForDeletion(now);
  for (const organizationId of await store.organizationsWithoutTenant(TENANT_WORK_PER_RUN)) {
    await store.plan(organizationId, sesTenantName(organizationId), now);
  }
  await store.ensureResources(options.resources, now);
  for (const row of await store.dueTenants(now, TENANT_WORK_PER_RUN)) {
    collect(run, await workOnTenant(ses, store, row, now));
  }
  const tenants = new Map<string, TenantRecord | null>();
  for (const resource of await store.dueResources(now, TENANT_WORK_PER_RUN * 2)) {
    if (!tenants.has(resource.organizationId))
      tenants.set(resource.organizationId, await store.get(resource.organizationId));
    const tenant = tenants.get(resource.organizationId);
    if (tenant) collect(run, await workOnResource(ses, store, tenant, resource, now));
  }
  return run;
}
