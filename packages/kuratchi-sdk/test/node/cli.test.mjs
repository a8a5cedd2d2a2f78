// The `kuratchi-ses` CLI as a process from the built package: help and exit codes, `verify` on the
// genuine AWS-signed fixtures, `replay` and `simulate` against local HTTP servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { verifySnsMessage } from 'kuratchi-sdk/internal/verify';
import { BASE_ENV, CLI, runCli } from './cli-run.mjs';

const GENUINE = fileURLToPath(new URL('../../src/lib/email/sns/fixtures/genuine/', import.meta.url));
const COMMANDS = [
  'setup',
  'status',
  'teardown',
  'verify',
  'replay',
  'simulate',
  'dead-letters',
  'reclassify',
  'redrive',
  'org',
  'rebuild',
  'reconcile',
  'verify-proof',
  'canary',
  'reputation',
  'suppressions',
  'import',
  'webhooks',
];

// Independent processes: run the tests of a block concurrently (2 cores here).
describe('kuratchi-ses: the bin, help and usage errors', { concurrency: true }, () => {
  it('is the package bin: a built file with a node shebang, executable', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.equal(pkg.bin['kuratchi-ses'], './dist/cli/kuratchi-ses.js');
    assert.match(await readFile(CLI, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    assert.ok(((await stat(CLI)).mode & 0o111) !== 0, 'dist/cli/kuratchi-ses.js is executable');
  });

  it('--help lists every command and the exit codes', async () => {
    const { code, stdout } = await runCli(['--help']);
    assert.equal(code, 0);
    for (const command of COMMANDS) assert.match(stdout, new RegExp(`^  ${command} `, 'm'));
    assert.match(stdout, /Exit codes:\n {2}0 {2}success\n {2}1 {2}failure.*\n {2}2 {2}usage/);
  });

  for (const command of COMMANDS) {
    it(`${command} --help describes its usage and exit codes`, async () => {
      const { code, stdout, stderr } = await runCli([command, '--help']);
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`^Usage: kuratchi-ses ${command}`));
      assert.match(stdout, /Exit codes:/);
      assert.match(stdout, /Example:\n {2}kuratchi-ses /);
      assert.equal((await runCli(['help', command])).stdout, stdout);
    });
  }

  it('prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.deepEqual(await runCli(['--version']), { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('usage errors exit 2 and say what to do', async () => {
    const none = await runCli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: kuratchi-ses <command>/);

    const unknown = await runCli(['launch']);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /unknown command "launch"; commands: deploy, setup, status, teardown, dead-letters, replay, redrive, import, reclassify, rebuild, reconcile, org, user, canary, reputation, suppressions, webhooks, verify, verify-proof, simulate/,
    );

    const orgAction = await runCli(['org', '--dashboard-url', 'http://127.0.0.1:9']);
    assert.equal(orgAction.code, 2);
    assert.match(orgAction.stderr, /create, list, migrate or remove is required/);
    const orgKind = await runCli(
      ['org', 'create', '--dashboard-url', 'http://127.0.0.1:9', '--org', 'org-x', '--name', 'X', '--kind', 'd1'],
      {
        env: { KURATCHI_OPS_TOKEN: 'x'.repeat(40) },
      },
    );
    assert.equal(orgKind.code, 2);
    assert.match(orgKind.stderr, /--kind d1 needs --binding/);

    const flag = await runCli(['replay', 'x.json', '--webhook-url', 'http://127.0.0.1:9', '--bogus']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--bogus'/);
    assert.match(flag.stderr, /Run `kuratchi-ses replay --help` for usage\./);

    const missing = await runCli(['setup', '--webhook-url', 'https://dash.example.com/api/webhooks/ses-events']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--region is required \(or set AWS_REGION\)/);

    const invalid = await runCli([
      'setup',
      '--region',
      'eu-west-1',
      '--webhook-url',
      'http://dash.example.com/hook',
      '--dry-run',
    ]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /webhookUrl: must be an https:\/\/ URL/);

    const teardown = await runCli(['teardown', '--region', 'eu-west-1']);
    assert.equal(teardown.code, 2);
    assert.match(teardown.stderr, /pass --yes to confirm, or --dry-run/);

    const region = await runCli(['status']);
    assert.equal(region.code, 2);
    assert.match(region.stderr, /--region is required \(or set AWS_REGION\)/);

    const token = await runCli(['dead-letters', 'list', '--dashboard-url', 'http://127.0.0.1:9']);
    assert.equal(token.code, 2);
    assert.match(token.stderr, /KURATCHI_OPS_TOKEN must be set to the dashboard's operations token/);

    const reason = await runCli(
      ['dead-letters', 'replay', '--dashboard-url', 'http://127.0.0.1:9', '--reason', 'lost'],
      {
        env: { KURATCHI_OPS_TOKEN: 'x' },
      },
    );
    assert.equal(reason.code, 2);
    assert.match(
      reason.stderr,
      /--reason must be one of no-route, org-moving, email-missing, email-mismatch, park-full/,
    );

    const org = await runCli(['reclassify', '--dashboard-url', 'http://127.0.0.1:9'], {
      env: { KURATCHI_OPS_TOKEN: 'x' },
    });
    assert.equal(org.code, 2);
    assert.match(org.stderr, /--org is required/);
  });

  it('never sends a secret over plain http:// to another machine (the ops token, a Basic credential)', async () => {
    const token = { env: { KURATCHI_OPS_TOKEN: 'x'.repeat(40) } };
    const ops = await runCli(['org', 'list', '--dashboard-url', 'http://dash.example.com'], token);
    assert.equal(ops.code, 2, ops.stdout + ops.stderr);
    assert.match(
      ops.stderr,
      /--dashboard-url is http:\/\/ on dash\.example\.com: KURATCHI_OPS_TOKEN would cross the network/,
    );
    const basic = await runCli([
      'replay',
      'x.json',
      '--webhook-url',
      'http://sns:pw@dash.example.com/api/webhooks/ses-events',
    ]);
    assert.equal(basic.code, 2, basic.stdout + basic.stderr);
    assert.match(basic.stderr, /--webhook-url is http:\/\/ on dash\.example\.com: the webhook's Basic credential/);
    // A loopback host (the demo) may be plain http: the refusal is not what stops these.
    const local = await runCli(['org', 'list', '--dashboard-url', 'http://127.0.0.1:9'], token);
    assert.equal(local.code, 1, local.stdout + local.stderr);
    assert.doesNotMatch(local.stderr, /clear text/);
  });

  it('setup --dry-run prints the plan and calls nothing (no credentials needed)', async () => {
    const { code, stdout } = await runCli([
      'setup',
      '--region',
      'eu-west-1',
      '--account-id',
      '123456789012',
      '--webhook-url',
      'https://u:secret@dash.example.com/api/webhooks/ses-events',
      '--dry-run',
    ]);
    assert.equal(code, 0);
    assert.match(stdout, /dry run: nothing was called/);
    assert.match(
      stdout,
      /planned\s+topic-policy\s+allow ses\.amazonaws\.com .*arn:aws:ses:eu-west-1:123456789012:configuration-set\/kuratchi-email-tracking/,
    );
    assert.match(stdout, /https:\/\/u:\*\*\*\*@dash\.example\.com/);
    assert.doesNotMatch(stdout, /secret/);
  });
});

