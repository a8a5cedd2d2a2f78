import {
  DeleteConfigurationSetCommand,
  DeleteConfigurationSetEventDestinationCommand,
  GetConfigurationSetEventDestinationsCommand,
} from '@aws-sdk/client-sesv2';
import {
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  SetTopicAttributesCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  completeAccount,
  DLQ_URL,
  dlqAttributes,
  mockedAws,
  mutatingCalls,
  queueDoesNotExist,
  REGION,
  sesNotFound,
  snsNotFound,
  SUBSCRIPTION_ARN,
  TOPIC_ARN,
  WEBHOOK_URL,
  type MockedAws,
} from './fixtures/mocked-aws.js';
import { teardownSESEventTracking } from './teardown.js';

function deletable(aws: MockedAws): MockedAws {
  aws.sesv2.on(DeleteConfigurationSetEventDestinationCommand).resolves({});
  aws.sesv2.on(DeleteConfigurationSetCommand).resolves({});
  aws.sns.on(UnsubscribeCommand).resolves({});
  aws.sns.on(DeleteTopicCommand).resolves({});
  aws.sns.on(SetTopicAttributesCommand).resolves({});
  aws.sqs.on(DeleteQueueCommand).resolves({});
  // The destination is listed (to find its name), then gone, as the subscription: the listings are empty.
  aws.sesv2
    .on(GetConfigurationSetEventDestinationsCommand)
    .resolvesOnce({
      EventDestinations: [
        { Name: 'kuratchi-sns', MatchingEventTypes: ['SEND'], SnsDestination: { TopicArn: TOPIC_ARN } },
      ],
    })
    .resolves({ EventDestinations: [] });
  aws.sns
    .on(ListSubscriptionsByTopicCommand)
    .resolvesOnce({
      Subscriptions: [
        { TopicArn: TOPIC_ARN, Protocol: 'https', Endpoint: WEBHOOK_URL, SubscriptionArn: SUBSCRIPTION_ARN },
      ],
    })
    .resolves({ Subscriptions: [] });
  return aws;
}

const statuses = (report: { steps: Array<{ step: string; status: string }> }) =>
  Object.fromEntries(report.steps.map((s) => [s.step, s.status]));

