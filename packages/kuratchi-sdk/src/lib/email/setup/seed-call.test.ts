import {
  CreateConfigurationSetCommand,
  CreateConfigurationSetEventDestinationCommand,
  GetConfigurationSetCommand,
  GetConfigurationSetEventDestinationsCommand,
  SESv2Client,
  UpdateConfigurationSetEventDestinationCommand,
} from '@aws-sdk/client-sesv2';
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListTagsForResourceCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
} from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../shared/invalid-options.js';
import { SES_EVENT_DESTINATION_TYPES } from './defaults.js';
import { emptyAccount, mockedAws, sesNotFound, snsNotFound, WEBHOOK_URL } from './fixtures/mocked-aws.js';
import { setupSESEventTracking } from './setup-ses-event-tracking.js';
import { sesPublishStatement } from './topic-policy.js';

/**
 * The seed's own call: `setupSESEventTracking({ region, accessKeyId, secretAccessKey, snsTopicArn,
 * configurationSetName })`, run as written, with no `clients`: the AWS SDK's real SNS, SESv2, STS
 * and SQS clients are the ones setup creates from those credentials, every instance's `send`
 * stubbed by aws-sdk-client-mock. Then the ways that call can go wrong.
 */
const region = 'eu-west-1';
const accessKeyId = 'AKIAKURATCHISEED000';
const secretAccessKey = 'seed-secret-access-key-not-real';
const snsTopicArn = 'arn:aws:sns:eu-west-1:210987654321:ses-events';
const configurationSetName = 'acme-transactional';
const ACCOUNT = '210987654321';
const CONFIGURATION_SET_ARN = `arn:aws:ses:${region}:${ACCOUNT}:configuration-set/${configurationSetName}`;

/**
 * The statement a topic of the seed's era carries, written by hand as the SES guide shows it:
 * another Sid, the action in lower case, any configuration set of the account (StringLike).
 */
const HAND_WRITTEN_SES_STATEMENT = {
  Sid: 'AllowSesPublish',
  Effect: 'Allow',
  Principal: { Service: 'ses.amazonaws.com' },
  Action: 'sns:Publish',
  Resource: snsTopicArn,
  Condition: {
    StringEquals: { 'AWS:SourceAccount': ACCOUNT },
    StringLike: { 'AWS:SourceArn': `arn:aws:ses:${region}:${ACCOUNT}:configuration-set/*` },
  },
};
const OWNER_STATEMENT = {
  Sid: '__default_statement_ID',
  Effect: 'Allow',
  Principal: { AWS: '*' },
  Action: ['SNS:GetTopicAttributes', 'SNS:Subscribe', 'SNS:Publish'],
  Resource: snsTopicArn,
  Condition: { StringEquals: { 'AWS:SourceOwner': ACCOUNT } },
};

