// `kuratchi-ses setup | status | teardown` as processes, with the real AWS SDK v3 clients (SNS,
// SESv2, STS) sent to a fake AWS endpoint on 127.0.0.1 (--aws-endpoint-url, fake credentials):
// the serialized requests are asserted as AWS would receive them. Nothing reaches AWS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addTopic, startFakeAws } from './fake-aws.mjs';
import { FAKE_CREDENTIALS, runCli } from './cli-run.mjs';

const WEBHOOK = 'https://dash.example.com/api/webhooks/ses-events';
const ACCOUNT = '123456789012';
const TOPIC_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT}:kuratchi-ses-events`;
const DLQ_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:kuratchi-ses-events-dlq`;
const ALL_TYPES = [
  'SEND',
  'REJECT',
  'BOUNCE',
  'COMPLAINT',
  'DELIVERY',
  'OPEN',
  'CLICK',
  'RENDERING_FAILURE',
  'DELIVERY_DELAY',
  'SUBSCRIPTION',
];
const MUTATING = /^(Create|Set|Put|Update|Delete|Subscribe|Unsubscribe|Tag)/;

async function fakeAws(t) {
  const fake = await startFakeAws({ region: 'eu-west-1', account: ACCOUNT });
  t.after(() => fake.close());
  const cli = (command, ...args) =>
    runCli([command, '--region', 'eu-west-1', '--aws-endpoint-url', fake.url, ...args], { env: FAKE_CREDENTIALS });
  return { fake, cli };
}

/** Actions (`sns:CreateTopic`, `ses:CreateConfigurationSet`…) the fake received since `from`. */
function actions(fake, from = 0) {
  return fake.requests.slice(from).map((r) => `${r.service}:${r.service === 'ses' ? sesName(r) : r.action}`);
}

function sesName(request) {
  const parts = request.path.split('/').slice(3);
  if (parts.length === 1) return 'CreateConfigurationSet';
  if (parts.length === 2) return { GET: 'GetConfigurationSet', DELETE: 'DeleteConfigurationSet' }[request.method];
  if (parts.length === 3)
    return { GET: 'GetConfigurationSetEventDestinations', POST: 'CreateConfigurationSetEventDestination' }[
      request.method
    ];
  return { PUT: 'UpdateConfigurationSetEventDestination', DELETE: 'DeleteConfigurationSetEventDestination' }[
    request.method
  ];
}

