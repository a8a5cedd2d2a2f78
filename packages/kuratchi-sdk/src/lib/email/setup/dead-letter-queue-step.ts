import { SetSubscriptionAttributesCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { SNS_DEAD_LETTER_RETENTION_SECONDS } from '../sns/redrive.js';
import { isAwsError } from './aws-errors.js';
import {
  readQueue,
  redrivePolicyOf,
  redriveTargetOf,
  SNS_DEAD_LETTER_STATEMENT_ID,
  snsSendStatement,
  type FoundQueue,
} from './dead-letter-queue.js';
import { deadLetterQueueNameOf } from './target-schema.js';
import type { SetupContext } from './setup-context.js';
import type { Step } from './steps.js';
import { withStatement } from './topic-policy.js';

const RETENTION = String(SNS_DEAD_LETTER_RETENTION_SECONDS);

/**
 * The SQS dead-letter queue of the webhook's subscription exists: a standard queue in the
 * topic's account and region, keeping messages 14 days (`MessageRetentionPeriod` 1,209,600 s, the
 * SQS maximum), with a policy letting `sns.amazonaws.com` send to it for this topic only
 * (`aws:SourceArn`). Created, or updated when its retention or policy differ (other policy
 * statements are kept).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
export const deadLetterQueueStep: Step<SetupContext> = {
  name: 'dead-letter-queue',
  plan: (c) =>
    `create the standard SQS queue ${deadLetterQueueNameOf(c.options)} (14-day retention) that SNS may send to for ${c.topicArn} only, as the subscription's dead-letter queue`,
  async run(c) {
    const name = deadLetterQueueNameOf(c.options);
    const statement = snsSendStatement(c.deadLetterQueueArn, c.topicArn);
    let existing = await readQueue(c.clients.sqs, name);
    if (!existing) {
      try {
        const created = await c.clients.sqs.send(
          new CreateQueueCommand({
            QueueName: name,
            Attributes: {
              MessageRetentionPeriod: RETENTION,
              Policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }),
            },
          }),
        );
        if (created.QueueUrl) c.deadLetterQueueUrl = created.QueueUrl;
        return {
          status: 'created',
          detail: `created queue ${c.deadLetterQueueArn} (14-day retention; SNS may send for ${c.topicArn})`,
        };
      } catch (error) {
        // Created meanwhile, with other attributes: make it match instead.
        if (!isAwsError(error, 'QueueNameExists', 'QueueAlreadyExists')) throw error;
        existing = await readQueue(c.clients.sqs, name);
        if (!existing) throw error;
      }
    }
    return reconcile(c, existing);
  },
};

async function reconcile(c: SetupContext, queue: FoundQueue) {
  c.deadLetterQueueUrl = queue.url;
  if (queue.attributes.QueueArn) c.deadLetterQueueArn = queue.attributes.QueueArn;
  const changes: Record<string, string> = {};
  const what: string[] = [];
  if (queue.attributes.MessageRetentionPeriod !== RETENTION) {
    changes.MessageRetentionPeriod = RETENTION;
    what.push(`retention ${queue.attributes.MessageRetentionPeriod ?? '?'} s -> ${RETENTION} s`);
  }
  const { policy, changed } = withStatement(
    queue.attributes.Policy,
    snsSendStatement(c.deadLetterQueueArn, c.topicArn),
  );
  if (changed) {
    changes.Policy = policy;
    what.push(`statement ${SNS_DEAD_LETTER_STATEMENT_ID} set: sns.amazonaws.com may send for ${c.topicArn}`);
  }
  if (!what.length) return { status: 'unchanged' as const, detail: `queue ${c.deadLetterQueueArn} is as needed` };
  await c.clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: changes }));
  return { status: 'updated' as const, detail: `queue ${c.deadLetterQueueArn} updated (${what.join('; ')})` };
}

/**
 * The webhook's subscription sends what SNS could not deliver to the dead-letter queue
 * (subscription attribute `RedrivePolicy`). A subscription this run created has it from the
 * start (Subscribe's `Attributes`): SNS lists a pending subscription without an ARN, so a
 * subscription found pending can be neither read nor changed until the webhook confirmed it;
 * running setup again then sets it.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_SetSubscriptionAttributes.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html
 */
export const subscriptionDeadLetterStep: Step<SetupContext> = {
  name: 'subscription-dead-letter',
  plan: (c) => `set the subscription's RedrivePolicy to ${redrivePolicyOf(c.deadLetterQueueArn)}`,
  async run(c) {
    const target = c.deadLetterQueueArn;
    if (c.subscriptionCreated)
      return { status: 'created', detail: `RedrivePolicy set when subscribing: undelivered events go to ${target}` };
    if (!c.subscriptionArn || c.subscriptionPending) {
      return {
        status: 'unchanged',
        detail: `the subscription is pending confirmation: its RedrivePolicy cannot be read or set yet; run setup again once the webhook confirmed it`,
      };
    }
    const current = redriveTargetOf(c.subscriptionAttributes?.RedrivePolicy);
    if (current === target) return { status: 'unchanged', detail: `undelivered events go to ${target}` };
    await c.clients.sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: c.subscriptionArn,
        AttributeName: 'RedrivePolicy',
        AttributeValue: redrivePolicyOf(target),
      }),
    );
    return {
      status: 'updated',
      detail: `RedrivePolicy ${current ?? '(none)'} -> ${target}: undelivered events go to the dead-letter queue`,
    };
  },
};
