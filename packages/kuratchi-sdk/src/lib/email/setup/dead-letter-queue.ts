import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { isAwsError } from './aws-errors.js';
import type { PolicyStatement } from './topic-policy.js';

/**
 * The SQS queue the webhook's SNS subscription sends what it could not deliver to (its
 * dead-letter queue): the queue policy statement SNS needs, the subscription's `RedrivePolicy`,
 * and reading the queue. The queue must be a standard queue (the topic is standard) in the same
 * account and region as the subscription.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html
 */

/** `Sid` of the statement this SDK manages in the dead-letter queue's policy. */
export const SNS_DEAD_LETTER_STATEMENT_ID = 'KuratchiSnsDeadLetter';

/**
 * Allows `sns.amazonaws.com` to send messages to the queue only on behalf of this topic
 * (`aws:SourceArn`), so no other topic, and no other account's SNS, can write to it.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html
 */
export function snsSendStatement(queueArn: string, topicArn: string): PolicyStatement {
  return {
    Sid: SNS_DEAD_LETTER_STATEMENT_ID,
    Effect: 'Allow',
    Principal: { Service: 'sns.amazonaws.com' },
    Action: 'sqs:SendMessage',
    Resource: queueArn,
    Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
  };
}

/**
 * The subscription attribute `RedrivePolicy` naming the queue: `{"deadLetterTargetArn": …}`.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_SetSubscriptionAttributes.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html (Attributes: RedrivePolicy)
 */
export function redrivePolicyOf(queueArn: string): string {
  return JSON.stringify({ deadLetterTargetArn: queueArn });
}

/** The `deadLetterTargetArn` of a subscription's `RedrivePolicy`, or null when it has none (or not JSON). */
export function redriveTargetOf(redrivePolicy: string | undefined): string | null {
  if (!redrivePolicy) return null;
  try {
    const target = (JSON.parse(redrivePolicy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    return typeof target === 'string' ? target : null;
  } catch {
    return null;
  }
}

/** A queue found by name: its URL and the attributes asked for. */
export interface FoundQueue {
  url: string;
  attributes: Partial<Record<QueueAttributeName, string>>;
}

/** Attributes setup, status and teardown read of the queue. */
const READ_ATTRIBUTES: QueueAttributeName[] = [
  'QueueArn',
  'MessageRetentionPeriod',
  'Policy',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
];

/**
 * The queue of this name in the credentials' account and the client's region (GetQueueUrl, then
 * GetQueueAttributes), or null when it does not exist.
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueUrl.html
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
 */
export async function readQueue(sqs: SQSClient, name: string): Promise<FoundQueue | null> {
  let url: string | undefined;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (isQueueMissing(error)) return null;
    throw error;
  }
  if (!url) throw new Error(`SQS GetQueueUrl answered without a QueueUrl for ${name}`);
  try {
    const output = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: READ_ATTRIBUTES }));
    return { url, attributes: output.Attributes ?? {} };
  } catch (error) {
    // Deleted between the two calls.
    if (isQueueMissing(error)) return null;
    throw error;
  }
}

/**
 * Whether an SQS error says the queue does not exist (its JSON name, or the query-protocol code
 * SQS still sends alongside).
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueUrl.html#API_GetQueueUrl_Errors
 */
export function isQueueMissing(error: unknown): boolean {
  return isAwsError(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue');
}

/**
 * Messages in the queue, by state (approximate, as SQS counts them): waiting, received and not
 * yet deleted (in flight), delayed.
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 */
export function queueDepth(queue: FoundQueue): { waiting: number; inFlight: number; delayed: number } {
  const count = (name: QueueAttributeName) => Number(queue.attributes[name] ?? '0') || 0;
  return {
    waiting: count('ApproximateNumberOfMessages'),
    inFlight: count('ApproximateNumberOfMessagesNotVisible'),
    delayed: count('ApproximateNumberOfMessagesDelayed'),
  };
}