describe('kuratchi-ses setup against a local AWS endpoint (real SDK clients)', () => {
  it('first run creates everything; the serialized requests are what AWS expects', async (t) => {
    const { fake, cli } = await fakeAws(t);
    const { code, stdout, stderr } = await cli('setup', '--webhook-url', WEBHOOK);
    assert.equal(code, 0, stdout + stderr);
    assert.match(stdout, /^kuratchi-ses setup: account 123456789012, eu-west-1$/m);
    assert.match(
      stdout,
      /^ {2}created\s+topic\s+created topic arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events$/m,
    );
    assert.match(stdout, /^ {2}created\s+event-destination\s+/m);
    assert.match(
      stdout,
      /^subscription: arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events:[0-9a-f-]{36} \(pending confirmation\)$/m,
    );
    assert.match(
      stdout,
      /^next: add arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events to the webhook's KURATCHI_ALLOWED_TOPIC_ARNS/m,
    );

    assert.deepEqual(actions(fake), [
      'sts:GetCallerIdentity',
      'sns:GetTopicAttributes',
      'sns:CreateTopic',
      'sns:GetTopicAttributes',
      'sns:SetTopicAttributes',
      'sns:SetTopicAttributes',
      'ses:GetConfigurationSet',
      'ses:CreateConfigurationSet',
      'ses:GetConfigurationSetEventDestinations',
      'ses:CreateConfigurationSetEventDestination',
      'sqs:GetQueueUrl',
      'sqs:CreateQueue',
      'sns:ListSubscriptionsByTopic',
      'sns:Subscribe',
    ]);

    // Every request is SigV4-signed for its service in eu-west-1 with the credentials of the environment.
    for (const r of fake.requests) {
      assert.match(
        r.headers.authorization,
        new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDKURATCHICLI/\\d{8}/eu-west-1/${r.service}/aws4_request`),
      );
    }

    const [destination] = fake.calls('ses', 'CreateConfigurationSetEventDestination');
    assert.equal(destination.method, 'POST');
    assert.equal(destination.path, '/v2/email/configuration-sets/kuratchi-email-tracking/event-destinations');
    assert.match(destination.headers['content-type'], /^application\/json/);
    assert.deepEqual(JSON.parse(destination.body), {
      EventDestinationName: 'kuratchi-sns',
      EventDestination: { Enabled: true, MatchingEventTypes: ALL_TYPES, SnsDestination: { TopicArn: TOPIC_ARN } },
    });
    assert.deepEqual(JSON.parse(fake.calls('ses', 'CreateConfigurationSet')[0].body), {
      ConfigurationSetName: 'kuratchi-email-tracking',
    });

    const [signature, policy] = fake.calls('sns', 'SetTopicAttributes').map((r) => r.params);
    assert.deepEqual(signature, {
      Action: 'SetTopicAttributes',
      Version: '2010-03-31',
      TopicArn: TOPIC_ARN,
      AttributeName: 'SignatureVersion',
      AttributeValue: '2',
    });
    assert.equal(policy.AttributeName, 'Policy');
    const statement = JSON.parse(policy.AttributeValue).Statement.find((s) => s.Sid === 'KuratchiSesPublish');
    assert.deepEqual(statement, {
      Sid: 'KuratchiSesPublish',
      Effect: 'Allow',
      Principal: { Service: 'ses.amazonaws.com' },
      Action: 'SNS:Publish',
      Resource: TOPIC_ARN,
      Condition: {
        StringEquals: {
          'AWS:SourceAccount': ACCOUNT,
          'AWS:SourceArn': `arn:aws:ses:eu-west-1:${ACCOUNT}:configuration-set/kuratchi-email-tracking`,
        },
      },
    });
    assert.deepEqual(fake.calls('sns', 'Subscribe')[0].params, {
      Action: 'Subscribe',
      Version: '2010-03-31',
      TopicArn: TOPIC_ARN,
      Protocol: 'https',
      Endpoint: WEBHOOK,
      ReturnSubscriptionArn: 'true',
      'Attributes.entry.1.key': 'RedrivePolicy',
      'Attributes.entry.1.value': JSON.stringify({ deadLetterTargetArn: DLQ_ARN }),
    });
    // The dead-letter queue, serialized as SQS's JSON protocol wants it.
    const [createQueue] = fake.calls('sqs', 'CreateQueue');
    assert.equal(createQueue.headers['x-amz-target'], 'AmazonSQS.CreateQueue');
    assert.equal(createQueue.params.QueueName, 'kuratchi-ses-events-dlq');
    // The topic is tagged as setup's when it is created: teardown deletes only such a topic.
    const [createTopic] = fake.calls('sns', 'CreateTopic');
    assert.equal(createTopic.params['Tags.member.1.Key'], 'kuratchi:managed-by');
    assert.equal(createTopic.params['Tags.member.1.Value'], 'kuratchi-ses setup');
    assert.equal(createQueue.params.Attributes.MessageRetentionPeriod, '1209600');
    assert.deepEqual(JSON.parse(createQueue.params.Attributes.Policy).Statement, [
      {
        Sid: 'KuratchiSnsDeadLetter',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: DLQ_ARN,
        Condition: { ArnEquals: { 'aws:SourceArn': TOPIC_ARN } },
      },
    ]);
  });

  it('status reports pending, then ready once confirmed; a second setup changes nothing', async (t) => {
    const { fake, cli } = await fakeAws(t);
    assert.equal((await cli('setup', '--webhook-url', WEBHOOK)).code, 0);

    const pending = await cli('status', '--webhook-url', WEBHOOK);
    assert.equal(pending.code, 1);
    assert.match(pending.stdout, /NOT READY/);
    assert.match(
      pending.stdout,
      /subscription\s+https:\/\/dash\.example\.com\/api\/webhooks\/ses-events: PENDING confirmation/,
    );
    assert.match(pending.stdout, /problem: .*KURATCHI_ALLOWED_TOPIC_ARNS/);
    assert.match(
      pending.stdout,
      /dead-letter queue\s+http:\/\/127\.0\.0\.1:\d+\/123456789012\/kuratchi-ses-events-dlq: ~0 waiting, ~0 in flight \(SNS may send: yes\)/,
    );

    fake.confirmSubscriptions();
    const ready = await cli('status', '--json');
    assert.equal(ready.code, 0, ready.stdout);
    const status = JSON.parse(ready.stdout);
    assert.equal(status.ready, true);
    assert.deepEqual(status.topic, { exists: true, signatureVersion: '2', sesCanPublish: true });
    assert.deepEqual(status.eventDestination, {
      exists: true,
      enabled: true,
      eventTypes: ALL_TYPES,
      topicArn: TOPIC_ARN,
    });
    assert.equal(status.subscriptions[0].confirmed, true);
    assert.equal(status.subscriptions[0].deadLetterTargetArn, DLQ_ARN);
    assert.deepEqual(
      { ...status.deadLetterQueue, url: undefined },
      {
        name: 'kuratchi-ses-events-dlq',
        exists: true,
        arn: DLQ_ARN,
        url: undefined,
        messages: 0,
        messagesInFlight: 0,
        retentionSeconds: 1_209_600,
        snsCanSend: true,
      },
    );
    // Undelivered events waiting: still ready, and status says how to apply them.
    fake.state.queues.get('kuratchi-ses-events-dlq').attributes.set('ApproximateNumberOfMessages', '3');
    const waiting = await cli('status');
    assert.equal(waiting.code, 0, waiting.stdout);
    assert.match(waiting.stdout, /~3 waiting/);
    assert.match(
      waiting.stdout,
      /next: `kuratchi-ses redrive --dashboard-url DASHBOARD --queue-url http:\/\/127\.0\.0\.1:\d+\/123456789012\/kuratchi-ses-events-dlq`/,
    );
    fake.state.queues.get('kuratchi-ses-events-dlq').attributes.set('ApproximateNumberOfMessages', '0');

    const before = fake.requests.length;
    const again = await cli('setup', '--webhook-url', WEBHOOK, '--json');
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout);
    assert.deepEqual([...new Set(report.steps.map((s) => s.status))], ['unchanged']);
    assert.equal(report.subscriptionPending, false);
    assert.deepEqual(
      actions(fake, before).filter((a) => MUTATING.test(a.split(':')[1])),
      [],
      'the second run only reads',
    );
  });

  it('a failure part-way exits 1, reports what was done, and the next run completes', async (t) => {
    const { fake, cli } = await fakeAws(t);
    fake.failNext('ses', 'CreateConfigurationSetEventDestination', {
      status: 403,
      code: 'AccessDeniedException',
      message: 'User is not authorized to perform ses:CreateConfigurationSetEventDestination',
    });
    const failed = await cli('setup', '--webhook-url', WEBHOOK);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /^ {2}created\s+configuration-set/m);
    assert.match(failed.stdout, /^ {2}failed\s+event-destination\s+failed: publish /m);
    assert.match(failed.stdout, /error: AccessDeniedException: User is not authorized .*lack a permission/);
    assert.match(failed.stdout, /^ {2}skipped\s+subscription\s+not done: subscribe /m);
    assert.match(failed.stdout, /^setup stopped: step event-destination failed/m);
    assert.equal(fake.calls('sns', 'Subscribe').length, 0);

    const resumed = await cli('setup', '--webhook-url', WEBHOOK, '--json');
    assert.equal(resumed.code, 0, resumed.stdout);
    const statuses = Object.fromEntries(JSON.parse(resumed.stdout).steps.map((s) => [s.step, s.status]));
    assert.deepEqual(statuses, {
      account: 'unchanged',
      topic: 'unchanged',
      'topic-signature-version': 'unchanged',
      'topic-policy': 'unchanged',
      'configuration-set': 'unchanged',
      'event-destination': 'created',
      'dead-letter-queue': 'created',
      subscription: 'created',
      'subscription-dead-letter': 'created',
    });
  });

  it('without credentials the account step fails and says how to configure them', async (t) => {
    const fake = await startFakeAws();
    t.after(() => fake.close());
    const { code, stdout } = await runCli([
      'setup',
      '--region',
      'eu-west-1',
      '--aws-endpoint-url',
      fake.url,
      '--webhook-url',
      WEBHOOK,
    ]);
    assert.equal(code, 1);
    assert.match(stdout, /^ {2}failed\s+account/m);
    assert.match(stdout, /configure AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    assert.equal(fake.requests.length, 0);
  });

  it('custom names, event types, signature version, delivery policy and tracking domain reach AWS', async (t) => {
    const { fake, cli } = await fakeAws(t);
    const { code, stdout } = await cli(
      'setup',
      '--webhook-url',
      WEBHOOK,
      '--configuration-set',
      'acme-mail',
      '--topic',
      'acme-events',
      '--event-types',
      'bounce, complaint,delivery-delay',
      '--signature-version',
      '1',
      '--delivery-policy',
      '{"healthyRetryPolicy":{"numRetries":5}}',
      '--custom-redirect-domain',
      'click.acme.example',
      '--https-policy',
      'require',
    );
    assert.equal(code, 0, stdout);
    assert.deepEqual(JSON.parse(fake.calls('ses', 'CreateConfigurationSet')[0].body), {
      ConfigurationSetName: 'acme-mail',
      TrackingOptions: { CustomRedirectDomain: 'click.acme.example', HttpsPolicy: 'REQUIRE' },
    });
    assert.deepEqual(
      JSON.parse(fake.calls('ses', 'CreateConfigurationSetEventDestination')[0].body).EventDestination
        .MatchingEventTypes,
      ['BOUNCE', 'COMPLAINT', 'DELIVERY_DELAY'],
    );
    const attributes = Object.fromEntries(
      fake.calls('sns', 'SetTopicAttributes').map((r) => [r.params.AttributeName, r.params.AttributeValue]),
    );
    assert.equal(attributes.SignatureVersion, undefined, 'a new topic already signs with version 1');
    assert.deepEqual(JSON.parse(attributes.DeliveryPolicy), {
      http: { defaultHealthyRetryPolicy: { numRetries: 5 }, disableSubscriptionOverrides: false },
    });
    assert.equal(fake.calls('sns', 'CreateTopic')[0].params.Name, 'acme-events');

    const bad = await cli('setup', '--webhook-url', WEBHOOK, '--event-types', 'bounce,opened');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--event-types: unknown OPENED; choose from send, reject/);
  });
});

describe("kuratchi-ses setup --topic-arn: a topic of yours (the seed's call from the command line)", () => {
  const sesStatement = (topicArn) => ({
    Sid: 'AllowSes',
    Effect: 'Allow',
    Principal: { Service: 'ses.amazonaws.com' },
    Action: 'sns:Publish',
    Resource: topicArn,
    Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT } },
  });

  it('uses the topic as given, subscribes nothing without --webhook-url, and teardown keeps the topic', async (t) => {
    const { fake, cli } = await fakeAws(t);
    const arn = `arn:aws:sns:eu-west-1:${ACCOUNT}:ses-events`;
    addTopic(fake, 'ses-events', [sesStatement(arn)]);
    const setup = await cli('setup', '--topic-arn', arn, '--configuration-set', 'acme');
    assert.equal(setup.code, 0, setup.stdout + setup.stderr);
    assert.match(
      setup.stdout,
      /^ {2}unchanged\s+topic\s+your topic arn:aws:sns:eu-west-1:123456789012:ses-events exists/m,
    );
    assert.match(setup.stdout, /^ {2}unchanged\s+topic-policy\s+your topic's policy lets SES publish/m);
    assert.match(setup.stdout, /^next: no webhook is subscribed \(no webhookUrl\): subscribe your HTTPS endpoint/m);
    assert.deepEqual(
      actions(fake).filter((a) => MUTATING.test(a.split(':')[1])),
      ['ses:CreateConfigurationSet', 'ses:CreateConfigurationSetEventDestination'],
    );
    assert.equal(fake.calls('sqs').length, 0);
    assert.equal(
      JSON.parse(fake.calls('ses', 'CreateConfigurationSetEventDestination')[0].body).EventDestination.SnsDestination
        .TopicArn,
      arn,
    );

    const teardown = await cli('teardown', '--topic-arn', arn, '--configuration-set', 'acme', '--yes', '--force');
    assert.equal(teardown.code, 0, teardown.stdout);
    assert.match(teardown.stdout, /^ {2}kept\s+topic\s+the topic .*ses-events is yours \(snsTopicArn\)/m);
    assert.ok(fake.state.topics.has(arn), 'the topic of yours is still there');
    assert.equal(fake.calls('sns', 'DeleteTopic').length, 0);
  });

  it('a topic whose policy does not let SES publish: action-needed, the statement printed, the policy untouched', async (t) => {
    const { fake, cli } = await fakeAws(t);
    const arn = addTopic(fake, 'ses-events');
    const setup = await cli('setup', '--topic-arn', arn, '--json');
    assert.equal(setup.code, 0, setup.stdout);
    const report = JSON.parse(setup.stdout);
    assert.equal(report.steps.find((s) => s.step === 'topic-policy').status, 'action-needed');
    assert.match(report.nextSteps[0], /^add this statement to the access policy of your topic /);
    assert.equal(fake.calls('sns', 'SetTopicAttributes').length, 0);
    const text = await cli('setup', '--topic-arn', arn);
    assert.match(text.stdout, /^ {2}action-needed\s+topic-policy\s+/m);
    assert.match(text.stdout, /^next: add this statement .*"Principal":\{"Service":"ses\.amazonaws\.com"\}/m);
    // A topic of another region is refused before any call.
    const elsewhere = await cli('setup', '--topic-arn', arn.replace('eu-west-1', 'us-east-1'));
    assert.equal(elsewhere.code, 2, elsewhere.stdout + elsewhere.stderr);
    assert.match(elsewhere.stderr, /snsTopicArn: is a topic of us-east-1, not of region eu-west-1/);
  });
});

describe('kuratchi-ses teardown against a local AWS endpoint', () => {
  it('removes what setup created; run again, everything is absent', async (t) => {
    const { fake, cli } = await fakeAws(t);
    assert.equal((await cli('setup', '--webhook-url', WEBHOOK)).code, 0);
    fake.confirmSubscriptions();

    const plan = await cli('teardown', '--dry-run');
    assert.equal(plan.code, 0);
    assert.match(plan.stdout, /^ {2}planned\s+topic\s+delete the SNS topic kuratchi-ses-events/m);
    assert.equal(fake.state.topics.size, 1, 'the dry run deleted nothing');

    const { code, stdout } = await cli('teardown', '--yes', '--webhook-url', WEBHOOK);
    assert.equal(code, 0, stdout);
    for (const step of ['event-destination', 'configuration-set', 'subscription', 'topic', 'dead-letter-queue'])
      assert.match(stdout, new RegExp(`^  deleted\\s+${step}\\s`, 'm'));
    assert.equal(fake.state.topics.size, 0);
    assert.equal(fake.state.configurationSets.size, 0);
    assert.equal(fake.state.subscriptions.size, 0);
    assert.equal(fake.state.queues.size, 0);

    const again = await cli('teardown', '--yes', '--json');
    assert.equal(again.code, 0);
    assert.deepEqual(
      JSON.parse(again.stdout).steps.map((s) => [s.step, s.status]),
      [
        ['account', 'unchanged'],
        ['event-destination', 'absent'],
        ['firehose-event-destination', 'absent'],
        ['configuration-set', 'absent'],
        ['subscription', 'absent'],
        ['topic', 'absent'],
        ['dead-letter-queue', 'absent'],
      ],
    );

    const status = await cli('status');
    assert.equal(status.code, 1);
    assert.match(status.stdout, /problem: the SNS topic .* does not exist: run `kuratchi-ses setup`/);
  });
});
