import { SetSubscriptionAttributesCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { redactUrl } from './aws-errors.js';
import { redrivePolicyOf } from './dead-letter-queue.js';
import type { SetupContext } from './setup-context.js';
import { isConfirmed, listHttpsSubscriptions, subscriptionAttributes } from './sns-subscriptions.js';
import type { Step } from './steps.js';

/**
 * The webhook is subscribed to the topic over HTTPS, without raw message delivery (the webhook
 * verifies signatures, which raw delivery drops). A new subscription stays pending until the
 * webhook visits the SubscribeURL of SNS's SubscriptionConfirmation, which it does by itself once
 * the topic is in its allowlist. A new subscription is made with its `RedrivePolicy` (the
 * dead-letter queue) in Subscribe's `Attributes`, so it holds from the first delivery. Runs only
 * with a `webhookUrl` (without one, setup subscribes nothing).
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-http-https-endpoint-as-subscriber.html
 */
export const subscriptionStep: Step<SetupContext> = {
  name: 'subscription',
  plan: (c) => `subscribe ${redactUrl(c.options.webhookUrl!)} (https) to the topic; the webhook confirms it`,
  async run(c) {
    const [existing] = await listHttpsSubscriptions(c.clients.sns, c.topicArn, c.options.webhookUrl!);
    if (existing && !isConfirmed(existing)) {
      c.subscriptionPending = true;
      return {
        status: 'unchanged',
        detail: `subscribed, pending confirmation: the webhook confirms it when ${c.topicArn} is in its allowed topics (KURATCHI_ALLOWED_TOPIC_ARNS)`,
      };
    }
    if (existing) {
      const arn = existing.SubscriptionArn!;
      c.subscriptionArn = arn;
      const attributes = await subscriptionAttributes(c.clients.sns, arn);
      c.subscriptionAttributes = attributes;
      c.subscriptionPending = attributes.PendingConfirmation === 'true';
      if (attributes.RawMessageDelivery === 'true') {
        await c.clients.sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: arn,
            AttributeName: 'RawMessageDelivery',
            AttributeValue: 'false',
          }),
        );
        return {
          status: 'updated',
          detail: `raw message delivery turned off on ${arn} (the webhook needs signed envelopes)`,
        };
      }
      return {
        status: 'unchanged',
        detail: `subscribed and ${c.subscriptionPending ? 'pending confirmation' : 'confirmed'}: ${arn}`,
      };
    }
    const output = await c.clients.sns.send(
      new SubscribeCommand({
        TopicArn: c.topicArn,
        Protocol: 'https',
        Endpoint: c.options.webhookUrl!,
        ReturnSubscriptionArn: true,
        Attributes: { RedrivePolicy: redrivePolicyOf(c.deadLetterQueueArn) },
      }),
    );
    if (output.SubscriptionArn) c.subscriptionArn = output.SubscriptionArn;
    c.subscriptionPending = true;
    c.subscriptionCreated = true;
    return {
      status: 'created',
      detail: `subscribed ${redactUrl(c.options.webhookUrl!)}; pending until the webhook confirms it (it must allow ${c.topicArn})`,
    };
  },
};
