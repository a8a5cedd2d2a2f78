// `kuratchi-ses redrive` against the built dashboard Worker (the bundle `wrangler deploy --dry-run`
// makes, served by miniflare on 127.0.0.1 with local D1): the drain loop of the built CLI runs
// in-process with the real SQSClient stubbed by aws-sdk-client-mock, so the test can check that a
// message is deleted from SQS only after the Worker answered 200 for it; the CLI runs as a process
// for its usage errors. The Worker runs on the real clock: every time derives from one Date.now().
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildSesEvent, createSnsSigner } from 'kuratchi-sdk/email/testing';
import { root, runCli, startBuiltWorker } from './built-worker.mjs';

const require = createRequire(join(root, 'apps/dashboard/package.json'));
const sdkDir = dirname(require.resolve('kuratchi-sdk/package.json'));
const sdkRequire = createRequire(join(sdkDir, 'package.json'));
// The SDK's own copies, so the classes the mock matches are those the CLI sends.
const { SQSClient, ReceiveMessageCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand } =
  sdkRequire('@aws-sdk/client-sqs');
const { mockClient } = sdkRequire('aws-sdk-client-mock');
const { drainDeadLetterQueue } = await import(pathToFileURL(join(sdkDir, 'dist/cli/sqs-redrive.js')).href);
const { opsApi } = await import(pathToFileURL(join(sdkDir, 'dist/cli/ops-api.js')).href);

const TOKEN = 'redrive-cli-test-token-0123456789abcdef';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/kuratchi-ses-events-dlq';
const NOW = Date.now();
const HOUR = 3_600_000;

let mf;
let url;
let acme;
let signer;

before(async () => {
  signer = await createSnsSigner();
  const certUrl = signer.certUrlFor(TOPIC);
  let admin;
  ({ mf, url, admin, acme } = await startBuiltWorker(
    { KURATCHI_ALLOWED_TOPIC_ARNS: TOPIC, KURATCHI_OPS_TOKEN: TOKEN },
    {
      // The Worker's only outbound request: the signing certificate, at its SNS URL.
      outboundService: (request) =>
        request.url === certUrl ? new Response(signer.certificatePem) : new Response('not found', { status: 404 }),
    },
  ));
  // org-gone names a D1 binding this Worker lacks: its events answer 503 (a retry can fix it).
  await admin.batch([
    admin.prepare(
      "INSERT INTO organizations (id, name, database_binding, created_at) VALUES ('org-gone', 'Gone', 'ORG_DB_GONE', 0)",
    ),
    admin.prepare("INSERT INTO email_message_lookup VALUES ('ses-a', 'org-acme', 'email-a', 0)"),
    admin.prepare("INSERT INTO email_message_lookup VALUES ('ses-g', 'org-gone', 'email-g', 0)"),
  ]);
  await acme
    .prepare(
      "INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES ('email-a', 'r@example.com', 's@example.com', 'Hi', 'sent', 'ses-a', 1, 1)",
    )
    .run();
});

after(async () => {
  await mf?.dispose();
});

/** The body SNS moves to the dead-letter queue: its signed envelope, published `ageMs` ago. */
async function dead(sesMessageId, ageMs, eventType = 'Delivery') {
  const event = buildSesEvent({
    eventType,
    messageId: sesMessageId,
    recipients: ['r@example.com'],
    time: new Date(NOW - ageMs - 60_000),
  });
  return JSON.stringify(
    await signer.sign({
      Type: 'Notification',
      MessageId: crypto.randomUUID(),
      TopicArn: TOPIC,
      Message: JSON.stringify(event),
      Timestamp: new Date(NOW - ageMs).toISOString(),
    }),
  );
}

const sqsMessage = (id, Body) => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body });

/** A mocked queue that hands out these batches, then nothing; every call is logged in `log`. */
function mockedQueue(batches, log) {
  const sqs = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });
  const mock = mockClient(sqs);
  const total = batches.flat().length;
  mock.on(GetQueueAttributesCommand).resolvesOnce({ Attributes: { ApproximateNumberOfMessages: String(total) } });
  mock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
  let receive = mock.on(ReceiveMessageCommand);
  for (const batch of batches) receive = receive.resolvesOnce({ Messages: batch });
  receive.resolves({ Messages: [] });
  mock.on(DeleteMessageBatchCommand).callsFake((input) => {
    log.push(`delete ${input.Entries.map((e) => e.ReceiptHandle).join(',')}`);
    return { Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] };
  });
  return { sqs, mock };
}

/** The ops API client, its answers logged before any delete can happen. */
function loggedApi(log, token = TOKEN) {
  const api = opsApi(new URL(url), { KURATCHI_OPS_TOKEN: token }, 30_000);
  return {
    get: api.get,
    async post(path, body) {
      const answer = await api.post(path, body);
      log.push(`answered ${answer.results.map((r) => r.status).join(',')}`);
      return answer;
    },
  };
}

const progress = () => ({ tick() {}, stop() {} });
const drain = (sqs, api, extra = {}) =>
  drainDeadLetterQueue({
    sqs,
    api,
    queueUrl: QUEUE_URL,
    batch: 2,
    visibilityTimeout: 300,
    deleteRefused: false,
    progress,
    ...extra,
  });

