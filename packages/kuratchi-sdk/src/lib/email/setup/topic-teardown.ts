/**
 * Teardown's topic steps: the webhook's subscription, then the topic. A topic is deleted only when
 * it is setup's (tagged `kuratchi:managed-by`: `topic-ownership.ts`); a topic of yours
 * (`snsTopicArn`) or one setup never tagged is kept with its policy as it is, and only the named
 * webhook's subscription is removed from it.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Unsubscribe.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_DeleteTopic.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_ListTagsForResource.html
 */
import {
  DeleteTopicCommand,
  SetTopicAttributesCommand,
  UnsubscribeCommand,
  type Subscription,
} from '@aws-sdk/client-sns';
import { redactUrl, sameEndpoint } from './aws-errors.js';
import { readTopicAttributes } from './sns-topic-steps.js';
import { isConfirmed, listHttpsSubscriptions, listSubscriptions } from './sns-subscriptions.js';
import type { Step } from './steps.js';
import type { TeardownContext } from './teardown-context.js';
import { MANAGED_TOPIC_TAG, readTopicManaged } from './topic-ownership.js';
import { SES_PUBLISH_STATEMENT_ID, withoutStatement } from './topic-policy.js';

/** Whose the topic is (read once per run): yours, setup's (tagged), untagged, or absent. */
async function topicOwner(c: TeardownContext): Promise<NonNullable<TeardownContext['topicOwner']>> {
  if (c.topicOwner) return c.topicOwner;
  if (!(await readTopicAttributes(c))) c.topicOwner = 'absent';
  else if (c.options.snsTopicArn !== undefined) c.topicOwner = 'yours';
  else c.topicOwner = (await readTopicManaged(c.clients.sns, c.topicArn)) ? 'managed' : 'unmanaged';
  return c.topicOwner;
}

/** Why a topic that is not setup's is kept, in words. */
function notSetups(c: TeardownContext, owner: 'yours' | 'unmanaged'): string {
  return owner === 'yours'
    ? `the topic ${c.topicArn} is yours (snsTopicArn)`
    : `the topic ${c.topicArn} carries no tag ${MANAGED_TOPIC_TAG.Key}: setup did not create it (run setup once to adopt it, or delete it yourself)`;
}

/**
 * The webhook's HTTPS subscription is removed (every HTTPS one when no webhook is named, only on
 * a topic of setup's). Pending ones cannot be (SNS lists no ARN for them): they go with the topic.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Unsubscribe.html
 */
export const subscriptionTeardownStep: Step<TeardownContext> = {
  name: 'subscription',
  plan: (c) =>
    `unsubscribe ${c.options.webhookUrl ? redactUrl(c.options.webhookUrl) : 'every HTTPS subscription (of a topic setup manages)'} from the topic`,
  async run(c) {
    const owner = await topicOwner(c);
    if (owner === 'absent') return { status: 'absent', detail: 'no topic, hence no subscription' };
    if (owner !== 'managed' && c.options.webhookUrl === undefined)
      return {
        status: 'kept',
        detail: `${notSetups(c, owner)}: its subscriptions are kept; pass webhookUrl to remove the webhook's`,
      };
    const subscriptions = await listHttpsSubscriptions(c.clients.sns, c.topicArn, c.options.webhookUrl);
    if (!subscriptions.length) return { status: 'absent', detail: 'no matching HTTPS subscription' };
    const confirmed = subscriptions.filter(isConfirmed);
    for (const s of confirmed)
      await c.clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn! }));
    const pending = subscriptions.length - confirmed.length;
    return {
      status: confirmed.length ? 'deleted' : 'kept',
      detail: [
        ...(confirmed.length ? [`unsubscribed ${confirmed.map((s) => redactUrl(s.Endpoint ?? '')).join(', ')}`] : []),
        // SNS lists no ARN for an unconfirmed subscription, so it cannot be unsubscribed; it goes with the topic or expires.
        ...(pending
          ? [`${pending} pending subscription(s) cannot be unsubscribed: they go with the topic, or expire unconfirmed`]
          : []),
      ].join('; '),
    };
  },
};

/**
 * The topic is deleted when it is setup's and no other subscription remains (or `force`); kept,
 * without SES's publish permission, while others remain. A topic that is not setup's is kept
 * whatever `force` says, its policy untouched.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_DeleteTopic.html
 */
export const topicTeardownStep: Step<TeardownContext> = {
  name: 'topic',
  plan: (c) =>
    c.options.snsTopicArn !== undefined
      ? `keep your topic ${c.options.snsTopicArn} (never deleted)`
      : `delete the SNS topic ${c.options.topicName} if setup manages it (tag ${MANAGED_TOPIC_TAG.Key}) and no other subscriptions remain${c.options.force ? ' (forced: even then)' : ''}`,
  async run(c) {
    const owner = await topicOwner(c);
    if (owner === 'absent') return { status: 'absent', detail: `no topic ${c.topicArn}` };
    if (owner !== 'managed')
      return {
        status: 'kept',
        detail: `${notSetups(c, owner)}: kept, its policy as it is (never deleted by teardown)`,
      };
    const attributes = (await readTopicAttributes(c)) ?? {};
    const others = (await listSubscriptions(c.clients.sns, c.topicArn)).filter((s) => !isWebhookPending(c, s));
    if (others.length && !c.options.force) {
      const { policy, changed } = withoutStatement(attributes.Policy, SES_PUBLISH_STATEMENT_ID);
      if (changed) {
        await c.clients.sns.send(
          new SetTopicAttributesCommand({ TopicArn: c.topicArn, AttributeName: 'Policy', AttributeValue: policy }),
        );
      }
      const list = others.map((s) => `${s.Protocol}:${redactUrl(s.Endpoint ?? '')}`).join(', ');
      return {
        status: 'kept',
        detail: `topic kept: other subscriptions remain (${list}); SES's publish permission ${changed ? 'removed' : 'was already absent'}; pass force to delete it anyway`,
      };
    }
    await c.clients.sns.send(new DeleteTopicCommand({ TopicArn: c.topicArn }));
    return { status: 'deleted', detail: `deleted topic ${c.topicArn} and its subscriptions` };
  },
};

/** The webhook's own unconfirmed subscription: it cannot be removed, and must not keep the topic alive. */
function isWebhookPending(c: TeardownContext, s: Subscription): boolean {
  if (s.Protocol !== 'https' || isConfirmed(s)) return false;
  return c.options.webhookUrl === undefined || (!!s.Endpoint && sameEndpoint(s.Endpoint, c.options.webhookUrl));
}
