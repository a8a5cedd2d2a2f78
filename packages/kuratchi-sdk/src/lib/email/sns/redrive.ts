/**
 * The SNS dead-letter queue of the webhook's subscription, as ingestion sees it: how old a
 * message drained from it may be. SNS moves a message it could not deliver (after its retries,
 * or at once on a 4xx answer) to the subscription's SQS dead-letter queue; for an HTTPS
 * subscription without raw message delivery the SQS message body is the same signed JSON
 * envelope the webhook receives, so a drained message is verified exactly as a POST of SNS is,
 * only with a longer time window.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-sqs-as-subscriber.html (the JSON envelope SNS writes to SQS)
 */

/**
 * Retention of the dead-letter queue, in seconds: 14 days, the longest SQS allows
 * (`MessageRetentionPeriod` 60 to 1,209,600), which setup gives the queue. A message drained from
 * it is at most that old, so the redrive path accepts an SNS `Timestamp` up to this age instead of
 * the webhook's one hour.
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
export const SNS_DEAD_LETTER_RETENTION_SECONDS = 1_209_600;

/**
 * Most SNS messages the redrive path takes per request: one SQS ReceiveMessage's worth (at most
 * 10), each applied as one webhook POST would be (a few D1 queries each, well within a Worker
 * invocation's limits).
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 * @see https://developers.cloudflare.com/workers/platform/limits/
 */
export const MAX_REDRIVE_MESSAGES = 10;