describe('redrive: the drain loop against the built Worker', () => {
  it('deletes only what the Worker answered 200, after its answer; keeps 5xx and refused; a second run finds duplicates', async () => {
    const genuine = await dead('ses-a', 3 * HOUR);
    const forged = JSON.stringify({ ...JSON.parse(genuine), Message: JSON.parse(genuine).Message.replace('r@', 'x@') });
    const unavailable = await dead('ses-g', 2 * HOUR);
    const log = [];
    const { sqs, mock } = mockedQueue(
      [
        [sqsMessage('m1', genuine), sqsMessage('m2', forged)],
        [sqsMessage('m3', unavailable), sqsMessage('m4', 'not an SNS message')],
      ],
      log,
    );
    const report = await drain(sqs, loggedApi(log));

    assert.deepEqual(log, ['answered 200,403', 'delete rh-m1', 'answered 503,400']);
    assert.equal(report.redriven, 4);
    assert.deepEqual(report.outcomes, { applied: 1, forbidden: 1, unavailable: 1, malformed: 1 });
    assert.equal(report.deleted, 1);
    assert.deepEqual(
      report.refused.map((m) => [m.sqsMessageId, m.status]),
      [
        ['m2', 403],
        ['m4', 400],
      ],
    );
    assert.deepEqual(
      report.retry.map((m) => [m.sqsMessageId, m.status, m.outcome]),
      [['m3', 503, 'unavailable']],
    );
    assert.equal(report.error, undefined);
    // Short poll, at most `batch`, hidden while redriven.
    assert.deepEqual(mock.commandCalls(ReceiveMessageCommand)[0].args[0].input, {
      QueueUrl: QUEUE_URL,
      MaxNumberOfMessages: 2,
      WaitTimeSeconds: 0,
      VisibilityTimeout: 300,
    });
    assert.deepEqual(await acme.prepare("SELECT status FROM emails WHERE id = 'email-a'").first(), {
      status: 'delivered',
    });

    // SQS hands the genuine message out again (its delete lost, say): a duplicate, deleted, no new row.
    const again = [];
    const second = mockedQueue([[sqsMessage('m1-again', genuine)]], again);
    const rerun = await drain(second.sqs, loggedApi(again));
    assert.deepEqual(again, ['answered 200', 'delete rh-m1-again']);
    assert.deepEqual(rerun.outcomes, { duplicate: 1 });
    assert.deepEqual(await acme.prepare("SELECT count(*) AS n FROM email_events WHERE email_id = 'email-a'").first(), {
      n: 1,
    });
  });

  it('with deleteRefused the refused messages are deleted too; a 5xx one never is', async () => {
    const log = [];
    const unavailable = await dead('ses-g', HOUR * 2);
    const { sqs } = mockedQueue([[sqsMessage('r1', '{"Type":"Notification"}'), sqsMessage('r2', unavailable)]], log);
    const report = await drain(sqs, loggedApi(log), { deleteRefused: true });
    assert.deepEqual(log, ['answered 400,503', 'delete rh-r1']);
    assert.equal(report.deleted, 1);
  });

  it('a Worker that refuses the token deletes nothing and says why', async () => {
    const log = [];
    const { sqs, mock } = mockedQueue([[sqsMessage('t1', await dead('ses-a', HOUR * 2))]], log);
    const api = opsApi(new URL(url), { KURATCHI_OPS_TOKEN: 'a-wrong-token-0123456789abcdef0123' }, 30_000);
    const report = await drain(sqs, api);
    assert.match(report.error, /answered HTTP 401: unauthorized.*stay in the queue/);
    assert.equal(mock.commandCalls(DeleteMessageBatchCommand).length, 0);
  });
});

describe('kuratchi-ses redrive as a process: usage', () => {
  const base = ['redrive', '--dashboard-url', 'http://127.0.0.1:9', '--queue-url', QUEUE_URL];
  const cases = [
    [['redrive', '--dashboard-url', 'http://127.0.0.1:9'], {}, /--queue-url is required/],
    [['redrive', '--queue-url', QUEUE_URL], {}, /--dashboard-url is required/],
    [[...base, '--page-size', '11'], { KURATCHI_OPS_TOKEN: TOKEN }, /--page-size must be a whole number from 1 to 10/],
    [[...base, '--visibility-timeout', '5'], { KURATCHI_OPS_TOKEN: TOKEN }, /--visibility-timeout must be/],
    [base, {}, /KURATCHI_OPS_TOKEN must be set/],
    [
      ['redrive', '--dashboard-url', 'http://127.0.0.1:9', '--queue-url', 'http://127.0.0.1:9/q'],
      { KURATCHI_OPS_TOKEN: TOKEN },
      /--region is required/,
    ],
    [[...base, '--nope'], {}, /Unknown option '--nope'/],
  ];
  for (const [args, env, message] of cases) {
    it(`exit 2: ${message.source}`, async () => {
      const { code, stderr } = await runCli(args, { env });
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
    });
  }

  it('--help documents the delete rule, exit 0', async () => {
    const { code, stdout } = await runCli(['redrive', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /deleted from the queue\s+only once the Worker answered 200/);
  });
});
