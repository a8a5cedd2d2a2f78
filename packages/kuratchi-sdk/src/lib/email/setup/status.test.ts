import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
} from '@aws-sdk/client-sns';
import { GetConfigurationSetCommand, GetConfigurationSetEventDestinationsCommand } from '@aws-sdk/client-sesv2';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  completeAccount,
  DLQ_ARN,
  DLQ_URL,
  dlqAttributes,
  mockedAws,
  mutatingCalls,
  queueDoesNotExist,
  REDRIVE_POLICY,
  REGION,
  sesNotFound,
  snsNotFound,
  SUBSCRIPTION_ARN,
  TOPIC_ARN,
  WEBHOOK_URL,
} from './fixtures/mocked-aws.js';
import { getSESEventTrackingStatus } from './status.js';

describe('getSESEventTrackingStatus', () => {
  it('is ready when everything is in place and the subscription is confirmed', async () => {
    const aws = completeAccount(mockedAws());
    const status = await getSESEventTrackingStatus({ region: REGION, webhookUrl: WEBHOOK_URL, clients: aws.clients });
    expect(status).toEqual({
      ready: true,
      region: REGION,
      accountId: ACCOUNT,
      topicArn: TOPIC_ARN,
      topicManaged: true,
      configurationSetName: 'kuratchi-email-tracking',
      eventDestinationName: 'kuratchi-sns',
      topic: { exists: true, signatureVersion: '2', sesCanPublish: true },
      configurationSet: { exists: true },
      eventDestination: {
        exists: true,
        enabled: true,
        eventTypes: expect.arrayContaining(['SEND', 'SUBSCRIPTION']),
        topicArn: TOPIC_ARN,
      },
      deadLetterQueue: {
        name: 'kuratchi-ses-events-dlq',
        exists: true,
        arn: DLQ_ARN,
        url: DLQ_URL,
        messages: 0,
        messagesInFlight: 0,
        retentionSeconds: 1_209_600,
        snsCanSend: true,
      },
      firehoseDestination: { exists: false },
      subscriptions: [
        {
          endpoint: WEBHOOK_URL,
          confirmed: true,
          subscriptionArn: SUBSCRIPTION_ARN,
          rawMessageDelivery: false,
          deadLetterTargetArn: DLQ_ARN,
        },
      ],
      problems: [],
    });
    expect(aws.sqs.commandCalls(GetQueueAttributesCommand)[0]!.args[0].input).toMatchObject({
      QueueUrl: DLQ_URL,
      AttributeNames: expect.arrayContaining(['ApproximateNumberOfMessages', 'Policy', 'MessageRetentionPeriod']),
    });
    expect(mutatingCalls(aws)).toEqual([]);
  });

  it('a pending subscription is not ready, and says to allow the topic in the webhook', async () => {
    const aws = completeAccount(mockedAws());
    aws.sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ Protocol: 'https', Endpoint: WEBHOOK_URL, SubscriptionArn: 'PendingConfirmation' }],
    });
    const status = await getSESEventTrackingStatus({ region: REGION, clients: aws.clients });
    expect(status.ready).toBe(false);
    expect(status.subscriptions).toEqual([{ endpoint: WEBHOOK_URL, confirmed: false }]);
    expect(status.problems).toEqual([
      expect.stringContaining(`add ${TOPIC_ARN} to the webhook's KURATCHI_ALLOWED_TOPIC_ARNS`),
    ]);
    expect(aws.sns.commandCalls(GetSubscriptionAttributesCommand)).toHaveLength(0);
  });

  it('a disabled destination, a policy without SES and raw delivery are each a problem saying what to do', async () => {
    const aws = completeAccount(mockedAws());
    aws.sns.on(GetTopicAttributesCommand).resolves({ Attributes: { Policy: JSON.stringify({ Statement: [] }) } });
    aws.sns.on(GetSubscriptionAttributesCommand).resolves({
      Attributes: { PendingConfirmation: 'false', RawMessageDelivery: 'true', RedrivePolicy: REDRIVE_POLICY },
    });
    aws.sesv2.on(GetConfigurationSetEventDestinationsCommand).resolves({
      EventDestinations: [
        {
          Name: 'kuratchi-sns',
          Enabled: false,
          MatchingEventTypes: ['BOUNCE'],
          SnsDestination: { TopicArn: TOPIC_ARN },
        },
      ],
    });
    const status = await getSESEventTrackingStatus({ region: REGION, clients: aws.clients });
    expect(status.ready).toBe(false);
    expect(status.topic).toEqual({ exists: true, signatureVersion: '1', sesCanPublish: false });
    expect(status.problems).toHaveLength(3);
    expect(status.problems.join('\n')).toMatch(/topic policy does not let SES publish/);
    expect(status.problems.join('\n')).toMatch(/event destination kuratchi-sns is disabled/);
    expect(status.problems.join('\n')).toMatch(/raw message delivery is on/);
    for (const problem of status.problems) expect(problem).toContain('kuratchi-ses setup');
  });

  it('nothing set up: every resource reported missing', async () => {
    const aws = mockedAws();
    aws.sns.on(GetTopicAttributesCommand).rejects(snsNotFound());
    aws.sesv2.on(GetConfigurationSetCommand).rejects(sesNotFound('Configuration set'));
    aws.sqs.on(GetQueueUrlCommand).rejects(queueDoesNotExist());
    const status = await getSESEventTrackingStatus({ region: REGION, clients: aws.clients, accountId: ACCOUNT });
    expect(status).toMatchObject({
      ready: false,
      topic: { exists: false },
      configurationSet: { exists: false },
      eventDestination: { exists: false },
      deadLetterQueue: { name: 'kuratchi-ses-events-dlq', exists: false },
      firehoseDestination: { exists: false },
      subscriptions: [],
    });
    expect(status.problems).toEqual([
      expect.stringMatching(/^the SNS topic .* does not exist/),
      expect.stringMatching(/^the configuration set kuratchi-email-tracking does not exist/),
      expect.stringMatching(/^the dead-letter queue kuratchi-ses-events-dlq does not exist: what SNS cannot deliver/),
    ]);
    expect(aws.sts.calls()).toHaveLength(0);
  });

  it('reports the depth of the dead-letter queue; a queue SNS may not send to and a subscription without its RedrivePolicy are problems', async () => {
    const aws = completeAccount(mockedAws());
    aws.sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { ...dlqAttributes(7), Policy: JSON.stringify({ Statement: [] }) } });
    aws.sns
      .on(GetSubscriptionAttributesCommand)
      .resolves({ Attributes: { PendingConfirmation: 'false', RawMessageDelivery: 'false' } });
    const status = await getSESEventTrackingStatus({ region: REGION, clients: aws.clients });
    expect(status.deadLetterQueue).toMatchObject({ exists: true, messages: 7, snsCanSend: false });
    expect(status.subscriptions[0]!.deadLetterTargetArn).toBeUndefined();
    expect(status.ready).toBe(false);
    expect(status.problems).toEqual([
      expect.stringContaining("the dead-letter queue's policy does not let SNS send for"),
      expect.stringContaining(`does not send undelivered events to ${DLQ_ARN} (RedrivePolicy none)`),
    ]);
    expect(mutatingCalls(aws)).toEqual([]);
  });

  it('messages waiting in the dead-letter queue are reported, and events still flow', async () => {
    const aws = completeAccount(mockedAws());
    aws.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: dlqAttributes(3) });
    const status = await getSESEventTrackingStatus({ region: REGION, clients: aws.clients });
    expect(status).toMatchObject({ ready: true, deadLetterQueue: { messages: 3 } });
  });
});

