/**
 * `kuratchi-sdk/internal/aws-names`: AWS names, one rule each: regions, partitions, SNS topic
 * names and ARNs, the SES configuration set ARN and SNS endpoint hosts. The SNS envelope check,
 * the SigningCertURL and SubscribeURL checks, setup, the test signer, the CLI and the dashboard's
 * configuration all use these, so an ARN one of them accepts is an ARN every one of them accepts.
 * Web-standard (no I/O).
 */

/**
 * A region name: `<area>(-<word>)+-<n>` (us-east-1, us-gov-west-1, cn-northwest-1, ap-southeast-3…).
 * @see https://docs.aws.amazon.com/general/latest/gr/rande.html (Regional endpoints)
 */
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d{1,2}';

/**
 * An AWS region name such as `eu-west-1`.
 * @see https://docs.aws.amazon.com/general/latest/gr/rande.html (Regional endpoints)
 */
export const AWS_REGION_PATTERN = new RegExp(`^${REGION}$`);

/**
 * The AWS partitions this SDK knows: the commercial regions, China and GovCloud (US).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html (partition)
 */
export type AwsPartition = 'aws' | 'aws-cn' | 'aws-us-gov';

/**
 * The partition of a region: `cn-*` is `aws-cn`, `us-gov-*` is `aws-us-gov`, the rest `aws`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html (partition)
 */
export function partitionOfRegion(region: string): AwsPartition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * An SNS topic name SES can publish to: 1 to 256 ASCII letters, digits, `_` and `-`, so a
 * standard topic. A FIFO topic (its name ends `.fifo`) is never one: SNS FIFO topics deliver only
 * to SQS queues ("can't deliver messages to … HTTP(S) endpoints"), so no FIFO topic can reach the
 * webhook, and SES event destinations publish to standard topics.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (Name)
 * @see https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-sns.html
 */
export const SNS_TOPIC_NAME_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

const SNS_TOPIC_ARN = new RegExp(`^arn:(aws|aws-cn|aws-us-gov):sns:(${REGION}):(\\d{12}):([A-Za-z0-9_-]{1,256})$`);

/**
 * The parts of an SNS topic ARN.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export interface SnsTopicArnParts {
  partition: AwsPartition;
  region: string;
  accountId: string;
  topicName: string;
}

/**
 * Reads `arn:<partition>:sns:<region>:<account>:<topic>`, or null when `arn` is not the ARN of
 * a topic SES can publish to: the partition must be its region's ({@link partitionOfRegion}),
 * the account 12 digits, the name a standard topic's ({@link SNS_TOPIC_NAME_PATTERN}).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export function parseSnsTopicArn(arn: string): SnsTopicArnParts | null {
  const match = SNS_TOPIC_ARN.exec(arn);
  if (!match) return null;
  const [, partition, region, accountId, topicName] = match as unknown as [
    string,
    AwsPartition,
    string,
    string,
    string,
  ];
  if (partitionOfRegion(region) !== partition) return null;
  return { partition, region, accountId, topicName };
}

/**
 * True when `arn` is the ARN of a standard SNS topic (see {@link parseSnsTopicArn}).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export function isSnsTopicArn(arn: string): boolean {
  return parseSnsTopicArn(arn) !== null;
}

/**
 * Where AWS resources live: account, partition and region.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export interface AwsPlace {
  accountId: string;
  /** `aws`, `aws-cn` or `aws-us-gov`. */
  partition: string;
  region: string;
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

/**
 * `arn:<partition>:ses:<region>:<account>:identity/<domain or address>`: a verified identity, as a
 * tenant's resource association names it.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservicev2.html
 */
export function identityArnOf(place: AwsPlace, identity: string): string {
  return `arn:${place.partition}:ses:${place.region}:${place.accountId}:identity/${identity}`;
}

/**
 * The account, partition and region of an ARN (`arn:<partition>:<service>:<region>:<account>:…`),
 * or null when it has none.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export function placeOfArn(arn: string): AwsPlace | null {
  const [prefix, partition, , region, accountId] = arn.split(':');
  if (prefix !== 'arn' || !partition || !region || !accountId || !/^\d{12}$/.test(accountId)) return null;
  return { partition, region, accountId };
}

/**
 * `arn:<partition>:sqs:<region>:<account>:<queue>`: an SQS queue's ARN (the RedrivePolicy's
 * `deadLetterTargetArn`, the `Resource` of its queue policy).
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html
 */
export function sqsQueueArnOf(place: AwsPlace, queueName: string): string {
  return `arn:${place.partition}:sqs:${place.region}:${place.accountId}:${queueName}`;
}

/**
 * A standard SQS queue name: 1 to 80 letters, digits, `-` or `_` (a FIFO queue's name ends in
 * `.fifo`, which this refuses: a standard topic's subscription takes a standard dead-letter queue).
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 */
export const SQS_STANDARD_QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * The SNS endpoint host of a region: `sns.<region>.amazonaws.com`, `.amazonaws.com.cn` in the
 * China regions.
 * @see https://docs.aws.amazon.com/general/latest/gr/sns.html (SNS endpoints)
 */
export function snsHostOfRegion(region: string): string {
  return `sns.${region}.amazonaws.com${partitionOfRegion(region) === 'aws-cn' ? '.cn' : ''}`;
}

/**
 * The SNS endpoint host of a topic's region ({@link snsHostOfRegion} of the ARN's region).
 * @see https://docs.aws.amazon.com/general/latest/gr/sns.html (SNS endpoints)
 */
export function snsHostOfTopic(topicArn: string): string {
  return snsHostOfRegion(topicArn.split(':')[3] ?? '');
}

const SNS_HOST = new RegExp(`^sns\\.(${REGION})\\.amazonaws\\.com(?:\\.cn)?$`);

/**
 * True when `hostname` is the SNS endpoint of a region ({@link snsHostOfRegion}: China
 * endpoints only for `cn-` regions).
 * @see https://docs.aws.amazon.com/general/latest/gr/sns.html (SNS endpoints)
 */
export function isSnsHost(hostname: string): boolean {
  const match = SNS_HOST.exec(hostname);
  return match !== null && hostname === snsHostOfRegion(match[1]!);
}
