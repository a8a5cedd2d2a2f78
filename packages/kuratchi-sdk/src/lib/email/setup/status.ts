import { parseOptions } from '../shared/invalid-options.js';
import { resolveClients } from './aws-clients.js';
import { redactUrl } from './aws-errors.js';
import { configurationSetArnOf, sqsQueueArnOf, topicArnOf } from '../shared/aws-names.js';
import { queueDepth, readQueue, redriveTargetOf, snsSendStatement } from './dead-letter-queue.js';
import { DEFAULT_FIREHOSE_EVENT_DESTINATION_NAME } from './defaults.js';
import { eventDestinationNameOf, listEventDestinations } from './event-destination-name.js';
import { resolvePlace } from './identity.js';
import { statusOptionsSchema, type SesEventTrackingStatusOptions } from './options.js';
import { deadLetterQueueNameOf } from './target-schema.js';
import { readConfigurationSet } from './ses-steps.js';
import { readTopicAttributes } from './sns-topic-steps.js';
import { isConfirmed, listHttpsSubscriptions, subscriptionAttributes } from './sns-subscriptions.js';
import { sesMayPublish } from './ses-publish-check.js';
import { hasStatement } from './topic-policy.js';
import { assertTopicAccount } from './topic-choice.js';
import { readTenantAssociations, type TenantAssociations } from './tenant-associations.js';

/** The state of SES event tracking in one account and region, as `getSESEventTrackingStatus` found it. */
export interface SesEventTrackingStatus {
  /**
   * True when events flow and nothing undelivered is lost: topic, policy, configuration set,
   * enabled destination, the dead-letter queue SNS may send to, and a confirmed subscription
   * redriving to it. Messages waiting in the queue do not make it false (see `deadLetterQueue`).
   */
  ready: boolean;
  region: string;
  accountId: string;
  topicArn: string;
  /** False for a topic of yours (`snsTopicArn`): setup neither made nor changes it. */
  topicManaged: boolean;
  configurationSetName: string;
  /** The SNS event destination's name: given, or the one found (`kuratchi-sns`, else `sns-events`). */
  eventDestinationName: string;
  topic: { exists: boolean; signatureVersion?: string; sesCanPublish?: boolean; deliveryPolicy?: string };
  configurationSet: { exists: boolean; customRedirectDomain?: string };
  eventDestination: { exists: boolean; enabled?: boolean; eventTypes?: string[]; topicArn?: string };
  /**
   * The Kinesis Data Firehose event destination (`kuratchi-firehose`), optional: setup makes it
   * only when asked; when it exists it must be enabled.
   */
  firehoseDestination: {
    exists: boolean;
    enabled?: boolean;
    eventTypes?: string[];
    deliveryStreamArn?: string;
    iamRoleArn?: string;
  };
  /**
   * The SQS dead-letter queue of the subscription, and how many undelivered events wait in it
   * (`messages`: SQS's ApproximateNumberOfMessages; `kuratchi-ses redrive` applies them).
   */
  deadLetterQueue: {
    name: string;
    exists: boolean;
    arn?: string;
    url?: string;
    messages?: number;
    messagesInFlight?: number;
    retentionSeconds?: number;
    snsCanSend?: boolean;
  };
  /** HTTPS subscriptions of the topic (only the webhook's when `webhookUrl` is given); URLs redacted. */
  subscriptions: Array<{
    endpoint: string;
    confirmed: boolean;
    subscriptionArn?: string;
    rawMessageDelivery?: boolean;
    /** The queue its RedrivePolicy names, if any. */
    deadLetterTargetArn?: string;
  }>;
  /** With `tenants`: which SES tenants of the account have the configuration set associated. */
  tenantAssociations?: TenantAssociations;
  /** What is missing or wrong, each with what to do. Empty when `ready`. */
  problems: string[];
}

