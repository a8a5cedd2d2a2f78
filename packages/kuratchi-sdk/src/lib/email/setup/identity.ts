import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { partitionOfRegion, type AwsPlace } from '../shared/aws-names.js';

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
