import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  type SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';
import { sameEndpoint } from './aws-errors.js';

/**
 * `SubscriptionArn` SNS lists for a subscription that is not confirmed yet.
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.confirm.html
 */
export const PENDING_CONFIRMATION = 'PendingConfirmation';

/**
 * Every subscription of a topic, all pages (`NextToken`) read.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html
 */
export async function listSubscriptions(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const found: Subscription[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, ...(NextToken ? { NextToken } : {}) }),
    );
    found.push(...(page.Subscriptions ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

/** The HTTPS subscriptions of a topic (every page), optionally only those of one endpoint. */
export async function listHttpsSubscriptions(
  sns: SNSClient,
  topicArn: string,
  endpoint?: string,
): Promise<Subscription[]> {
  return (await listSubscriptions(sns, topicArn)).filter(
    (s) => s.Protocol === 'https' && (endpoint === undefined || (!!s.Endpoint && sameEndpoint(s.Endpoint, endpoint))),
  );
}

/**
 * A subscription's attributes (`PendingConfirmation`, `RawMessageDelivery`…).
 * @see https://docs.aws.amazon.com/sns/latest/api/API_GetSubscriptionAttributes.html
 */
export async function subscriptionAttributes(sns: SNSClient, subscriptionArn: string): Promise<Record<string, string>> {
  const output = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }));
  return output.Attributes ?? {};
}

/** Whether a listed subscription is confirmed (it then has a real ARN). */
export function isConfirmed(subscription: Subscription): boolean {
  return !!subscription.SubscriptionArn && subscription.SubscriptionArn !== PENDING_CONFIRMATION;
}