/**
 * Reads, without changing anything, whether SES event tracking is in place: the topic (its
 * signature version and whether its policy lets SES publish), the configuration set, the event
 * destination (enabled, event types, topic), the optional Firehose event destination (its stream
 * and role), the webhook subscription (confirmed or `PendingConfirmation`), the dead-letter queue
 * (its depth, whether SNS may send to it), the subscription's RedrivePolicy, and with `tenants`
 * which SES tenants of the account lack the configuration set.
 * @throws {InvalidOptionsError} for invalid options; AWS errors (credentials, permissions) as thrown by the SDK.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_GetSubscriptionAttributes.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetConfigurationSetEventDestinations.html
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListResourceTenants.html
 */
export async function getSESEventTrackingStatus(input: SesEventTrackingStatusOptions): Promise<SesEventTrackingStatus> {
  const options = parseOptions('getSESEventTrackingStatus', statusOptionsSchema, input);
  const clients = resolveClients(input);
  const place = await resolvePlace(clients.sts, options.region, options.accountId);
  assertTopicAccount(options.snsTopicArn, place.accountId);
  const topicArn = options.snsTopicArn ?? topicArnOf(place, options.topicName);
  const yours = options.snsTopicArn !== undefined;
  const configurationSetArn = configurationSetArnOf(place, options.configurationSetName);
  const problems: string[] = [];
  const setup = 'run `kuratchi-ses setup` (or setupSESEventTracking)';

  const attributes = await readTopicAttributes({ clients, topicArn });
  const topic: SesEventTrackingStatus['topic'] = { exists: attributes !== null };
  if (attributes) {
    topic.signatureVersion = attributes.SignatureVersion ?? '1';
    topic.sesCanPublish = sesMayPublish(attributes.Policy, {
      topicArn,
      accountId: place.accountId,
      configurationSetArn,
    });
    if (attributes.DeliveryPolicy) topic.deliveryPolicy = attributes.DeliveryPolicy;
    if (!topic.sesCanPublish)
      problems.push(
        `the topic policy does not let SES publish for ${configurationSetArn}: ${yours ? 'add the statement `kuratchi-ses setup --topic-arn` prints to your topic' : setup}`,
      );
  } else {
    problems.push(`the SNS topic ${topicArn} does not exist: ${yours ? 'check snsTopicArn' : setup}`);
  }

  const set = await readConfigurationSet(clients.sesv2, options.configurationSetName);
  const configurationSet: SesEventTrackingStatus['configurationSet'] = { exists: set !== null };
  if (set?.TrackingOptions?.CustomRedirectDomain)
    configurationSet.customRedirectDomain = set.TrackingOptions.CustomRedirectDomain;
  const eventDestination: SesEventTrackingStatus['eventDestination'] = { exists: false };
  const firehoseDestination: SesEventTrackingStatus['firehoseDestination'] = { exists: false };
  const destinations = set ? await listEventDestinations(clients.sesv2, options.configurationSetName) : [];
  const eventDestinationName = eventDestinationNameOf(destinations, options.eventDestinationName);
  if (set) {
    const destination = destinations.find((d) => d.Name === eventDestinationName);
    const firehose = destinations.find((d) => d.Name === DEFAULT_FIREHOSE_EVENT_DESTINATION_NAME);
    if (firehose) {
      Object.assign(firehoseDestination, {
        exists: true,
        enabled: firehose.Enabled === true,
        eventTypes: firehose.MatchingEventTypes ?? [],
        ...(firehose.KinesisFirehoseDestination
          ? {
              deliveryStreamArn: firehose.KinesisFirehoseDestination.DeliveryStreamArn,
              iamRoleArn: firehose.KinesisFirehoseDestination.IamRoleArn,
            }
          : {}),
      });
      if (!firehoseDestination.enabled)
        problems.push(
          `the Firehose event destination ${DEFAULT_FIREHOSE_EVENT_DESTINATION_NAME} is disabled: ${setup}`,
        );
    }
    if (destination) {
      Object.assign(eventDestination, {
        exists: true,
        enabled: destination.Enabled === true,
        eventTypes: destination.MatchingEventTypes ?? [],
        ...(destination.SnsDestination?.TopicArn ? { topicArn: destination.SnsDestination.TopicArn } : {}),
      });
      if (!eventDestination.enabled)
        problems.push(`the event destination ${eventDestinationName} is disabled: ${setup}`);
      if (eventDestination.topicArn !== topicArn)
        problems.push(
          `the event destination publishes to ${eventDestination.topicArn ?? 'no SNS topic'}, not ${topicArn}: ${setup}`,
        );
    } else {
      problems.push(`the configuration set has no event destination ${eventDestinationName}: ${setup}`);
    }
  } else {
    problems.push(`the configuration set ${options.configurationSetName} does not exist: ${setup}`);
  }

  let tenantAssociations: TenantAssociations | undefined;
  if (options.tenants && set) {
    tenantAssociations = await readTenantAssociations(clients.sesv2, configurationSetArn);
    if (tenantAssociations.missing.length)
      problems.push(
        `the configuration set is not associated with the SES tenant(s) ${tenantAssociations.missing.join(', ')}: SES refuses their sends through it; run \`kuratchi-ses setup --tenants\``,
      );
  }

  const queueName = deadLetterQueueNameOf(options);
  const queue = await readQueue(clients.sqs, queueName);
  const deadLetterQueue: SesEventTrackingStatus['deadLetterQueue'] = { name: queueName, exists: queue !== null };
  const queueArn = queue?.attributes.QueueArn ?? sqsQueueArnOf(place, queueName);
  if (queue) {
    const depth = queueDepth(queue);
    Object.assign(deadLetterQueue, {
      arn: queueArn,
      url: queue.url,
      messages: depth.waiting,
      messagesInFlight: depth.inFlight,
      retentionSeconds: Number(queue.attributes.MessageRetentionPeriod),
      snsCanSend: hasStatement(queue.attributes.Policy, snsSendStatement(queueArn, topicArn)),
    });
    if (!deadLetterQueue.snsCanSend)
      problems.push(`the dead-letter queue's policy does not let SNS send for ${topicArn}: ${setup}`);
  } else {
    problems.push(
      `the dead-letter queue ${queueName} does not exist: what SNS cannot deliver is dropped after its retries; ${setup}`,
    );
  }

  const subscriptions: SesEventTrackingStatus['subscriptions'] = [];
  if (attributes) {
    for (const s of await listHttpsSubscriptions(clients.sns, topicArn, options.webhookUrl)) {
      const entry: SesEventTrackingStatus['subscriptions'][number] = {
        endpoint: redactUrl(s.Endpoint ?? ''),
        confirmed: false,
      };
      if (isConfirmed(s)) {
        const details = await subscriptionAttributes(clients.sns, s.SubscriptionArn!);
        entry.subscriptionArn = s.SubscriptionArn!;
        entry.confirmed = details.PendingConfirmation !== 'true';
        entry.rawMessageDelivery = details.RawMessageDelivery === 'true';
        const target = redriveTargetOf(details.RedrivePolicy);
        if (target) entry.deadLetterTargetArn = target;
        if (entry.confirmed && target !== queueArn)
          problems.push(
            `the subscription of ${entry.endpoint} does not send undelivered events to ${queueArn} (RedrivePolicy ${target ?? 'none'}): ${setup}`,
          );
        if (entry.rawMessageDelivery)
          problems.push(
            `raw message delivery is on for ${entry.endpoint}: the webhook refuses unsigned messages; ${setup}`,
          );
      }
      subscriptions.push(entry);
    }
    const wanted = options.webhookUrl ? redactUrl(options.webhookUrl) : 'an HTTPS webhook';
    if (!subscriptions.length) problems.push(`${wanted} is not subscribed to the topic: ${setup}`);
    else if (!subscriptions.some((s) => s.confirmed)) {
      problems.push(
        `the subscription of ${wanted} is pending confirmation: add ${topicArn} to the webhook's KURATCHI_ALLOWED_TOPIC_ARNS so it confirms, then ${setup} again if it expired`,
      );
    }
  }

  return {
    ready: problems.length === 0,
    region: options.region,
    accountId: place.accountId,
    topicArn,
    topicManaged: !yours,
    configurationSetName: options.configurationSetName,
    eventDestinationName,
    topic,
    configurationSet,
    eventDestination,
    firehoseDestination,
    deadLetterQueue,
    subscriptions,
    ...(tenantAssociations ? { tenantAssociations } : {}),
    problems,
  };
}