describe("getSESEventTrackingStatus: a topic of yours and the seed's destination name", () => {
  const mine = {
    Sid: 'AllowSes',
    Effect: 'Allow',
    Principal: { Service: 'ses.amazonaws.com' },
    Action: 'sns:Publish',
    Resource: TOPIC_ARN,
    Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT } },
  };
  const withPolicy = (statements: object[]) => {
    const aws = completeAccount(mockedAws());
    aws.sns.on(GetTopicAttributesCommand).resolves({
      Attributes: { TopicArn: TOPIC_ARN, Policy: JSON.stringify({ Statement: statements }) },
    });
    aws.sesv2.on(GetConfigurationSetEventDestinationsCommand).resolves({
      EventDestinations: [
        { Name: 'sns-events', Enabled: true, MatchingEventTypes: ['SEND'], SnsDestination: { TopicArn: TOPIC_ARN } },
      ],
    });
    return aws;
  };

  it('checks the policy whatever its form, and finds the destination named sns-events', async () => {
    const aws = withPolicy([mine]);
    const status = await getSESEventTrackingStatus({ region: REGION, snsTopicArn: TOPIC_ARN, clients: aws.clients });
    expect(status).toMatchObject({
      ready: true,
      topicManaged: false,
      topicArn: TOPIC_ARN,
      eventDestinationName: 'sns-events',
      topic: { exists: true, sesCanPublish: true, signatureVersion: '1' },
      eventDestination: { exists: true, enabled: true, topicArn: TOPIC_ARN },
    });
    expect(mutatingCalls(aws)).toEqual([]);
  });

  it('a policy that does not let SES publish is a problem saying what to add', async () => {
    const aws = withPolicy([{ ...mine, Principal: { Service: 'events.amazonaws.com' } }]);
    const status = await getSESEventTrackingStatus({ region: REGION, snsTopicArn: TOPIC_ARN, clients: aws.clients });
    expect(status.ready).toBe(false);
    expect(status.topic.sesCanPublish).toBe(false);
    expect(status.problems).toEqual([
      expect.stringContaining('add the statement `kuratchi-ses setup --topic-arn` prints to your topic'),
    ]);
  });
});
