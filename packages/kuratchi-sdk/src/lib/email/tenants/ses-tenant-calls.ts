import {
  CreateTenantCommand,
  type CreateTenantCommandInput,
  CreateTenantResourceAssociationCommand,
  DeleteTenantCommand,
  GetTenantCommand,
  type GetTenantCommandOutput,
  PutTenantSuppressionAttributesCommand,
  UpdateReputationEntityCustomerManagedStatusCommand,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { configurationSetArnOf, identityArnOf, placeOfArn } from '../shared/aws-names.js';
import type { TenantResourceKind, TenantSendingStatus } from './d1-tenant-store.js';

/** A tenant as SES describes it. */
export interface SesTenant {
  tenantArn: string;
  sendingStatus: TenantSendingStatus | null;
}

const named = (error: unknown, name: string) => error instanceof Error && error.name === name;

/**
 * The tenant keeps its own suppression list, for hard bounces and complaints (as ours does), so
 * one organisation's bounces never stop another's mail; without it a tenant uses the account's.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_TenantSuppressionAttributes.html
 */
const TENANT_SUPPRESSION: Pick<CreateTenantCommandInput, 'SuppressionAttributes'> = {
  SuppressionAttributes: { SuppressionScope: 'TENANT', SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
};

/** Whether a tenant's suppression attributes (as GetTenant answers them) are {@link TENANT_SUPPRESSION}'s. */
function ownSuppression(tenant: NonNullable<GetTenantCommandOutput['Tenant']>): boolean {
  const { SuppressionScope, SuppressedReasons = [] } = tenant.SuppressionAttributes ?? {};
  const wanted = TENANT_SUPPRESSION.SuppressionAttributes!.SuppressedReasons!;
  return SuppressionScope === 'TENANT' && wanted.every((reason) => SuppressedReasons.includes(reason));
}

/**
 * Creates the tenant (CreateTenant; its name is the organisation's id, so no tag is needed), or reads it when it exists
 * already (AlreadyExistsException: a retry after a lost answer, or a tenant made by hand), so calling it twice is
 * harmless. Either way the tenant ends with its own suppression list: one that existed without it gets it
 * (PutTenantSuppressionAttributes).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenant.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetTenant.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutTenantSuppressionAttributes.html
 */
export async function createTenantAtSes(ses: SESv2Client, tenantName: string): Promise<SesTenant> {
  try {
    const created = await ses.send(new CreateTenantCommand({ TenantName: tenantName, ...TENANT_SUPPRESSION }));
    if (!created.TenantArn) throw new Error('SES answered CreateTenant without a TenantArn');
    return { tenantArn: created.TenantArn, sendingStatus: created.SendingStatus ?? null };
  } catch (error) {
    if (!named(error, 'AlreadyExistsException')) throw error;
    const tenant = await readTenant(ses, tenantName);
    if (!ownSuppression(tenant))
      await ses.send(
        new PutTenantSuppressionAttributesCommand({
          TenantName: tenantName,
          ...TENANT_SUPPRESSION.SuppressionAttributes,
        }),
      );
    return { tenantArn: tenant.TenantArn!, sendingStatus: tenant.SendingStatus ?? null };
  }
}

/** GetTenant's tenant, with its ARN. */
async function readTenant(ses: SESv2Client, tenantName: string) {
  const { Tenant } = await ses.send(new GetTenantCommand({ TenantName: tenantName }));
  if (!Tenant?.TenantArn) throw new Error(`SES answered GetTenant ${tenantName} without a TenantArn`);
  return Tenant;
}

/**
 * The tenant's ARN and sending status (GetTenant).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetTenant.html
 */
export async function getTenantAtSes(ses: SESv2Client, tenantName: string): Promise<SesTenant> {
  const tenant = await readTenant(ses, tenantName);
  return { tenantArn: tenant.TenantArn!, sendingStatus: tenant.SendingStatus ?? null };
}

/**
 * Deletes the tenant (DeleteTenant, which removes its associations, not the resources); a tenant
 * already gone (NotFoundException) counts as deleted.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_DeleteTenant.html
 */
export async function deleteTenantAtSes(ses: SESv2Client, tenantName: string): Promise<void> {
  try {
    await ses.send(new DeleteTenantCommand({ TenantName: tenantName }));
  } catch (error) {
    if (!named(error, 'NotFoundException')) throw error;
  }
}

/**
 * The ARN of a tenant's resource, in the tenant's own account, partition and region (read off
 * its ARN): `…:configuration-set/<name>` or `…:identity/<domain or address>`.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservicev2.html
 */
export function tenantResourceArn(tenantArn: string, kind: TenantResourceKind, name: string): string {
  const place = placeOfArn(tenantArn);
  if (!place) throw new Error(`${tenantArn} is not an ARN with an account and a region`);
  return kind === 'configuration-set' ? configurationSetArnOf(place, name) : identityArnOf(place, name);
}

/**
 * Associates a resource with the tenant (CreateTenantResourceAssociation); one associated
 * already (AlreadyExistsException) counts as done.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenantResourceAssociation.html
 */
export async function associateAtSes(
  ses: SESv2Client,
  tenant: { tenantName: string; tenantArn: string },
  kind: TenantResourceKind,
  name: string,
): Promise<void> {
  try {
    await ses.send(
      new CreateTenantResourceAssociationCommand({
        TenantName: tenant.tenantName,
        ResourceArn: tenantResourceArn(tenant.tenantArn, kind, name),
      }),
    );
  } catch (error) {
    if (!named(error, 'AlreadyExistsException')) throw error;
  }
}

/**
 * Sets the tenant's customer-managed sending status (the guard's pause: DISABLED; its lift:
 * REINSTATED), the tenant being a reputation entity of type RESOURCE named by its ARN; SES's own
 * status is left as it is, and the tenant sends only while both allow it.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateReputationEntityCustomerManagedStatus.html
 */
export async function setCustomerStatusAtSes(
  ses: SESv2Client,
  tenantArn: string,
  status: 'DISABLED' | 'REINSTATED',
): Promise<void> {
  await ses.send(
    new UpdateReputationEntityCustomerManagedStatusCommand({
      ReputationEntityType: 'RESOURCE',
      ReputationEntityReference: tenantArn,
      SendingStatus: status,
    }),
  );
}

/** An AWS error as one line: its name and message. */
export function awsErrorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
