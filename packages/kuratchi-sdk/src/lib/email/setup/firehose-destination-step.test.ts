import {
  CreateConfigurationSetEventDestinationCommand,
  DeleteConfigurationSetCommand,
  DeleteConfigurationSetEventDestinationCommand,
  GetConfigurationSetEventDestinationsCommand,
  UpdateConfigurationSetEventDestinationCommand,
  type EventDestination,
} from '@aws-sdk/client-sesv2';
import { DeleteTopicCommand, SetTopicAttributesCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { SES_EVENT_DESTINATION_TYPES } from './defaults.js';
import {
  ACCOUNT,
  completeAccount,
  emptyAccount,
  mockedAws,
  mutatingCalls,
  REGION,
  sesAlreadyExists,
  TOPIC_ARN,
  WEBHOOK_URL,
  type MockedAws,
} from './fixtures/mocked-aws.js';
import { setupSESEventTracking } from './setup-ses-event-tracking.js';
import { getSESEventTrackingStatus } from './status.js';
import { teardownSESEventTracking } from './teardown.js';
import { InvalidOptionsError } from '../shared/invalid-options.js';

const STREAM_ARN = `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/kuratchi-ses-events`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/kuratchi-ses-firehose`;
const firehose = { deliveryStreamArn: STREAM_ARN, iamRoleArn: ROLE_ARN };

const SNS_DESTINATION: EventDestination = {
  Name: 'kuratchi-sns',
  Enabled: true,
  MatchingEventTypes: [...SES_EVENT_DESTINATION_TYPES],
  SnsDestination: { TopicArn: TOPIC_ARN },
};
const FIREHOSE_DESTINATION: EventDestination = {
  Name: 'kuratchi-firehose',
  Enabled: true,
  MatchingEventTypes: [...SES_EVENT_DESTINATION_TYPES].reverse(),
  KinesisFirehoseDestination: { DeliveryStreamArn: STREAM_ARN, IamRoleArn: ROLE_ARN },
};

const setup = (aws: MockedAws, options: Record<string, unknown> = {}) =>
  setupSESEventTracking({ region: REGION, webhookUrl: WEBHOOK_URL, clients: aws.clients, firehose, ...options });

const statuses = (report: { steps: Array<{ step: string; status: string }> }) =>
  Object.fromEntries(report.steps.map((s) => [s.step, s.status]));

function withDestinations(aws: MockedAws, destinations: EventDestination[]): MockedAws {
  aws.sesv2.on(GetConfigurationSetEventDestinationsCommand).resolves({ EventDestinations: destinations });
  return aws;
}

describe('setupSESEventTracking with a Firehose event destination', () => {
  it('creates the Firehose destination after the SNS one, with the same event types', async () => {
    const aws = emptyAccount(mockedAws());
    const report = await setup(aws);
    expect(report.ok).toBe(true);
    const names = report.steps.map((s) => s.step);
    expect(names.indexOf('firehose-event-destination')).toBe(names.indexOf('event-destination') + 1);
    expect(statuses(report)['firehose-event-destination']).toBe('created');
    const created = aws.sesv2.commandCalls(CreateConfigurationSetEventDestinationCommand).map((c) => c.args[0].input);
    expect(created).toContainEqual({
      ConfigurationSetName: 'kuratchi-email-tracking',
      EventDestinationName: 'kuratchi-firehose',
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: [...SES_EVENT_DESTINATION_TYPES],
        KinesisFirehoseDestination: { DeliveryStreamArn: STREAM_ARN, IamRoleArn: ROLE_ARN },
      },
    });
  });

  it('a second run changes nothing', async () => {
    const aws = withDestinations(completeAccount(mockedAws()), [SNS_DESTINATION, FIREHOSE_DESTINATION]);
    const report = await setup(aws);
    expect(statuses(report)['firehose-event-destination']).toBe('unchanged');
    expect(mutatingCalls(aws)).toEqual([]);
  });

  it('updates a destination with another stream, another role, disabled or other types, saying what differed', async () => {
    const aws = withDestinations(completeAccount(mockedAws()), [
      SNS_DESTINATION,
      {
        ...FIREHOSE_DESTINATION,
        Enabled: false,
        KinesisFirehoseDestination: { DeliveryStreamArn: `${STREAM_ARN}-old`, IamRoleArn: ROLE_ARN },
      },
    ]);
    aws.sesv2.on(UpdateConfigurationSetEventDestinationCommand).resolves({});
    const report = await setup(aws);
    const step = report.steps.find((s) => s.step === 'firehose-event-destination')!;
    expect(step.status).toBe('updated');
    expect(step.detail).toMatch(/it was disabled; it published to .*-old/);
    expect(aws.sesv2.commandCalls(UpdateConfigurationSetEventDestinationCommand)[0]!.args[0].input).toMatchObject({
      EventDestinationName: 'kuratchi-firehose',
      EventDestination: { Enabled: true, KinesisFirehoseDestination: { DeliveryStreamArn: STREAM_ARN } },
    });
  });

  it('created meanwhile (AlreadyExists): updated to match', async () => {
    const aws = withDestinations(completeAccount(mockedAws()), [SNS_DESTINATION]);
    aws.sesv2.on(CreateConfigurationSetEventDestinationCommand).rejects(sesAlreadyExists('Event destination'));
    aws.sesv2.on(UpdateConfigurationSetEventDestinationCommand).resolves({});
    const report = await setup(aws);
    expect(statuses(report)['firehose-event-destination']).toBe('updated');
    expect(aws.sesv2.commandCalls(UpdateConfigurationSetEventDestinationCommand)).toHaveLength(1);
  });

  it('a dry run plans it and calls nothing', async () => {
    const aws = mockedAws();
    const report = await setup(aws, { dryRun: true, accountId: ACCOUNT });
    const step = report.steps.find((s) => s.step === 'firehose-event-destination')!;
    expect(step.status).toBe('planned');
    expect(step.detail).toContain(STREAM_ARN);
    expect(aws.sesv2.calls()).toHaveLength(0);
  });

  it('without the option there is no such step', async () => {
    const aws = withDestinations(completeAccount(mockedAws()), [SNS_DESTINATION]);
    const report = await setupSESEventTracking({ region: REGION, webhookUrl: WEBHOOK_URL, clients: aws.clients });
    expect(report.steps.map((s) => s.step)).not.toContain('firehose-event-destination');
  });

  it('refuses ARNs that are not a stream and a role, before any call', async () => {
    const aws = mockedAws();
    await expect(setup(aws, { firehose: { deliveryStreamArn: TOPIC_ARN, iamRoleArn: ROLE_ARN } })).rejects.toThrow(
      InvalidOptionsError,
    );
    await expect(setup(aws, { firehose: { deliveryStreamArn: STREAM_ARN, iamRoleArn: 'role' } })).rejects.toThrow(
      /firehose\.iamRoleArn/,
    );
    expect(aws.sts.calls()).toHaveLength(0);
  });
});

describe('status and teardown of the Firehose event destination', () => {
  it('status reports its stream and role; disabled is a problem', async () => {
    const aws = withDestinations(completeAccount(mockedAws()), [SNS_DESTINATION, FIREHOSE_DESTINATION]);
    const status = await getSESEventTrackingStatus({ region: REGION, webhookUrl: WEBHOOK_URL, clients: aws.clients });
    expect(status.firehoseDestination).toEqual({
      exists: true,
      enabled: true,
      eventTypes: FIREHOSE_DESTINATION.MatchingEventTypes,
      deliveryStreamArn: STREAM_ARN,
      iamRoleArn: ROLE_ARN,
    });
    expect(status.ready).toBe(true);
    withDestinations(aws, [SNS_DESTINATION, { ...FIREHOSE_DESTINATION, Enabled: false }]);
    const disabled = await getSESEventTrackingStatus({ region: REGION, webhookUrl: WEBHOOK_URL, clients: aws.clients });
    expect(disabled.ready).toBe(false);
    expect(disabled.problems).toContainEqual(
      expect.stringMatching(/Firehose event destination kuratchi-firehose is disabled/),
    );
  });

  it('teardown deletes it before the configuration set', async () => {
    const aws = completeAccount(mockedAws());
    aws.sesv2
      .on(GetConfigurationSetEventDestinationsCommand)
      .resolvesOnce({ EventDestinations: [SNS_DESTINATION, FIREHOSE_DESTINATION] })
      .resolvesOnce({ EventDestinations: [FIREHOSE_DESTINATION] })
      .resolves({ EventDestinations: [] });
    aws.sesv2.on(DeleteConfigurationSetEventDestinationCommand).resolves({});
    aws.sesv2.on(DeleteConfigurationSetCommand).resolves({});
    aws.sns.on(UnsubscribeCommand).resolves({});
    aws.sns.on(DeleteTopicCommand).resolves({});
    aws.sns.on(SetTopicAttributesCommand).resolves({});
    const report = await teardownSESEventTracking({ region: REGION, webhookUrl: WEBHOOK_URL, clients: aws.clients });
    expect(statuses(report)['firehose-event-destination']).toBe('deleted');
    expect(
      aws.sesv2
        .commandCalls(DeleteConfigurationSetEventDestinationCommand)
        .map((c) => c.args[0].input.EventDestinationName),
    ).toEqual(['kuratchi-sns', 'kuratchi-firehose']);
  });
});
