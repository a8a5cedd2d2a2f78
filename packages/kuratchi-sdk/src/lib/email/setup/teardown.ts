import {
  DeleteConfigurationSetCommand,
  DeleteConfigurationSetEventDestinationCommand,
  GetConfigurationSetEventDestinationsCommand,
} from '@aws-sdk/client-sesv2';
import {
  DeleteTopicCommand,
  SetTopicAttributesCommand,
  UnsubscribeCommand,
  type Subscription,
} from '@aws-sdk/client-sns';
import { parseOptions } from '../shared/invalid-options.js';
import { accountStep, placedContext, type PlacedContext } from './account-step.js';
import { resolveClients } from './aws-clients.js';
import { deadLetterQueueTeardownStep } from './dead-letter-queue-teardown.js';
import { isAwsError, redactUrl, sameEndpoint } from './aws-errors.js';
import {
  teardownOptionsSchema,
  type SesEventTrackingClients,
  type TeardownSesEventTrackingOptions,
  type ValidTeardownOptions,
} from './options.js';
import { readTopicAttributes } from './sns-topic-steps.js';
import { isConfirmed, listHttpsSubscriptions, listSubscriptions } from './sns-subscriptions.js';
import { runReport, type RunReport, type Step } from './steps.js';
import { SES_PUBLISH_STATEMENT_ID, withoutStatement } from './topic-policy.js';

/**
 * What `teardownSESEventTracking` removed (or, in a dry run, would remove); its `steps` are
 * `account`, `event-destination`, `configuration-set`, `subscription`, `topic`,
 * `dead-letter-queue`: deleted, absent, kept, failed…
 */
export type TeardownReport = RunReport;

interface TeardownContext extends PlacedContext {
  options: ValidTeardownOptions;
  clients: SesEventTrackingClients;
}

const eventDestinationStep: Step<TeardownContext> = {
  name: 'event-destination',
  plan: (c) => `delete the event destination ${c.options.eventDestinationName} of ${c.options.configurationSetName}`,
  async run(c) {
    try {
      await c.clients.sesv2.send(
        new DeleteConfigurationSetEventDestinationCommand({
          ConfigurationSetName: c.options.configurationSetName,
          EventDestinationName: c.options.eventDestinationName,
        }),
      );
      return { status: 'deleted', detail: `deleted event destination ${c.options.eventDestinationName}` };
    } catch (error) {
      if (isAwsError(error, 'NotFoundException'))
        return { status: 'absent', detail: `no event destination ${c.options.eventDestinationName}` };
      throw error;
    }
  },
};

const configurationSetStep: Step<TeardownContext> = {
  name: 'configuration-set',
  plan: (c) =>
    c.options.keepConfigurationSet
      ? `keep the configuration set ${c.options.configurationSetName}`
      : `delete the configuration set ${c.options.configurationSetName} unless other event destinations use it`,
  async run(c) {
    const name = c.options.configurationSetName;
    if (c.options.keepConfigurationSet) return { status: 'kept', detail: `configuration set ${name} kept, as asked` };
    let others: string[];
    try {
      const output = await c.clients.sesv2.send(
        new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: name }),
      );
      others = (output.EventDestinations ?? []).map((d) => d.Name ?? '?');
    } catch (error) {
      if (isAwsError(error, 'NotFoundException')) return { status: 'absent', detail: `no configuration set ${name}` };
      throw error;
    }
    if (others.length)
      return {
        status: 'kept',
        detail: `configuration set ${name} kept: other event destinations use it (${others.join(', ')})`,
      };
    await c.clients.sesv2.send(new DeleteConfigurationSetCommand({ ConfigurationSetName: name }));
    return {
      status: 'deleted',
      detail: `deleted configuration set ${name} (sending with it now fails until setup runs again)`,
    };
  },
};

const subscriptionStep: Step<TeardownContext> = {
  name: 'subscription',
  plan: (c) =>
    `unsubscribe ${c.options.webhookUrl ? redactUrl(c.options.webhookUrl) : 'every HTTPS subscription'} from the topic`,
  async run(c) {
    if (!(await readTopicAttributes(c))) return { status: 'absent', detail: 'no topic, hence no subscription' };
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

const topicStep: Step<TeardownContext> = {
  name: 'topic',
  plan: (c) =>
    `delete the SNS topic ${c.options.topicName} unless other subscriptions remain${c.options.force ? ' (forced: delete anyway)' : ''}`,
  async run(c) {
    const attributes = await readTopicAttributes(c);
    if (!attributes) return { status: 'absent', detail: `no topic ${c.topicArn}` };
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

/**
 * Removes what `setupSESEventTracking` created, newest first: the event destination, the
 * configuration set (kept when asked, or when other event destinations use it), the webhook's
 * subscription, and the topic (kept, without SES's publish permission, when subscriptions other
 * than the webhook's remain, unless `force`), and the subscription's SQS dead-letter queue (kept
 * while it holds messages, unless `force`). Missing resources are reported `absent`, so it is
 * safe to run twice. A failing step stops the run, reported like setup's.
 * @throws {InvalidOptionsError} for invalid options; AWS errors are reported in the result.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_DeleteConfigurationSet.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_DeleteTopic.html
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteQueue.html
 */
export async function teardownSESEventTracking(input: TeardownSesEventTrackingOptions): Promise<TeardownReport> {
  const options = parseOptions('teardownSESEventTracking', teardownOptionsSchema, input);
  const context: TeardownContext = placedContext({ options, clients: resolveClients(input) });
  const steps = [
    accountStep as Step<TeardownContext>,
    eventDestinationStep,
    configurationSetStep,
    subscriptionStep,
    topicStep,
    deadLetterQueueTeardownStep as Step<TeardownContext>,
  ];
  return runReport(steps, context, options);
}

/** The webhook's own unconfirmed subscription: it cannot be removed, and must not keep the topic alive. */
function isWebhookPending(c: TeardownContext, s: Subscription): boolean {
  if (s.Protocol !== 'https' || isConfirmed(s)) return false;
  return c.options.webhookUrl === undefined || (!!s.Endpoint && sameEndpoint(s.Endpoint, c.options.webhookUrl));
}
