import {
  CreateTenantResourceAssociationCommand,
  ListResourceTenantsCommand,
  ListTenantsCommand,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { configurationSetArnOf } from '../shared/aws-names.js';
import { isAwsError } from './aws-errors.js';
import type { SetupContext } from './setup-context.js';
import type { Step } from './steps.js';

/** Which of the account's SES tenants have the configuration set associated. */
export interface TenantAssociations {
  /** Every tenant of the account and region. */
  tenants: number;
  /** Tenants with the configuration set associated. */
  associated: number;
  /** Tenants without it (their sends with TenantName and this configuration set are refused). */
  missing: string[];
}

/**
 * Every tenant of the account and region, by name (ListTenants, every page).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListTenants.html
 */
async function tenantNames(sesv2: SESv2Client): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sesv2.send(new ListTenantsCommand({ PageSize: 100, ...(NextToken ? { NextToken } : {}) }));
    names.push(...(page.Tenants ?? []).flatMap((t) => (t.TenantName ? [t.TenantName] : [])));
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

/**
 * The tenants a resource is associated with (ListResourceTenants, every page).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListResourceTenants.html
 */
async function tenantsOf(sesv2: SESv2Client, resourceArn: string): Promise<Set<string>> {
  const names = new Set<string>();
  let NextToken: string | undefined;
  do {
    const page = await sesv2.send(
      new ListResourceTenantsCommand({ ResourceArn: resourceArn, PageSize: 100, ...(NextToken ? { NextToken } : {}) }),
    );
    for (const t of page.ResourceTenants ?? []) if (t.TenantName) names.add(t.TenantName);
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

/** Which tenants have the configuration set (by its ARN) associated, read without changing anything. */
export async function readTenantAssociations(
  sesv2: SESv2Client,
  configurationSetArn: string,
): Promise<TenantAssociations> {
  const [all, associated] = await Promise.all([tenantNames(sesv2), tenantsOf(sesv2, configurationSetArn)]);
  const missing = all.filter((name) => !associated.has(name));
  return { tenants: all.length, associated: all.length - missing.length, missing };
}

/**
 * With `tenants`: the configuration set is associated with every SES tenant of the account (one
 * per organisation, made by the dashboard with `KURATCHI_SES_TENANTS=on`), so a send with
 * `TenantName` may use it; only the missing associations are made.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenantResourceAssociation.html
 */
export const tenantAssociationsStep: Step<SetupContext> = {
  name: 'tenant-associations',
  plan: (c) => `associate the configuration set ${c.options.configurationSetName} with every SES tenant of the account`,
  async run(c) {
    const arn = configurationSetArnOf(c.place!, c.options.configurationSetName);
    const { tenants, missing } = await readTenantAssociations(c.clients.sesv2, arn);
    for (const TenantName of missing) {
      try {
        await c.clients.sesv2.send(new CreateTenantResourceAssociationCommand({ TenantName, ResourceArn: arn }));
      } catch (error) {
        if (!isAwsError(error, 'AlreadyExistsException')) throw error;
      }
    }
    const all = `associated with all ${tenants} SES tenant(s)`;
    return missing.length
      ? { status: 'created', detail: `${all} (${missing.length} new: ${missing.join(', ')})` }
      : { status: 'unchanged', detail: all };
  },
};