describe('kuratchi-ses verify: the genuine AWS-signed messages', { concurrency: true }, () => {
  // One of each kind (the library's own tests verify all 19 in workerd): signature versions 1
  // and 2, both confirmation types, Lambda's record spelling, a 2012 message.
  const REPRESENTATIVE = [
    'us-west-2-notification-v2',
    'us-west-2-notification-v1',
    'us-west-2-subscription-confirmation-v1',
    'us-west-2-unsubscribe-confirmation-v2',
    'us-east-1-lambda-notification-subject-null-v1-2020',
    'eu-west-1-notification-subject-v1-2012',
  ];

  it('genuine messages verify offline with their certificate, as of their own Timestamp', async () => {
    const all = (await readdir(GENUINE)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    for (const name of REPRESENTATIVE) assert.ok(all.includes(name), `fixture ${name} exists`);
    await Promise.all(
      REPRESENTATIVE.map(async (name) => {
        const message = JSON.parse(await readFile(join(GENUINE, `${name}.json`), 'utf8'));
        const { code, stdout, stderr } = await runCli([
          'verify',
          join(GENUINE, `${name}.json`),
          '--cert',
          join(GENUINE, `${name}.pem`),
          '--at',
          message.Timestamp,
        ]);
        assert.equal(code, 0, `${name}: ${stdout}${stderr}`);
        assert.match(stdout, new RegExp(`^valid: ${message.Type} ${message.MessageId} from ${message.TopicArn}`));
      }),
    );
  });

  it('us-west-2-notification-v2 as JSON; a tampered copy exits 1 with the reason', async () => {
    const file = join(GENUINE, 'us-west-2-notification-v2.json');
    const cert = join(GENUINE, 'us-west-2-notification-v2.pem');
    const at = '2026-03-06T20:00:26.893Z';
    const ok = await runCli(['verify', file, '--cert', cert, '--at', at, '--json']);
    assert.equal(ok.code, 0);
    assert.deepEqual(JSON.parse(ok.stdout), {
      valid: true,
      type: 'Notification',
      messageId: '9d2c5580-b61d-550c-8583-37a582870907',
      topicArn: 'arn:aws:sns:us-west-2:131990247566:dongie-standard-topic',
      topicChecked: false,
      signatureVersion: '2',
      timestamp: at,
    });
    // Any topic is accepted only without --topic-arn, and the text says the topic was not checked.
    const unchecked = await runCli(['verify', file, '--cert', cert, '--at', at]);
    assert.match(unchecked.stdout, /dongie-standard-topic \(topic not checked\)/);
    assert.match(unchecked.stderr, /hint: .*--topic-arn/);
    const topic = 'arn:aws:sns:us-west-2:131990247566:dongie-standard-topic';
    const checked = await runCli(['verify', file, '--cert', cert, '--at', at, '--topic-arn', topic, '--json']);
    assert.equal(checked.code, 0, checked.stderr);
    assert.equal(JSON.parse(checked.stdout).topicChecked, true);

    const dir = await mkdtemp(join(tmpdir(), 'kuratchi-verify-'));
    const tampered = JSON.parse(await readFile(file, 'utf8'));
    tampered.Message = tampered.Message.replace('version 2', 'version 3');
    await writeFile(join(dir, 'tampered.json'), JSON.stringify(tampered));
    const bad = await runCli(['verify', join(dir, 'tampered.json'), '--cert', cert, '--at', at]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, 'invalid: signature-mismatch: signature does not match the message\n');
  });

  it('explains the failures a stored message usually meets', async () => {
    const file = join(GENUINE, 'us-west-2-notification-v2.json');
    const old = await runCli(['verify', file, '--cert', join(GENUINE, 'us-west-2-notification-v2.pem')]);
    assert.equal(old.code, 1);
    assert.match(old.stdout, /^invalid: timestamp-too-old/);
    assert.match(old.stderr, /hint: .*pass --at 2026-03-06T20:00:26\.893Z/);

    const wrongCert = await runCli([
      'verify',
      file,
      '--cert',
      join(GENUINE, 'eu-central-1-subscription-confirmation-v2.pem'),
      '--at',
      '2026-03-06T20:00:26.893Z',
    ]);
    assert.equal(wrongCert.code, 1);
    assert.match(wrongCert.stdout, /^invalid: certificate-expired/);

    const topic = await runCli([
      'verify',
      file,
      '--cert',
      join(GENUINE, 'us-west-2-notification-v2.pem'),
      '--at',
      '2026-03-06T20:00:26.893Z',
      '--topic-arn',
      'arn:aws:sns:us-west-2:123456789012:other',
    ]);
    assert.equal(topic.code, 1);
    assert.match(topic.stdout, /^invalid: topic-not-allowed/);

    assert.equal((await runCli(['verify', join(GENUINE, 'missing.json')])).code, 2);
    assert.equal((await runCli(['verify', file, '--at', 'yesterday'])).code, 2);
    assert.equal((await runCli(['verify', file, '--cert', file])).code, 2);
  });
});

/** A webhook stand-in on 127.0.0.1 that records every POST and answers with `answer(body)`; closed after the test. */
async function webhook(t, answer) {
  const posts = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    posts.push({ method: req.method, url: req.url, headers: req.headers, body });
    res.writeHead(await answer(body, req));
    res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${server.address().port}/api/webhooks/ses-events`, posts };
}

describe('kuratchi-ses replay', () => {
  const message = (id, type = 'Notification') => ({
    Type: type,
    MessageId: id,
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events',
    Message: '{}',
    Timestamp: '2026-11-28T12:00:00.000Z',
    SignatureVersion: '2',
    Signature: 'c2ln',
    SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/x.pem',
  });

  async function storedMessages() {
    const dir = await mkdtemp(join(tmpdir(), 'kuratchi-replay-'));
    // One message per file, posted byte for byte (pretty-printed here).
    await writeFile(join(dir, 'a-single.json'), JSON.stringify(message('m-1'), null, 2));
    await writeFile(
      join(dir, 'b-array.json'),
      JSON.stringify([message('m-2'), message('m-3', 'SubscriptionConfirmation')]),
    );
    await writeFile(
      join(dir, 'c-lines.jsonl'),
      `${JSON.stringify(message('m-4'))}\n${JSON.stringify(message('m-5'))}\n`,
    );
    await writeFile(join(dir, 'ignored.txt'), 'not a message file');
    return dir;
  }

  it('re-POSTs every stored message as SNS does and summarises the statuses', async (t) => {
    const dir = await storedMessages();
    const hook = await webhook(t, (body) => (JSON.parse(body).MessageId === 'm-4' ? 403 : 200));
    const url = hook.url.replace('http://', 'http://sns:p%40ss@');
    const { code, stdout, stderr } = await runCli(['replay', dir, '--webhook-url', url, '--concurrency', '2']);
    assert.equal(code, 1, stderr);
    assert.match(
      stdout,
      /^replayed 5 message\(s\) to http:\/\/sns:\*\*\*\*@127\.0\.0\.1:\d+\/api\/webhooks\/ses-events: (200 x4, 403 x1|403 x1, 200 x4)\n/,
    );
    assert.match(stdout, /^ {2}403 {2}.*c-lines\.jsonl:1$/m);
    assert.doesNotMatch(stdout + stderr, /p%40ss|p@ss/);

    assert.equal(hook.posts.length, 5);
    assert.deepEqual(hook.posts.map((p) => JSON.parse(p.body).MessageId).sort(), ['m-1', 'm-2', 'm-3', 'm-4', 'm-5']);
    const first = hook.posts.find((p) => p.body.includes('"m-1"'));
    assert.equal(first.body, JSON.stringify(message('m-1'), null, 2), 'a single-message file is posted byte for byte');
    assert.equal(first.method, 'POST');
    assert.equal(first.headers['content-type'], 'text/plain; charset=UTF-8');
    assert.equal(first.headers['x-amz-sns-message-type'], 'Notification');
    assert.equal(first.headers['x-amz-sns-message-id'], 'm-1');
    assert.equal(first.headers['x-amz-sns-topic-arn'], 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events');
    assert.equal(first.headers.authorization, `Basic ${Buffer.from('sns:p@ss').toString('base64')}`);
    assert.equal(
      hook.posts.find((p) => p.body.includes('"m-3"')).headers['x-amz-sns-message-type'],
      'SubscriptionConfirmation',
    );
  });

  it('exits 0 when every answer is 2xx, with a JSON summary on request; unreadable entries fail it', async (t) => {
    const dir = await storedMessages();
    const hook = await webhook(t, () => 200);
    const ok = await runCli(['replay', dir, '--webhook-url', hook.url, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), {
      url: hook.url,
      total: 5,
      statuses: { 200: 5 },
      unreadable: [],
      failures: [],
    });

    await writeFile(join(dir, 'd-junk.json'), JSON.stringify({ hello: 'world' }));
    const withJunk = await runCli(['replay', dir, '--webhook-url', hook.url]);
    assert.equal(withJunk.code, 1);
    assert.match(withJunk.stderr, /skipped .*d-junk\.json: not an SNS message/);
    assert.match(withJunk.stdout, /1 unreadable entry skipped/);
  });

  it('a webhook that does not answer is counted as an error, not a crash', async () => {
    const dir = await storedMessages();
    const closed = createServer();
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = closed.address().port;
    await new Promise((resolve) => closed.close(resolve));
    const { code, stdout } = await runCli([
      'replay',
      join(dir, 'a-single.json'),
      '--webhook-url',
      `http://127.0.0.1:${port}/hook`,
    ]);
    assert.equal(code, 1);
    assert.match(stdout, /error x1/);
    assert.match(stdout, /error ECONNREFUSED/);
  });

  it('draws its progress bar on stderr when stderr is a terminal', async (t) => {
    const dir = await storedMessages();
    const hook = await webhook(t, () => 200);
    // `script` (util-linux, Essential in Debian) runs the CLI on a pseudo-terminal.
    const quote = (text) => `'${text.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, CLI, 'replay', dir, '--webhook-url', hook.url].map(quote).join(' ');
    const output = await new Promise((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: { ...BASE_ENV, TERM: 'xterm' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, text }));
    });
    assert.equal(output.code, 0, output.text);
    assert.match(output.text, /replay \[[█░]+\] 5\/5 200:5/);
    assert.match(output.text, /replayed 5 message\(s\)/);
  });

  it('an empty directory is a usage error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kuratchi-replay-empty-'));
    const { code, stderr } = await runCli(['replay', dir, '--webhook-url', 'http://127.0.0.1:9/hook']);
    assert.equal(code, 2);
    assert.match(stderr, /no SNS message found/);
  });
});

describe('kuratchi-ses simulate', () => {
  const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';

  /** A webhook that verifies signatures with the SDK, trusting the certificate simulate wrote. */
  async function verifyingWebhook(t, certFile) {
    return webhook(t, async (body) => {
      try {
        const pem = await readFile(certFile, 'utf8');
        await verifySnsMessage(body, { fetchCertificate: async () => pem, allowedTopicArns: [TOPIC] });
        return 200;
      } catch {
        return 403;
      }
    });
  }

  it('posts signed demo events the webhook accepts, forgeries refused as expected; --key keeps the key', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'kuratchi-simulate-'));
    const certFile = join(dir, 'dev-cert.pem');
    const keyFile = join(dir, 'key.pem');
    const hook = await verifyingWebhook(t, certFile);
    const args = [
      'simulate',
      '--webhook-url',
      hook.url,
      '--topic-arn',
      TOPIC,
      '--count',
      '40',
      '--seed',
      '7',
      '--key',
      keyFile,
      '--cert-out',
      certFile,
    ];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(
      first.stdout,
      /^simulated 40 SNS POST\(s\) to http:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/ses-events \(topic arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events\): /,
    );
    assert.match(first.stdout, /event->200 x\d+/);
    assert.match(first.stderr, /signing key written to .*key\.pem/);
    assert.equal(hook.posts.length, 40);
    const kinds = new Set(hook.posts.map((p) => JSON.parse(p.body).Type));
    assert.deepEqual([...kinds], ['Notification']);
    assert.ok(hook.posts.every((p) => p.headers['content-type'] === 'text/plain; charset=UTF-8'));
    const certUrls = new Set(hook.posts.map((p) => JSON.parse(p.body).SigningCertURL));
    assert.equal(certUrls.size, 1);
    assert.match(
      [...certUrls][0],
      /^https:\/\/sns\.eu-west-1\.amazonaws\.com\/SimpleNotificationService-[0-9a-f]{32}\.pem$/,
    );
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
    const cert = await readFile(certFile, 'utf8');
    assert.match(cert, /^-----BEGIN CERTIFICATE-----\n/);

    const second = await runCli([...args.slice(0, -4), '--key', keyFile, '--cert-out', certFile, '--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(await readFile(certFile, 'utf8'), cert, 'the same key and certificate are reused');
    const summary = JSON.parse(second.stdout);
    assert.equal(summary.posted, 40);
    assert.deepEqual(summary.unexpected, []);
  });

  it('a webhook that does not trust the certificate: exit 1 and a hint on how to configure it', async (t) => {
    const hook = await webhook(t, () => 403);
    const { code, stdout, stderr } = await runCli([
      'simulate',
      '--webhook-url',
      hook.url,
      '--count',
      '5',
      '--seed',
      '1',
    ]);
    assert.equal(code, 1);
    assert.match(stdout, /answer\(s\) differed from the expected status/);
    assert.match(stderr, /-----BEGIN CERTIFICATE-----/);
    assert.match(stderr, /hint: .*KURATCHI_SNS_DEV_CERTIFICATE_PEM/);
  });

  it('events of the given emails name their SES message ids', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'kuratchi-simulate-emails-'));
    await writeFile(
      join(dir, 'emails.json'),
      JSON.stringify([{ sesMessageId: 'ses-known-1', recipient: 'ana@example.com' }]),
    );
    const certFile = join(dir, 'dev-cert.pem');
    const hook = await verifyingWebhook(t, certFile);
    const { code, stderr } = await runCli([
      'simulate',
      '--webhook-url',
      hook.url,
      '--topic-arn',
      TOPIC,
      '--count',
      '12',
      '--seed',
      '3',
      '--emails',
      join(dir, 'emails.json'),
      '--cert-out',
      certFile,
    ]);
    assert.equal(code, 0, stderr);
    const ids = hook.posts.map((p) => JSON.parse(JSON.parse(p.body).Message).mail.messageId);
    assert.ok(ids.includes('ses-known-1'), ids.join(','));

    await writeFile(join(dir, 'bad.json'), '{"not":"a list"}');
    assert.equal((await runCli(['simulate', '--webhook-url', hook.url, '--emails', join(dir, 'bad.json')])).code, 2);
  });
});