describe('teardownSESEventTracking', () => {
  it('removes what setup created, newest first', async () => {
    const aws = deletable(completeAccount(mockedAws()));
    const report = await teardownSESEventTracking({ region: REGION, webhookUrl: WEBHOOK_URL, clients: aws.clients });
    expect(report.ok).toBe(true);
    expect(statuses(report)).toEqual({
      account: 'unchanged',
      'event-destination': 'deleted',
      'firehose-event-destination': 'absent',
      'configuration-set': 'deleted',
      subscription: 'deleted',
      topic: 'deleted',
      'dead-letter-queue': 'deleted',
    });
    expect(report.steps.map((s) => s.step)).toEqual([
      'account',
      'event-destination',
      'firehose-event-destination',
      'configuration-set',
      'subscription',
      'topic',
      'dead-letter-queue',
    ]);
    expect(mutatingCalls(aws).sort()).toEqual([
      'DeleteConfigurationSetCommand',
      'DeleteConfigurationSetEventDestinationCommand',
      'DeleteQueueCommand',
      'DeleteTopicCommand',
      'UnsubscribeCommand',
    ]);
    expect(aws.sqs.commandCalls(DeleteQueueCommand)[0]!.args[0].input).toEqual({ QueueUrl: DLQ_URL });
    expect(aws.sns.commandCalls(UnsubscribeCommand)[0]!.args[0].input).toEqual({ SubscriptionArn: SUBSCRIPTION_ARN });
    expect(aws.sns.commandCalls(DeleteTopicCommand)[0]!.args[0].input).toEqual({ TopicArn: TOPIC_ARN });
  });

  it('run on an account with nothing left, every step is absent', async () => {
    const aws = mockedAws();
    aws.sesv2.on(DeleteConfigurationSetEventDestinationCommand).rejects(sesNotFound('Configuration set'));
    aws.sesv2.on(GetConfigurationSetEventDestinationsCommand).rejects(sesNotFound('Configuration set'));
    aws.sns.on(GetTopicAttributesCommand).rejects(snsNotFound());
    aws.sqs.on(GetQueueUrlCommand).rejects(queueDoesNotExist());
    const report = await teardownSESEventTracking({ region: REGION, clients: aws.clients });
    expect(report.ok).toBe(true);
    expect(statuses(report)).toEqual({
      account: 'unchanged',
      'event-destination': 'absent',
      'firehose-event-destination': 'absent',
      'configuration-set': 'absent',
      subscription: 'absent',
      topic: 'absent',
      'dead-letter-queue': 'absent',
    });
    // Looked up first: nothing to delete, no mutating call at all.
    expect(mutatingCalls(aws)).toEqual([]);
  });

  it('keeps the configuration set when asked, and the topic when other subscriptions remain (removing SES permission)', async () => {
    const aws = deletable(completeAccount(mockedAws()));
    aws.sns
      .on(ListSubscriptionsByTopicCommand)
      .resolvesOnce({
        Subscriptions: [
          { TopicArn: TOPIC_ARN, Protocol: 'https', Endpoint: WEBHOOK_URL, SubscriptionArn: SUBSCRIPTION_ARN },
        ],
      })
      .resolves({
        Subscriptions: [
          {
            TopicArn: TOPIC_ARN,
            Protocol: 'email',
            Endpoint: 'ops@acme.example',
            SubscriptionArn: `${TOPIC_ARN}:other`,
          },
        ],
      });
    const report = await teardownSESEventTracking({
      region: REGION,
      webhookUrl: WEBHOOK_URL,
      keepConfigurationSet: true,
      clients: aws.clients,
    });
    expect(statuses(report)).toMatchObject({ 'configuration-set': 'kept', topic: 'kept' });
    expect(report.steps.find((s) => s.step === 'topic')!.detail).toContain('email:ops@acme.example');
    expect(aws.sesv2.commandCalls(DeleteConfigurationSetCommand)).toHaveLength(0);
    expect(aws.sns.commandCalls(DeleteTopicCommand)).toHaveLength(0);
    const policy = JSON.parse(aws.sns.commandCalls(SetTopicAttributesCommand)[0]!.args[0].input.AttributeValue!);
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['__default_statement_ID']);
  });

  it('force deletes the topic even with other subscriptions', async () => {
    const aws = deletable(completeAccount(mockedAws()));
    aws.sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [
        { Protocol: 'sqs', Endpoint: 'arn:aws:sqs:eu-west-1:123456789012:q', SubscriptionArn: `${TOPIC_ARN}:q` },
      ],
    });
    const report = await teardownSESEventTracking({ region: REGION, force: true, clients: aws.clients });
    expect(statuses(report)).toMatchObject({ subscription: 'absent', topic: 'deleted' });
  });

  it('a pending webhook subscription does not keep the topic alive', async () => {
    const aws = deletable(completeAccount(mockedAws()));
    aws.sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ Protocol: 'https', Endpoint: WEBHOOK_URL, SubscriptionArn: 'PendingConfirmation' }],
    });
    const report = await teardownSESEventTracking({ region: REGION, webhookUrl: WEBHOOK_URL, clients: aws.clients });
    expect(statuses(report)).toMatchObject({ subscription: 'kept', topic: 'deleted' });
    expect(report.steps.find((s) => s.step === 'subscription')!.detail).toContain('cannot be unsubscribed');
    expect(aws.sns.commandCalls(UnsubscribeCommand)).toHaveLength(0);
  });

  it('a failure stops the teardown and reports the rest as skipped; the dry run calls nothing', async () => {
    const aws = deletable(completeAccount(mockedAws()));
    aws.sesv2
      .on(DeleteConfigurationSetCommand)
      .rejects(Object.assign(new Error('Too many requests'), { name: 'TooManyRequestsException' }));
    const report = await teardownSESEventTracking({ region: REGION, clients: aws.clients });
    expect(report).toMatchObject({
      ok: false,
      error: 'step configuration-set failed: TooManyRequestsException: Too many requests',
    });
    expect(statuses(report)).toMatchObject({
      'event-destination': 'deleted',
      'configuration-set': 'failed',
      subscription: 'skipped',
      topic: 'skipped',
    });

    const dry = mockedAws();
    const plan = await teardownSESEventTracking({ region: REGION, dryRun: true, clients: dry.clients });
    expect(plan.steps.every((s) => s.status === 'planned')).toBe(true);
    expect(plan.steps.at(-1)).toMatchObject({ step: 'dead-letter-queue', status: 'planned' });
    expect(dry.sts.calls().length + dry.sns.calls().length + dry.sesv2.calls().length + dry.sqs.calls().length).toBe(0);
  });

  it('keeps a dead-letter queue that still holds events (redrive them first), unless forced', async () => {
    const aws = deletable(completeAccount(mockedAws()));
    aws.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: dlqAttributes(4) });
    const report = await teardownSESEventTracking({ region: REGION, clients: aws.clients });
    expect(report.ok).toBe(true);
    const queue = report.steps.find((s) => s.step === 'dead-letter-queue')!;
    expect(queue).toMatchObject({ status: 'kept' });
    expect(queue.detail).toContain('holds ~4 undelivered event(s); run `kuratchi-ses redrive` first');
    expect(aws.sqs.commandCalls(DeleteQueueCommand)).toHaveLength(0);

    const forced = deletable(completeAccount(mockedAws()));
    forced.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: dlqAttributes(4) });
    const gone = await teardownSESEventTracking({ region: REGION, force: true, clients: forced.clients });
    expect(gone.steps.find((s) => s.step === 'dead-letter-queue')).toMatchObject({ status: 'deleted' });
    expect(forced.sqs.commandCalls(DeleteQueueCommand)).toHaveLength(1);
  });
});

