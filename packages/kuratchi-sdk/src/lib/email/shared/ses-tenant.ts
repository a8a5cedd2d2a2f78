/**
 * One SES tenant per organisation: its name is the organisation's id. Organisation ids are 2–64
 * lower-case letters, digits and dashes, which is always a valid tenant name, so the mapping is
 * one-to-one both ways (a tenant name SES reports names the organisation directly). One AWS
 * account (with its SES tenants) serves one deployment.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenant.html
 */

/**
 * SES tenant names: up to 64 letters, digits, `-` and `_`.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenant.html
 */
export const SES_TENANT_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The SES tenant name of an organisation (its id). */
export function sesTenantName(organizationId: string): string {
  if (!SES_TENANT_NAME_PATTERN.test(organizationId)) {
    throw new TypeError(`organization id ${JSON.stringify(organizationId)} is not a valid SES tenant name`);
  }
  return organizationId;
}

/** The organisation id an SES tenant name stands for (the inverse of `sesTenantName`). */
export function organizationIdOfTenant(tenantName: string): string {
  return tenantName;
}
