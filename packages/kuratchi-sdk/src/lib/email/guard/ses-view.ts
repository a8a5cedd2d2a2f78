import {
  GetReputationEntityCommand,
  ListRecommendationsCommand,
  type Recommendation,
  type ReputationEntity,
  type StatusRecord,
} from '@aws-sdk/client-sesv2';
import { organizationIdOfTenant, SES_TENANT_NAME_PATTERN } from '../shared/ses-tenant.js';
import { resolveSesClient, type SesClientInput } from '../ses/client.js';

/** One of SES's two status records of a tenant: its status, why, and since when (epoch ms). */
export interface SesStatusRecord {
  /** `ENABLED`, `DISABLED` or `REINSTATED`, as SES spells it; null when SES gave none. */
  status: string | null;
  cause: string | null;
  updatedAt: number | null;
}

/** An open finding of SES about a tenant (ListRecommendations, status `OPEN`). */
export interface SesFinding {
  /** `BOUNCE`, `COMPLAINT`, `DKIM`, `SPF`… */
  type: string | null;
  /** `HIGH` or `LOW`. */
  impact: string | null;
  /** SES's description of the cause. */
  description: string | null;
  createdAt: number | null;
  updatedAt: number | null;
}

/**
 * What SES says about an organisation's tenant, as read: its reputation entity (policy, the
 * aggregate sending status, SES's and our (customer-managed) status records, the impact) and
 * its open findings. A view, never a decision of ours.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ReputationEntity.html
 */
export interface SesReputationView {
  organizationId: string;
  /** The reputation entity's reference: the tenant's ARN. */
  entityArn: string;
  policy: string | null;
  /** SendingStatusAggregate: DISABLED when either record is. */
  sendingStatus: string | null;
  awsSesManaged: SesStatusRecord;
  customerManaged: SesStatusRecord;
  /** ReputationImpact: the highest impact of an open finding, null with none. */
  impact: string | null;
  findings: SesFinding[];
  /** When SES was read (epoch ms). */
  readAt: number;
}

/**
 * The organisation an SES reputation entity stands for, from its reference: the resource part of
 * a tenant's ARN is `tenant/<name>` (possibly followed by `/<id>`; the exact form is not
 * documented, so both are read), and the tenant name is the organisation id (`sesTenantName`).
 * Null for any other resource (an identity, a configuration set) or a name no tenant can have.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetReputationEntity.html
 */
export function organizationIdOfEntity(entityArn: string): string | null {
  const match = /^arn:[^:]+:ses:[^:]*:[^:]*:tenant\/([^/]+)(?:\/[^/]*)?$/.exec(entityArn);
  if (!match || !SES_TENANT_NAME_PATTERN.test(match[1]!)) return null;
  return organizationIdOfTenant(match[1]!);
}

const record = (r: StatusRecord | undefined): SesStatusRecord => ({
  status: r?.Status ?? null,
  cause: r?.Cause ?? null,
  updatedAt: r?.LastUpdatedTimestamp ? new Date(r.LastUpdatedTimestamp).getTime() : null,
});

const finding = (r: Recommendation): SesFinding => ({
  type: r.Type ?? null,
  impact: r.Impact ?? null,
  description: r.Description ?? null,
  createdAt: r.CreatedTimestamp ? new Date(r.CreatedTimestamp).getTime() : null,
  updatedAt: r.LastUpdatedTimestamp ? new Date(r.LastUpdatedTimestamp).getTime() : null,
});

/** A reputation entity as SES returned it (GetReputationEntity or ListReputationEntities), with its open findings. */
export function sesReputationView(
  organizationId: string,
  entity: ReputationEntity,
  findings: Recommendation[],
  readAt: number,
): SesReputationView {
  return {
    organizationId,
    entityArn: entity.ReputationEntityReference ?? '',
    policy: entity.ReputationManagementPolicy ?? null,
    sendingStatus: entity.SendingStatusAggregate ?? null,
    awsSesManaged: record(entity.AwsSesManagedStatus),
    customerManaged: record(entity.CustomerManagedStatus),
    impact: entity.ReputationImpact ?? null,
    findings: findings.filter((r) => r.Status === 'OPEN').map(finding),
    readAt,
  };
}

/**
 * Every recommendation page for a filter (ListRecommendations: at most 100 a page, once a second;
 * the SDK's retry strategy absorbs a throttled page). The filter is one key, or STATUS with IMPACT
 * or TYPE: `RESOURCE_ARN` therefore goes alone, and the caller keeps the open ones.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListRecommendations.html
 */
export async function listRecommendations(
  ses: SesClientInput,
  filter: { RESOURCE_ARN: string } | { STATUS: 'OPEN' },
): Promise<Recommendation[]> {
  const client = resolveSesClient(ses);
  const all: Recommendation[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListRecommendationsCommand({ Filter: filter, PageSize: 100, NextToken: token }));
    all.push(...(page.Recommendations ?? []));
    token = page.NextToken;
  } while (token);
  return all;
}

/**
 * Reads SES's view of one tenant now: GetReputationEntity (type `RESOURCE`, the tenant's ARN)
 * and, when it reports an impact, its findings (ListRecommendations filtered by that ARN).
 * Null when SES answers NotFoundException: no such tenant (any more).
 * @throws what the SDK throws for any other failure (the caller records it and retries).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetReputationEntity.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListRecommendations.html
 */
export async function readSesReputationView(
  ses: SesClientInput,
  organizationId: string,
  entityArn: string,
  now: Date,
): Promise<SesReputationView | null> {
  let entity: ReputationEntity | undefined;
  try {
    ({ ReputationEntity: entity } = await resolveSesClient(ses).send(
      new GetReputationEntityCommand({ ReputationEntityReference: entityArn, ReputationEntityType: 'RESOURCE' }),
    ));
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFoundException') return null;
    throw error;
  }
  if (!entity) return null;
  const findings = entity.ReputationImpact ? await listRecommendations(ses, { RESOURCE_ARN: entityArn }) : [];
  return sesReputationView(
    organizationId,
    { ReputationEntityReference: entityArn, ...entity },
    findings,
    now.getTime(),
  );
}
