import { readConfig } from '../../config';
import type { AlertCondition, AlertProvider } from '../condition';

/**
 * `subscription-unconfirmed`, for the deployment: no topic is allowed (the webhook refuses every
 * message), or the latest subscription message of an allowed topic is a confirmation that
 * failed or an UnsubscribeConfirmation (the subscription is gone). Cleared by the next
 * successful confirmation of that topic (`kuratchi-ses setup` subscribes again).
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.confirm.html
 */
export function subscriptionAlertProvider(env: DashboardEnv): AlertProvider {
  return async () => {
    const allowed = readConfig(env).allowedTopicArns;
    if (allowed.length === 0) {
      return [
        {
          kind: 'subscription-unconfirmed',
          key: 'subscription:no-allowed-topic',
          organizationId: null,
          severity: 'critical',
          title: 'No SNS topic is allowed: the webhook refuses every SES event',
          detail:
            'Set KURATCHI_ALLOWED_TOPIC_ARNS to the topic that `kuratchi-ses setup` created (docs/guides/deploy.md).',
        },
      ];
    }
    const { results } = await env.ADMIN_DB.prepare(
      `SELECT m.topic_arn AS topicArn, m.outcome, m.detail, m.received_at AS receivedAt
       FROM sns_subscription_messages m
       WHERE m.topic_arn IN (SELECT value FROM json_each(?))
         AND m.received_at = (SELECT max(received_at) FROM sns_subscription_messages WHERE topic_arn = m.topic_arn)`,
    )
      .bind(JSON.stringify(allowed))
      .all<{ topicArn: string; outcome: string; detail: string | null; receivedAt: number }>();
    const conditions: AlertCondition[] = [];
    for (const latest of new Map(results.map((r) => [r.topicArn, r])).values()) {
      if (latest.outcome === 'confirmed') continue;
      const when = new Date(latest.receivedAt).toISOString();
      conditions.push({
        kind: 'subscription-unconfirmed',
        key: `subscription:${latest.topicArn}`,
        organizationId: null,
        severity: 'critical',
        title:
          latest.outcome === 'unsubscribed'
            ? `The SNS subscription to ${latest.topicArn} was deleted (UnsubscribeConfirmation at ${when})`
            : `The SNS subscription to ${latest.topicArn} could not be confirmed (at ${when})`,
        detail:
          `${latest.detail ? `${latest.detail}. ` : ''}SES events of this topic no longer reach the webhook: ` +
          'run `kuratchi-ses status`, then `kuratchi-ses setup` to subscribe again.',
      });
    }
    return conditions;
  };
}
