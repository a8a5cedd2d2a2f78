/**
 * Names of the resources `setupSESEventTracking` creates besides the configuration set (whose
 * default `sendEmail` shares: `shared/configuration-set.ts`).
 */

/** SNS topic SES publishes the events to. */
export const DEFAULT_TOPIC_NAME = 'kuratchi-ses-events';

/**
 * Name of the SQS dead-letter queue of the webhook's subscription when none is given: the topic's
 * name and `-dlq` (a standard queue, as the standard topic's subscription needs).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 */
export function defaultDeadLetterQueueName(topicName: string): string {
  return `${topicName}-dlq`;
}

/** Name of the SNS event destination inside the configuration set. */
export const DEFAULT_EVENT_DESTINATION_NAME = 'kuratchi-sns';

/**
 * Name the seed (the product's original brief) gives its SNS event destination. Without an
 * `eventDestinationName`, setup, status and teardown take an existing SNS destination of this name
 * as theirs when no `kuratchi-sns` exists (`event-destination-name.ts`).
 */
export const SEED_EVENT_DESTINATION_NAME = 'sns-events';

/** Name of the Kinesis Data Firehose event destination inside the configuration set (when asked for). */
export const DEFAULT_FIREHOSE_EVENT_DESTINATION_NAME = 'kuratchi-firehose';

/**
 * Every SES event type an event destination can publish (SESv2 `MatchingEventTypes`).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_EventDestinationDefinition.html
 */
export const SES_EVENT_DESTINATION_TYPES = [
  'SEND',
  'REJECT',
  'BOUNCE',
  'COMPLAINT',
  'DELIVERY',
  'OPEN',
  'CLICK',
  'RENDERING_FAILURE',
  'DELIVERY_DELAY',
  'SUBSCRIPTION',
] as const;

/** One of {@link SES_EVENT_DESTINATION_TYPES}. */
export type SesEventDestinationType = (typeof SES_EVENT_DESTINATION_TYPES)[number];
