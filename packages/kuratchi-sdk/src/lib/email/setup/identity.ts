import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

/** Where the resources live: account, partition and region. */
export interface AwsPlace {
  accountId: string;
  /** `aws`, `aws-cn` or `aws-us-gov`. */
  partition: string;
  region: string;
}

/**
 * The account the credentials belong to (STS GetCallerIdentity, which needs no permission), or
 * the one given; the partition comes from the caller ARN (or the region).
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
export async function resolvePlace(sts: STSClient, region: string, accountId?: string): Promise<AwsPlace> {
  if (accountId) return { accountId, partition: partitionOfRegion(region), region };
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Account) throw new Error('STS GetCallerIdentity answered without an Account');
  const partition = identity.Arn?.split(':')[1] || partitionOfRegion(region);
  return { accountId: identity.Account, partition, region };
}

/** The partition of a region: `cn-*` is `aws-cn`, `us-gov-*` is `aws-us-gov`, the rest `aws`. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * `arn:<partition>:sns:<region>:<account>:<topic>`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export function topicArnOf(place: AwsPlace, topicName: string): string {
  return `arn:${place.partition}:sns:${place.region}:${place.accountId}:${topicName}`;
}

/**
 * `arn:<partition>:ses:<region>:<account>:configuration-set/<name>`, the `AWS:SourceArn` SES
 * publishes with.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservicev2.html
 */
export function configurationSetArnOf(place: AwsPlace, configurationSetName: string): string {
  return `arn:${place.partition}:ses:${place.region}:${place.accountId}:configuration-set/${configurationSetName}`;
}
