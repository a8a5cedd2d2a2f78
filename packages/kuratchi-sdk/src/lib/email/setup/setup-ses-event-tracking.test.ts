import {
  CreateConfigurationSetCommand,
  CreateConfigurationSetEventDestinationCommand,
  GetConfigurationSetEventDestinationsCommand,
  PutConfigurationSetTrackingOptionsCommand,
  UpdateConfigurationSetEventDestinationCommand,
} from '@aws-sdk/client-sesv2';
import {
  AuthorizationErrorException,
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  ListTagsForResourceCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  TagResourceCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { SES_EVENT_DESTINATION_TYPES } from './defaults.js';
import {
  ACCOUNT,
  completeAccount,
  CONFIGURATION_SET_ARN,
  DEFAULT_STATEMENT,
  DLQ_ARN,
  DLQ_URL,
  dlqAttributes,
  emptyAccount,
  mockedAws,
  mutatingCalls,
  queueDoesNotExist,
  REDRIVE_POLICY,
  REGION,
  sesAlreadyExists,
  SUBSCRIPTION_ARN,
  TOPIC_ARN,
  WEBHOOK_URL,
  type MockedAws,
} from './fixtures/mocked-aws.js';
import { setupSESEventTracking } from './setup-ses-event-tracking.js';
import { InvalidOptionsError } from '../shared/invalid-options.js';
import type { SetupSesEventTrackingOptions } from './options.js';

const setup = (aws: MockedAws, options: Partial<SetupSesEventTrackingOptions> = {}) =>
  setupSESEventTracking({ region: REGION, webhookUrl: WEBHOOK_URL, clients: aws.clients, ...options });

const statuses = (report: { steps: Array<{ step: string; status: string }> }) =>
  Object.fromEntries(report.steps.map((s) => [s.step, s.status]));

const step = (report: { steps: Array<{ step: string; status: string; detail: string }> }, name: string) =>
  report.steps.find((s) => s.step === name)!;

describe('setupSESEventTracking: first run on a new account', () => {
  it('creates every resource in order and reports the topic and subscription ARNs', async () => {
    const aws = emptyAccount(mockedAws());
    const report = await setup(aws);

    expect(report).toMatchObject({
      ok: true,
      dryRun: false,
      region: REGION,
      accountId: ACCOUNT,
      topicArn: TOPIC_ARN,
      subscriptionArn: SUBSCRIPTION_ARN,
      subscriptionPending: true,
      configurationSetName: 'kuratchi-email-tracking',
      eventDestinationName: 'kuratchi-sns',
      deadLetterQueueArn: DLQ_ARN,
      deadLetterQueueUrl: DLQ_URL,
    });
    expect(report.error).toBeUndefined();
    expect(statuses(report)).toEqual({
      account: 'unchanged',
      topic: 'created',
      'topic-signature-version': 'updated',
      'topic-policy': 'updated',
      'configuration-set': 'created',
      'event-destination': 'created',
      'dead-letter-queue': 'created',
      subscription: 'created',
      'subscription-dead-letter': 'created',
    });
    expect(report.steps.map((s) => s.step)).toEqual([
      'account',
      'topic',
      'topic-signature-version',
      'topic-policy',
      'configuration-set',
      'event-destination',
      'dead-letter-queue',
      'subscription',
      'subscription-dead-letter',
    ]);

    // Tagged as setup's at creation: teardown deletes only a topic that carries the tag.
    expect(aws.sns.commandCalls(CreateTopicCommand)[0]!.args[0].input).toEqual({
      Name: 'kuratchi-ses-events',
      Tags: [{ Key: 'kuratchi:managed-by', Value: 'kuratchi-ses setup' }],
    });
    const [signature, policy] = aws.sns.commandCalls(SetTopicAttributesCommand).map((call) => call.args[0].input);
    expect(signature).toEqual({ TopicArn: TOPIC_ARN, AttributeName: 'SignatureVersion', AttributeValue: '2' });
    expect(policy).toMatchObject({ TopicArn: TOPIC_ARN, AttributeName: 'Policy' });
    const document = JSON.parse(policy!.AttributeValue!);
    expect(document.Statement).toEqual([
      DEFAULT_STATEMENT,
      {
        Sid: 'KuratchiSesPublish',
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: 'SNS:Publish',
        Resource: TOPIC_ARN,
        Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT, 'AWS:SourceArn': CONFIGURATION_SET_ARN } },
      },
    ]);

    expect(aws.sesv2.commandCalls(CreateConfigurationSetCommand)[0]!.args[0].input).toEqual({
      ConfigurationSetName: 'kuratchi-email-tracking',
    });
    expect(aws.sesv2.commandCalls(CreateConfigurationSetEventDestinationCommand)[0]!.args[0].input).toEqual({
      ConfigurationSetName: 'kuratchi-email-tracking',
      EventDestinationName: 'kuratchi-sns',
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: [...SES_EVENT_DESTINATION_TYPES],
        SnsDestination: { TopicArn: TOPIC_ARN },
      },
    });
    // The dead-letter queue: standard (no FifoQueue), 14 days, SNS may send for this topic only.
    expect(aws.sqs.commandCalls(GetQueueUrlCommand)[0]!.args[0].input).toEqual({
      QueueName: 'kuratchi-ses-events-dlq',
    });
    const createQueue = aws.sqs.commandCalls(CreateQueueCommand)[0]!.args[0].input;
    expect(createQueue).toEqual({
      QueueName: 'kuratchi-ses-events-dlq',
      Attributes: { MessageRetentionPeriod: '1209600', Policy: expect.any(String) },
    });
    expect(JSON.parse(createQueue.Attributes!.Policy!)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'KuratchiSnsDeadLetter',
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: DLQ_ARN,
          Condition: { ArnEquals: { 'aws:SourceArn': TOPIC_ARN } },
        },
      ],
    });
    // The RedrivePolicy goes with Subscribe: a pending subscription cannot take attributes.
    expect(aws.sns.commandCalls(SubscribeCommand)[0]!.args[0].input).toEqual({
      TopicArn: TOPIC_ARN,
      Protocol: 'https',
      Endpoint: WEBHOOK_URL,
      ReturnSubscriptionArn: true,
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN }) },
    });
    expect(aws.sns.commandCalls(SetSubscriptionAttributesCommand)).toHaveLength(0);
  });

  it('applies the chosen names, event types, signature version, delivery policy and tracking domain', async () => {
    const aws = emptyAccount(mockedAws());
    const report = await setup(aws, {
      configurationSetName: 'acme-mail',
      topicName: 'acme-ses-events',
      eventDestinationName: 'acme-sns',
      eventTypes: ['BOUNCE', 'COMPLAINT', 'BOUNCE'],
      signatureVersion: '1',
      deliveryPolicy: {
        healthyRetryPolicy: { numRetries: 5, backoffFunction: 'exponential' },
        requestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
      },
      trackingOptions: { customRedirectDomain: 'click.acme.example', httpsPolicy: 'REQUIRE' },
    });
    expect(report.ok).toBe(true);
    expect(statuses(report)).toMatchObject({
      'topic-signature-version': 'unchanged',
      'topic-delivery-policy': 'updated',
      'tracking-options': 'created',
    });
    const attributes = aws.sns.commandCalls(SetTopicAttributesCommand).map((c) => c.args[0].input);
    expect(attributes.map((a) => a.AttributeName)).toEqual(['Policy', 'DeliveryPolicy']);
    expect(JSON.parse(attributes[1]!.AttributeValue!)).toEqual({
      http: {
        defaultHealthyRetryPolicy: { numRetries: 5, backoffFunction: 'exponential' },
        defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
        disableSubscriptionOverrides: false,
      },
    });
    expect(JSON.parse(attributes[0]!.AttributeValue!).Statement[1].Condition.StringEquals['AWS:SourceArn']).toBe(
      `arn:aws:ses:${REGION}:${ACCOUNT}:configuration-set/acme-mail`,
    );
    expect(aws.sesv2.commandCalls(CreateConfigurationSetCommand)[0]!.args[0].input).toEqual({
      ConfigurationSetName: 'acme-mail',
      TrackingOptions: { CustomRedirectDomain: 'click.acme.example', HttpsPolicy: 'REQUIRE' },
    });
    expect(aws.sesv2.commandCalls(PutConfigurationSetTrackingOptionsCommand)).toHaveLength(0);
    const queue = aws.sqs.commandCalls(CreateQueueCommand)[0]!.args[0].input;
    expect(queue.QueueName).toBe('acme-ses-events-dlq');
    expect(JSON.parse(queue.Attributes!.Policy!).Statement[0].Condition).toEqual({
      ArnEquals: { 'aws:SourceArn': `arn:aws:sns:${REGION}:${ACCOUNT}:acme-ses-events` },
    });
    expect(aws.sesv2.commandCalls(CreateConfigurationSetEventDestinationCommand)[0]!.args[0].input).toMatchObject({
      ConfigurationSetName: 'acme-mail',
      EventDestinationName: 'acme-sns',
      EventDestination: {
        MatchingEventTypes: ['BOUNCE', 'COMPLAINT'],
        SnsDestination: { TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:acme-ses-events` },
      },
    });
  });
});

describe('setupSESEventTracking: a second run changes nothing', () => {
  it('reports every step unchanged and calls no mutating API', async () => {
    const aws = completeAccount(mockedAws());
    const report = await setup(aws);
    expect(report.ok).toBe(true);
    expect(new Set(report.steps.map((s) => s.status))).toEqual(new Set(['unchanged']));
    expect(report).toMatchObject({ subscriptionArn: SUBSCRIPTION_ARN, subscriptionPending: false });
    expect(mutatingCalls(aws)).toEqual([]);
  });

  it('a pending subscription is left alone and reported pending', async () => {
    const aws = completeAccount(mockedAws());
    aws.sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [
        { TopicArn: TOPIC_ARN, Protocol: 'https', Endpoint: WEBHOOK_URL, SubscriptionArn: 'PendingConfirmation' },
      ],
    });
    const report = await setup(aws);
    expect(report).toMatchObject({ ok: true, subscriptionPending: true });
    expect(step(report, 'subscription')).toMatchObject({ step: 'subscription', status: 'unchanged' });
    expect(step(report, 'subscription')!.detail).toContain('KURATCHI_ALLOWED_TOPIC_ARNS');
    expect(step(report, 'subscription-dead-letter')).toMatchObject({ status: 'unchanged' });
    expect(step(report, 'subscription-dead-letter').detail).toMatch(/pending confirmation: .*run setup again/);
    expect(aws.sns.commandCalls(SubscribeCommand)).toHaveLength(0);
    expect(mutatingCalls(aws)).toEqual([]);
  });

  it('finds the subscription of a webhook with a Basic credential whatever password the listing shows', async () => {
    const aws = completeAccount(mockedAws());
    aws.sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [
        {
          TopicArn: TOPIC_ARN,
          Protocol: 'https',
          Endpoint: 'https://sns:****@dash.example.com/api/webhooks/ses-events',
          SubscriptionArn: SUBSCRIPTION_ARN,
        },
      ],
    });
    const report = await setup(aws, { webhookUrl: 'https://sns:s3cret@dash.example.com/api/webhooks/ses-events' });
    expect(step(report, 'subscription')).toMatchObject({ step: 'subscription', status: 'unchanged' });
    expect(report.webhookUrl).toBe('https://sns:****@dash.example.com/api/webhooks/ses-events');
    expect(JSON.stringify(report)).not.toContain('s3cret');
    expect(mutatingCalls(aws)).toEqual([]);
  });
});

describe('setupSESEventTracking: updates what differs', () => {
  it('a topic of its name that setup never tagged is adopted: tagged, so teardown may delete it', async () => {
    const aws = completeAccount(mockedAws());
    aws.sns.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    aws.sns.on(TagResourceCommand).resolves({});
    const report = await setup(aws);
    expect(step(report, 'topic')).toMatchObject({ status: 'updated' });
    expect(step(report, 'topic').detail).toContain('tagged kuratchi:managed-by');
    expect(aws.sns.commandCalls(TagResourceCommand)[0]!.args[0].input).toEqual({
      ResourceArn: TOPIC_ARN,
      Tags: [{ Key: 'kuratchi:managed-by', Value: 'kuratchi-ses setup' }],
    });
    expect(mutatingCalls(aws)).toEqual(['TagResourceCommand']);
  });

  it('an event destination that is disabled, with other types, is updated', async () => {
    const aws = completeAccount(mockedAws());
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
    aws.sesv2.on(UpdateConfigurationSetEventDestinationCommand).resolves({});
    const report = await setup(aws);
    const step = report.steps.find((s) => s.step === 'event-destination')!;
    expect(step.status).toBe('updated');
    expect(step.detail).toContain('it was disabled');
    expect(step.detail).toContain('its event types were BOUNCE');
    expect(aws.sesv2.commandCalls(UpdateConfigurationSetEventDestinationCommand)[0]!.args[0].input).toEqual({
      ConfigurationSetName: 'kuratchi-email-tracking',
      EventDestinationName: 'kuratchi-sns',
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: [...SES_EVENT_DESTINATION_TYPES],
        SnsDestination: { TopicArn: TOPIC_ARN },
      },
    });
    expect(mutatingCalls(aws)).toEqual(['UpdateConfigurationSetEventDestinationCommand']);
  });

  it('signature version 1 and a policy without SES are updated, keeping the other policy statements', async () => {
    const aws = completeAccount(mockedAws());
    aws.sns
      .on(GetTopicAttributesCommand)
      .resolves({ Attributes: { Policy: JSON.stringify({ Version: '2008-10-17', Statement: DEFAULT_STATEMENT }) } });
    aws.sns.on(SetTopicAttributesCommand).resolves({});
    const report = await setup(aws);
    expect(statuses(report)).toMatchObject({ 'topic-signature-version': 'updated', 'topic-policy': 'updated' });
    const policy = JSON.parse(aws.sns.commandCalls(SetTopicAttributesCommand)[1]!.args[0].input.AttributeValue!);
    expect(policy.Version).toBe('2008-10-17');
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      '__default_statement_ID',
      'KuratchiSesPublish',
    ]);
  });

  it('raw message delivery on the subscription is turned off', async () => {
    const aws = completeAccount(mockedAws());
    aws.sns.on(GetSubscriptionAttributesCommand).resolves({
      Attributes: { PendingConfirmation: 'false', RawMessageDelivery: 'true', RedrivePolicy: REDRIVE_POLICY },
    });
    aws.sns.on(SetSubscriptionAttributesCommand).resolves({});
    const report = await setup(aws);
    expect(step(report, 'subscription')).toMatchObject({ step: 'subscription', status: 'updated' });
    expect(aws.sns.commandCalls(SetSubscriptionAttributesCommand)[0]!.args[0].input).toEqual({
      SubscriptionArn: SUBSCRIPTION_ARN,
      AttributeName: 'RawMessageDelivery',
      AttributeValue: 'false',
    });
  });

  it('a different custom redirect domain is put on the existing configuration set', async () => {
    const aws = completeAccount(mockedAws());
    aws.sesv2.on(PutConfigurationSetTrackingOptionsCommand).resolves({});
    const report = await setup(aws, { trackingOptions: { customRedirectDomain: 'links.acme.example' } });
    expect(report.steps.find((s) => s.step === 'tracking-options')).toMatchObject({ status: 'updated' });
    expect(aws.sesv2.commandCalls(PutConfigurationSetTrackingOptionsCommand)[0]!.args[0].input).toEqual({
      ConfigurationSetName: 'kuratchi-email-tracking',
      CustomRedirectDomain: 'links.acme.example',
    });
  });
});

describe('setupSESEventTracking: AlreadyExistsException (created meanwhile)', () => {
  it('a configuration set created meanwhile is unchanged; an event destination created meanwhile is updated', async () => {
    const aws = emptyAccount(mockedAws());
    aws.sesv2
      .on(CreateConfigurationSetCommand)
      .rejects(sesAlreadyExists('Configuration set <kuratchi-email-tracking>'));
    aws.sesv2
      .on(CreateConfigurationSetEventDestinationCommand)
      .rejects(sesAlreadyExists('Event destination kuratchi-sns'));
    const report = await setup(aws);
    expect(report.ok).toBe(true);
    expect(statuses(report)).toMatchObject({ 'configuration-set': 'unchanged', 'event-destination': 'updated' });
    expect(aws.sesv2.commandCalls(UpdateConfigurationSetEventDestinationCommand)[0]!.args[0].input).toMatchObject({
      EventDestinationName: 'kuratchi-sns',
      EventDestination: { Enabled: true, SnsDestination: { TopicArn: TOPIC_ARN } },
    });
  });
});

describe('setupSESEventTracking: a failure part-way', () => {
  it('reports what was done, the failing step with what to do, and skips the rest', async () => {
    const aws = emptyAccount(mockedAws());
    aws.sns.on(SetTopicAttributesCommand, { AttributeName: 'Policy' }).rejects(
      new AuthorizationErrorException({
        message: 'User is not authorized to perform SNS:SetTopicAttributes',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const report = await setup(aws);
    expect(report.ok).toBe(false);
    expect(statuses(report)).toEqual({
      account: 'unchanged',
      topic: 'created',
      'topic-signature-version': 'updated',
      'topic-policy': 'failed',
      'configuration-set': 'skipped',
      'event-destination': 'skipped',
      'dead-letter-queue': 'skipped',
      subscription: 'skipped',
      'subscription-dead-letter': 'skipped',
    });
    const failed = report.steps.find((s) => s.status === 'failed')!;
    expect(failed.error).toMatch(/^AuthorizationErrorException: User is not authorized/);
    expect(failed.error).toContain('lack a permission');
    expect(report.error).toBe(`step topic-policy failed: ${failed.error}`);
    expect(report.steps.find((s) => s.step === 'subscription')!.detail).toMatch(/^not done: subscribe /);
    expect(aws.sesv2.calls()).toHaveLength(0);
    expect(aws.sqs.calls()).toHaveLength(0);
    expect(aws.sns.commandCalls(SubscribeCommand)).toHaveLength(0);
  });

  it('credentials that cannot be resolved fail the account step and nothing else is called', async () => {
    const aws = mockedAws();
    aws.sts
      .on(GetCallerIdentityCommand)
      .rejects(
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      );
    const report = await setup(aws);
    expect(report).toMatchObject({ ok: false });
    expect(report.accountId).toBeUndefined();
    expect(report.steps[0]).toMatchObject({ step: 'account', status: 'failed' });
    expect(report.steps[0]!.error).toContain('AWS_ACCESS_KEY_ID');
    expect(report.steps.slice(1).every((s) => s.status === 'skipped')).toBe(true);
    expect(aws.sns.calls()).toHaveLength(0);
  });
});

describe('setupSESEventTracking: dry run', () => {
  it('plans every step without calling AWS at all', async () => {
    const aws = mockedAws();
    const report = await setup(aws, { dryRun: true, trackingOptions: { customRedirectDomain: 'click.acme.example' } });
    expect(report).toMatchObject({ ok: true, dryRun: true });
    expect(report.topicArn).toBeUndefined();
    expect(report.steps.every((s) => s.status === 'planned')).toBe(true);
    expect(report.steps.map((s) => s.step)).toContain('tracking-options');
    expect(report.steps.find((s) => s.step === 'topic-policy')!.detail).toContain(
      'configuration-set/kuratchi-email-tracking',
    );
    expect(step(report, 'dead-letter-queue').detail).toContain('kuratchi-ses-events-dlq (14-day retention)');
    expect(step(report, 'subscription-dead-letter').detail).toContain('arn:aws:sqs:eu-west-1:<account-id>:');
    expect(aws.sts.calls().length + aws.sns.calls().length + aws.sesv2.calls().length + aws.sqs.calls().length).toBe(0);
  });

  it('with the account id given, the plan names the real ARNs', async () => {
    const aws = mockedAws();
    const report = await setup(aws, { dryRun: true, accountId: ACCOUNT });
    expect(report).toMatchObject({ accountId: ACCOUNT, topicArn: TOPIC_ARN });
    expect(report.steps.find((s) => s.step === 'topic-policy')!.detail).toContain(CONFIGURATION_SET_ARN);
    expect(aws.sts.calls()).toHaveLength(0);
  });
});

describe('setupSESEventTracking: invalid options throw before any call', () => {
  const cases: Array<[string, Partial<SetupSesEventTrackingOptions>, RegExp]> = [
    ['an http webhook', { webhookUrl: 'http://dash.example.com/hook' }, /webhookUrl: must be an https:\/\/ URL/],
    ['a FIFO topic', { topicName: 'events.fifo' }, /topicName: .*SES cannot publish to FIFO topics/],
    ['an unknown event type', { eventTypes: ['OPENED' as never] }, /eventTypes\[0\]: /],
    ['no event type', { eventTypes: [] }, /eventTypes: must list at least one event type/],
    ['a bad region', { region: 'Europe' }, /region: must be an AWS region/],
    ['a FIFO dead-letter queue', { deadLetterQueueName: 'events-dlq.fifo' }, /deadLetterQueueName: must be 1 to 80/],
    [
      'a topic name too long to name its queue after',
      { topicName: 't'.repeat(77) },
      /deadLetterQueueName: is required when the topic name is longer than 76/,
    ],
    [
      'a retry delay over an hour',
      { deliveryPolicy: { healthyRetryPolicy: { maxDelayTarget: 7200 } } },
      /deliveryPolicy\.healthyRetryPolicy\.maxDelayTarget: /,
    ],
    [
      'a configuration set name with a dot',
      { configurationSetName: 'acme.mail' },
      /configurationSetName: must be 1 to 64/,
    ],
  ];
  for (const [what, change, message] of cases) {
    it(`refuses ${what}`, async () => {
      const aws = mockedAws();
      const error = await setup(aws, change).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect((error as Error).message).toMatch(/^setupSESEventTracking: invalid options: /);
      expect((error as Error).message).toMatch(message);
      expect(aws.sts.calls().length + aws.sns.calls().length + aws.sesv2.calls().length).toBe(0);
    });
  }
});

describe('setupSESEventTracking: the dead-letter queue', () => {
  it('a queue with a shorter retention and a policy without SNS is updated, keeping the other statements', async () => {
    const aws = completeAccount(mockedAws());
    const other = { Sid: 'Ops', Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sqs:*', Resource: DLQ_ARN };
    aws.sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: {
        QueueArn: DLQ_ARN,
        MessageRetentionPeriod: '345600',
        Policy: JSON.stringify({ Statement: [other] }),
      },
    });
    aws.sqs.on(SetQueueAttributesCommand).resolves({});
    const report = await setup(aws);
    expect(step(report, 'dead-letter-queue')).toMatchObject({ status: 'updated' });
    expect(step(report, 'dead-letter-queue').detail).toContain('retention 345600 s -> 1209600 s');
    const input = aws.sqs.commandCalls(SetQueueAttributesCommand)[0]!.args[0].input;
    expect(input.QueueUrl).toBe(DLQ_URL);
    expect(input.Attributes!.MessageRetentionPeriod).toBe('1209600');
    expect(JSON.parse(input.Attributes!.Policy!).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      'Ops',
      'KuratchiSnsDeadLetter',
    ]);
    expect(mutatingCalls(aws)).toEqual(['SetQueueAttributesCommand']);
  });

  it('a confirmed subscription without a RedrivePolicy (set up before) gets one', async () => {
    const aws = completeAccount(mockedAws());
    aws.sns
      .on(GetSubscriptionAttributesCommand)
      .resolves({ Attributes: { PendingConfirmation: 'false', RawMessageDelivery: 'false' } });
    aws.sns.on(SetSubscriptionAttributesCommand).resolves({});
    const report = await setup(aws);
    expect(step(report, 'subscription')).toMatchObject({ status: 'unchanged' });
    expect(step(report, 'subscription-dead-letter')).toMatchObject({ status: 'updated' });
    expect(step(report, 'subscription-dead-letter').detail).toContain(`(none) -> ${DLQ_ARN}`);
    expect(aws.sns.commandCalls(SetSubscriptionAttributesCommand)[0]!.args[0].input).toEqual({
      SubscriptionArn: SUBSCRIPTION_ARN,
      AttributeName: 'RedrivePolicy',
      AttributeValue: REDRIVE_POLICY,
    });
    expect(mutatingCalls(aws)).toEqual(['SetSubscriptionAttributesCommand']);
  });

  it('a queue created meanwhile with other attributes (QueueNameExists) is made to match', async () => {
    const aws = emptyAccount(mockedAws());
    aws.sqs.on(GetQueueUrlCommand).rejectsOnce(queueDoesNotExist()).resolves({ QueueUrl: DLQ_URL });
    aws.sqs.on(CreateQueueCommand).rejects(
      new QueueNameExists({
        message: 'A queue already exists with the same name',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    aws.sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { ...dlqAttributes(), MessageRetentionPeriod: '60' } });
    aws.sqs.on(SetQueueAttributesCommand).resolves({});
    const report = await setup(aws);
    expect(report.ok).toBe(true);
    expect(step(report, 'dead-letter-queue')).toMatchObject({ status: 'updated' });
    expect(aws.sqs.commandCalls(SetQueueAttributesCommand)[0]!.args[0].input.Attributes).toEqual({
      MessageRetentionPeriod: '1209600',
    });
  });

  it('SQS refusing the queue stops setup before the webhook is subscribed', async () => {
    const aws = emptyAccount(mockedAws());
    aws.sqs
      .on(CreateQueueCommand)
      .rejects(Object.assign(new Error('not authorized to perform: sqs:createqueue'), { name: 'AccessDenied' }));
    const report = await setup(aws);
    expect(report.ok).toBe(false);
    expect(statuses(report)).toMatchObject({
      'dead-letter-queue': 'failed',
      subscription: 'skipped',
      'subscription-dead-letter': 'skipped',
    });
    expect(step(report, 'dead-letter-queue')).toMatchObject({ error: expect.stringContaining('lack a permission') });
    expect(aws.sns.commandCalls(SubscribeCommand)).toHaveLength(0);
  });
});