/** Every client of the classes mocked: the instances setup creates itself answer from here. */
function mockedClasses() {
  const mocks = {
    sns: mockClient(SNSClient),
    sesv2: mockClient(SESv2Client),
    sts: mockClient(STSClient),
    sqs: mockClient(SQSClient),
  };
  mocks.sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/seed`, UserId: 'AIDASEED' });
  return mocks;
}
type Mocks = ReturnType<typeof mockedClasses>;
let mocks: Mocks | undefined;
afterEach(() => {
  for (const mock of Object.values(mocks ?? {})) mock.restore();
  mocks = undefined;
});

/** The seed's topic exists with this policy; the configuration set does not exist yet. */
function seedAccount(statements: object[], destinations: object[] = []): Mocks {
  mocks = mockedClasses();
  mocks.sns.on(GetTopicAttributesCommand, { TopicArn: snsTopicArn }).resolves({
    Attributes: {
      TopicArn: snsTopicArn,
      Owner: ACCOUNT,
      SignatureVersion: '1',
      Policy: JSON.stringify({ Version: '2008-10-17', Statement: statements }),
    },
  });
  if (destinations.length) {
    mocks.sesv2.on(GetConfigurationSetCommand).resolves({ ConfigurationSetName: configurationSetName });
  } else {
    mocks.sesv2.on(GetConfigurationSetCommand).rejects(sesNotFound(`Configuration set <${configurationSetName}>`));
  }
  mocks.sesv2.on(CreateConfigurationSetCommand).resolves({});
  mocks.sesv2.on(GetConfigurationSetEventDestinationsCommand).resolves({ EventDestinations: destinations as never });
  mocks.sesv2.on(CreateConfigurationSetEventDestinationCommand).resolves({});
  mocks.sesv2.on(UpdateConfigurationSetEventDestinationCommand).resolves({});
  return mocks;
}

const statuses = (report: { steps: Array<{ step: string; status: string }> }) =>
  Object.fromEntries(report.steps.map((s) => [s.step, s.status]));

describe("the seed's call, as the seed writes it", () => {
  it('uses its topic as given, creates the configuration set and its SNS destination, and nothing else', async () => {
    const aws = seedAccount([OWNER_STATEMENT, HAND_WRITTEN_SES_STATEMENT]);

    const report = await setupSESEventTracking({
      region,
      accessKeyId,
      secretAccessKey,
      snsTopicArn,
      configurationSetName,
    });

    expect(report).toMatchObject({
      ok: true,
      region,
      accountId: ACCOUNT,
      topicArn: snsTopicArn,
      topicManaged: false,
      configurationSetName,
      eventDestinationName: 'kuratchi-sns',
    });
    expect(report.webhookUrl).toBeUndefined();
    expect(report.subscriptionArn).toBeUndefined();
    expect(statuses(report)).toEqual({
      account: 'unchanged',
      topic: 'unchanged',
      'topic-signature-version': 'unchanged',
      'topic-policy': 'unchanged',
      'configuration-set': 'created',
      'event-destination': 'created',
    });
    // Created: the configuration set, and its destination publishing every event type to the seed's topic.
    expect(aws.sesv2.commandCalls(CreateConfigurationSetCommand).map((c) => c.args[0].input)).toEqual([
      { ConfigurationSetName: configurationSetName },
    ]);
    expect(aws.sesv2.commandCalls(CreateConfigurationSetEventDestinationCommand).map((c) => c.args[0].input)).toEqual([
      {
        ConfigurationSetName: configurationSetName,
        EventDestinationName: 'kuratchi-sns',
        EventDestination: {
          Enabled: true,
          MatchingEventTypes: [...SES_EVENT_DESTINATION_TYPES],
          SnsDestination: { TopicArn: snsTopicArn },
        },
      },
    ]);
    // Not created, not changed: no topic, no tag, no topic attribute, no subscription, no queue.
    for (const command of [CreateTopicCommand, TagResourceCommand, SetTopicAttributesCommand, SubscribeCommand])
      expect(aws.sns.commandCalls(command as never), command.name).toHaveLength(0);
    expect(aws.sns.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
    expect(aws.sqs.calls()).toHaveLength(0);
    // The one thing left to the caller: subscribing, said in words.
    expect(report.nextSteps).toEqual([expect.stringMatching(/^no webhook is subscribed \(no webhookUrl\): subscribe/)]);
    expect(report.nextSteps[0]).toContain(snsTopicArn);
    // Every client setup made signs with the seed's flat credentials.
    for (const mock of [aws.sts, aws.sns, aws.sesv2]) {
      const client = mock.calls()[0]!.thisValue as SNSClient;
      await expect(client.config.credentials()).resolves.toMatchObject({ accessKeyId, secretAccessKey });
      await expect(client.config.region()).resolves.toBe(region);
    }
  });

  it("adopts the destination the seed's own code named sns-events: no second destination", async () => {
    const seeded = {
      Name: 'sns-events',
      Enabled: true,
      MatchingEventTypes: ['SEND', 'DELIVERY', 'BOUNCE', 'COMPLAINT', 'OPEN', 'CLICK'],
      SnsDestination: { TopicArn: snsTopicArn },
    };
    const aws = seedAccount([HAND_WRITTEN_SES_STATEMENT], [seeded]);
    const report = await setupSESEventTracking({
      region,
      accessKeyId,
      secretAccessKey,
      snsTopicArn,
      configurationSetName,
    });
    expect(report).toMatchObject({ ok: true, eventDestinationName: 'sns-events' });
    expect(statuses(report)).toMatchObject({ 'configuration-set': 'unchanged', 'event-destination': 'updated' });
    expect(aws.sesv2.commandCalls(CreateConfigurationSetEventDestinationCommand)).toHaveLength(0);
    expect(aws.sesv2.commandCalls(UpdateConfigurationSetEventDestinationCommand)[0]!.args[0].input).toMatchObject({
      EventDestinationName: 'sns-events',
      EventDestination: { MatchingEventTypes: [...SES_EVENT_DESTINATION_TYPES] },
    });
  });

  it('reports a topic whose policy does not let SES publish, with the statement to add, and leaves the policy alone', async () => {
    const aws = seedAccount([OWNER_STATEMENT]);
    const report = await setupSESEventTracking({
      region,
      accessKeyId,
      secretAccessKey,
      snsTopicArn,
      configurationSetName,
    });
    expect(report.ok).toBe(true);
    expect(statuses(report)).toMatchObject({ 'topic-policy': 'action-needed', 'event-destination': 'created' });
    const [policyStep, subscribe] = report.nextSteps;
    expect(policyStep).toContain(`add this statement to the access policy of your topic ${snsTopicArn}`);
    expect(JSON.parse(policyStep!.slice(policyStep!.indexOf('{')))).toEqual(
      sesPublishStatement(snsTopicArn, ACCOUNT, CONFIGURATION_SET_ARN),
    );
    expect(subscribe).toMatch(/^no webhook is subscribed/);
    expect(aws.sns.commandCalls(SetTopicAttributesCommand)).toHaveLength(0);
  });

  it('a topic that does not exist stops setup at the topic step, saying so', async () => {
    const aws = seedAccount([]);
    aws.sns.on(GetTopicAttributesCommand).rejects(snsNotFound());
    const report = await setupSESEventTracking({
      region,
      accessKeyId,
      secretAccessKey,
      snsTopicArn,
      configurationSetName,
    });
    expect(report.ok).toBe(false);
    expect(report.steps.find((s) => s.step === 'topic')!.error).toContain(
      `the topic ${snsTopicArn} (snsTopicArn) does not exist`,
    );
    expect(aws.sesv2.calls()).toHaveLength(0);
    expect(aws.sns.commandCalls(CreateTopicCommand)).toHaveLength(0);
  });

  it("credentials of another account than the topic's stop setup at the account step", async () => {
    const aws = seedAccount([HAND_WRITTEN_SES_STATEMENT]);
    aws.sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/x' });
    const report = await setupSESEventTracking({
      region,
      accessKeyId,
      secretAccessKey,
      snsTopicArn,
      configurationSetName,
    });
    expect(report.ok).toBe(false);
    expect(report.steps[0]!.error).toContain(
      `is of account ${ACCOUNT}, but the credentials are of account 123456789012`,
    );
    expect(aws.sns.calls().length + aws.sesv2.calls().length).toBe(0);
  });

  it('a dry run names the real ARNs (the account is the topic’s) and calls nothing', async () => {
    const aws = seedAccount([]);
    const report = await setupSESEventTracking({
      region,
      accessKeyId,
      secretAccessKey,
      snsTopicArn,
      configurationSetName,
      dryRun: true,
    });
    expect(report).toMatchObject({ ok: true, dryRun: true, accountId: ACCOUNT, topicArn: snsTopicArn });
    expect(report.steps.every((s) => s.status === 'planned')).toBe(true);
    expect(report.steps.find((s) => s.step === 'topic-policy')!.detail).toContain(CONFIGURATION_SET_ARN);
    expect(aws.sts.calls().length + aws.sns.calls().length + aws.sesv2.calls().length).toBe(0);
  });
});

describe("the seed's call refuses what it cannot mean, before any call", () => {
  const seed = { region, accessKeyId, secretAccessKey, snsTopicArn, configurationSetName };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'flat credentials beside different nested ones',
      { ...seed, credentials: { accessKeyId: 'AKIAOTHER00000000', secretAccessKey: 'other' } },
      /credentials: differs from accessKeyId\/secretAccessKey\/sessionToken: give the credentials one way/,
    ],
    [
      'flat credentials beside a credential provider',
      { ...seed, credentials: async () => ({ accessKeyId, secretAccessKey }) },
      /credentials: is a credential provider and accessKeyId\/secretAccessKey are given too/,
    ],
    [
      'an access key without its secret',
      { ...seed, secretAccessKey: undefined },
      /secretAccessKey: is required with accessKeyId/,
    ],
    [
      'a session token alone',
      { region, sessionToken: 'token' },
      /sessionToken: goes with accessKeyId and secretAccessKey/,
    ],
    ['a misspelt option (strict as ever)', { ...seed, snsTopicARN: snsTopicArn }, /Unrecognized key: "snsTopicARN"/],
    [
      'a topic of another region',
      { ...seed, region: 'us-east-1' },
      /snsTopicArn: is a topic of eu-west-1, not of region us-east-1/,
    ],
    [
      'a topic of another accountId',
      { ...seed, accountId: '123456789012' },
      /snsTopicArn: is a topic of account 210987654321/,
    ],
    [
      'a topicName naming another topic',
      { ...seed, topicName: 'other' },
      /topicName: names another topic than snsTopicArn/,
    ],
    [
      'a FIFO topic',
      { ...seed, snsTopicArn: `${snsTopicArn}.fifo` },
      /snsTopicArn: must be the ARN of a standard SNS topic/,
    ],
    [
      'a signature version for a topic of yours',
      { ...seed, signatureVersion: '2' },
      /signatureVersion: sets an attribute of the topic/,
    ],
    [
      'a delivery policy for a topic of yours',
      { ...seed, deliveryPolicy: { throttlePolicy: { maxReceivesPerSecond: 5 } } },
      /deliveryPolicy: sets an attribute of the topic/,
    ],
  ];
  for (const [what, options, message] of cases) {
    it(`refuses ${what}`, async () => {
      const aws = seedAccount([]);
      const error = await setupSESEventTracking(options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect((error as Error).message).toMatch(message);
      // No secret ever appears in an error message.
      expect((error as Error).message).not.toContain(secretAccessKey);
      expect(aws.sts.calls().length + aws.sns.calls().length + aws.sesv2.calls().length).toBe(0);
    });
  }

  it('accepts the same credentials given both ways', async () => {
    seedAccount([HAND_WRITTEN_SES_STATEMENT]);
    const report = await setupSESEventTracking({ ...seed, credentials: { accessKeyId, secretAccessKey } });
    expect(report.ok).toBe(true);
  });
});

describe('without webhookUrl, on a topic setup manages', () => {
  it('makes topic, configuration set and destination, but no dead-letter queue and no subscription', async () => {
    const aws = emptyAccount(mockedAws());
    const report = await setupSESEventTracking({ region, clients: aws.clients });
    expect(report).toMatchObject({ ok: true, topicManaged: true });
    expect(report.steps.map((s) => s.step)).toEqual([
      'account',
      'topic',
      'topic-signature-version',
      'topic-policy',
      'configuration-set',
      'event-destination',
    ]);
    expect(aws.sqs.calls()).toHaveLength(0);
    expect(aws.sns.commandCalls(SubscribeCommand)).toHaveLength(0);
    expect(report.nextSteps).toEqual([expect.stringContaining('run setup again with webhookUrl')]);
    // With it, the same account gets its subscription: nothing is left to the caller.
    const full = await setupSESEventTracking({
      region,
      webhookUrl: WEBHOOK_URL,
      clients: emptyAccount(mockedAws()).clients,
    });
    expect(full.nextSteps).toEqual([]);
  });
});