describe("teardownSESEventTracking: a topic that is not setup's is never deleted", () => {
  const other = {
    TopicArn: TOPIC_ARN,
    Protocol: 'https',
    Endpoint: 'https://other.example/hook',
    SubscriptionArn: `${TOPIC_ARN}:other`,
  };
  const webhook = { TopicArn: TOPIC_ARN, Protocol: 'https', Endpoint: WEBHOOK_URL, SubscriptionArn: SUBSCRIPTION_ARN };

  it('a topic of yours (snsTopicArn): kept even with force, its policy and other subscriptions untouched', async () => {
    const aws = deletable(completeAccount(mockedAws()));
    aws.sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [webhook, other] });
    aws.sesv2
      .on(GetConfigurationSetEventDestinationsCommand)
      .resolvesOnce({
        EventDestinations: [
          { Name: 'sns-events', MatchingEventTypes: ['SEND'], SnsDestination: { TopicArn: TOPIC_ARN } },
        ],
      })
      .resolves({ EventDestinations: [] });
    const report = await teardownSESEventTracking({
      region: REGION,
      snsTopicArn: TOPIC_ARN,
      force: true,
      clients: aws.clients,
    });
    expect(report.ok).toBe(true);
    expect(statuses(report)).toMatchObject({ 'event-destination': 'deleted', subscription: 'kept', topic: 'kept' });
    expect(report.steps.find((s) => s.step === 'topic')!.detail).toContain('is yours (snsTopicArn)');
    // The seed's destination name is found and removed.
    expect(aws.sesv2.commandCalls(DeleteConfigurationSetEventDestinationCommand)[0]!.args[0].input).toMatchObject({
      EventDestinationName: 'sns-events',
    });
    for (const command of [DeleteTopicCommand, SetTopicAttributesCommand, UnsubscribeCommand])
      expect(aws.sns.commandCalls(command as never), command.name).toHaveLength(0);
    // Ownership of a topic given by ARN needs no tag lookup.
    expect(aws.sns.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
  });

  it("a topic of yours with webhookUrl: only that webhook's subscription is removed", async () => {
    const aws = deletable(completeAccount(mockedAws()));
    aws.sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [webhook, other] });
    const report = await teardownSESEventTracking({
      region: REGION,
      snsTopicArn: TOPIC_ARN,
      webhookUrl: WEBHOOK_URL,
      clients: aws.clients,
    });
    expect(statuses(report)).toMatchObject({ subscription: 'deleted', topic: 'kept' });
    expect(aws.sns.commandCalls(UnsubscribeCommand).map((c) => c.args[0].input)).toEqual([
      { SubscriptionArn: SUBSCRIPTION_ARN },
    ]);
    expect(aws.sns.commandCalls(DeleteTopicCommand)).toHaveLength(0);
  });

  it('a topic found by name but never tagged by setup: kept (with force too), its subscriptions too', async () => {
    const aws = deletable(completeAccount(mockedAws()));
    aws.sns.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'team', Value: 'mail' }] });
    const report = await teardownSESEventTracking({ region: REGION, force: true, clients: aws.clients });
    expect(statuses(report)).toMatchObject({ subscription: 'kept', topic: 'kept' });
    expect(report.steps.find((s) => s.step === 'topic')!.detail).toContain('carries no tag kuratchi:managed-by');
    expect(aws.sns.commandCalls(DeleteTopicCommand)).toHaveLength(0);
    expect(aws.sns.commandCalls(UnsubscribeCommand)).toHaveLength(0);
    expect(aws.sns.commandCalls(ListTagsForResourceCommand)[0]!.args[0].input).toEqual({ ResourceArn: TOPIC_ARN });
  });
});
