// One vocabulary of flags across `kuratchi-ses` (src/cli/flags.ts): the new spellings, the old
// ones still accepted for one release with a warning naming the new one, usage errors (exit 2)
// for unknown or ill-typed flags, and `--help` grouped by audience. Runs the built CLI against a
// local HTTP server on 127.0.0.1 that records what it was asked.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from './cli-run.mjs';

const TOKEN = 'x'.repeat(40);
const ENV = { KURATCHI_OPS_TOKEN: TOKEN };

/** A dashboard stand-in: records each request and answers what `answer` returns (JSON, 200). */
async function dashboard(t, answer = () => ({})) {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const request = { method: req.method, url: req.url, body };
      requests.push(request);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(request)));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${server.address().port}`, requests };
}

const DEAD_LETTERS = { counts: {}, deadLetters: [], next: null };

const organization = (request) => {
  const { id, name } = JSON.parse(request.body || '{}');
  return { organization: { id, name, kind: 'durable-object', binding: 'ORG_DO', movingSince: null, createdAt: 0 } };
};

describe('kuratchi-ses flags: one vocabulary', { concurrency: true }, () => {
  it('--dashboard-url reaches the dashboard, without a warning', async (t) => {
    const dash = await dashboard(t, () => DEAD_LETTERS);
    const { code, stderr } = await runCli(
      ['dead-letters', 'list', '--dashboard-url', dash.url, '--request-timeout-ms', '5000'],
      { env: ENV },
    );
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    assert.deepEqual(
      dash.requests.map((r) => `${r.method} ${r.url}`),
      ['GET /api/ops/dead-letters?limit=20'],
    );
  });

  it('the old --url and --timeout still work, each with a warning naming the new flag', async (t) => {
    const dash = await dashboard(t, () => DEAD_LETTERS);
    const { code, stderr } = await runCli(['dead-letters', 'list', '--url', dash.url, '--timeout', '5000'], {
      env: ENV,
    });
    assert.equal(code, 0, stderr);
    assert.match(
      stderr,
      /kuratchi-ses dead-letters: --url is deprecated, use --dashboard-url; the old spelling works until the next release/,
    );
    assert.match(stderr, /--timeout is deprecated, use --request-timeout-ms/);
    assert.equal(dash.requests.length, 1);
  });

  it('org create: --org names the new organisation; the old --id still does, with a warning', async (t) => {
    const dash = await dashboard(t, organization);
    const created = await runCli(['org', 'create', '--dashboard-url', dash.url, '--org', 'org-new', '--name', 'New'], {
      env: ENV,
    });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stderr, '');
    const old = await runCli(['org', 'create', '--url', dash.url, '--id', 'org-old', '--name', 'Old'], { env: ENV });
    assert.equal(old.code, 0, old.stderr);
    assert.match(old.stderr, /--id is deprecated, use --org/);
    assert.match(old.stderr, /--url is deprecated, use --dashboard-url/);
    assert.deepEqual(
      dash.requests.map((r) => JSON.parse(r.body).id),
      ['org-new', 'org-old'],
    );
  });

  it('replay: --webhook-url is the webhook; the old --url maps to it there', async (t) => {
    const hook = await dashboard(t);
    const dir = await mkdtemp(join(tmpdir(), 'kuratchi-flags-'));
    const file = join(dir, 'message.json');
    await writeFile(
      file,
      JSON.stringify({ Type: 'Notification', MessageId: 'm-1', TopicArn: 'arn:aws:sns:us-east-1:123456789012:t' }),
    );
    const now = await runCli(['replay', file, '--webhook-url', `${hook.url}/hook`, '--request-timeout-ms', '5000']);
    assert.equal(now.code, 0, now.stderr);
    assert.equal(now.stderr, '');
    const old = await runCli(['replay', file, '--url', `${hook.url}/hook`, '--timeout', '5000']);
    assert.equal(old.code, 0, old.stderr);
    assert.match(old.stderr, /kuratchi-ses replay: --url is deprecated, use --webhook-url/);
    assert.match(old.stderr, /--timeout is deprecated, use --request-timeout-ms/);
    assert.deepEqual(
      hook.requests.map((r) => `${r.method} ${r.url}`),
      ['POST /hook', 'POST /hook'],
    );
  });

  it('--batch is --page-size and canary --poll is --poll-ms (× 1000): checked under the new name', async () => {
    const batch = await runCli(['reclassify', '--dashboard-url', 'http://127.0.0.1:9', '--org', 'o', '--batch', '500']);
    assert.equal(batch.code, 2);
    assert.match(batch.stderr, /--batch is deprecated, use --page-size/);
    assert.match(batch.stderr, /--page-size must be a whole number from 1 to 100, not "500"/);

    const poll = await runCli(['canary', '--dashboard-url', 'http://127.0.0.1:9', '--poll', '601']);
    assert.equal(poll.code, 2);
    assert.match(poll.stderr, /--poll is deprecated, use --poll-ms \(the old value × 1000\)/);
    assert.match(poll.stderr, /--poll-ms must be a whole number from 100 to 600000, not "601000"/);

    const timeout = await runCli(['canary', '--dashboard-url', 'http://127.0.0.1:9', '--timeout', 'soon']);
    assert.equal(timeout.code, 2);
    assert.match(timeout.stderr, /canary: --timeout is deprecated, use --deadline-seconds/);
    assert.match(timeout.stderr, /--deadline-seconds must be a whole number from 1 to 86400, not "soon"/);
  });

  it('an old and a new spelling together are a usage error', async () => {
    const both = await runCli([
      'dead-letters',
      'list',
      '--url',
      'http://127.0.0.1:9',
      '--dashboard-url',
      'http://127.0.0.1:9',
    ]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--url is the old spelling of --dashboard-url: pass only --dashboard-url/);
  });

  for (const [args, message] of [
    [['reconcile', '--dashboard-url', 'http://127.0.0.1:9', '--nope'], /Unknown option '--nope'/],
    [
      ['reconcile', '--dashboard-url', 'http://127.0.0.1:9', '--page-size', 'ten'],
      /--page-size must be a whole number from 1 to 300, not "ten"/,
    ],
    [
      ['reconcile', '--dashboard-url', 'http://127.0.0.1:9', '--request-timeout-ms', '1.5'],
      /--request-timeout-ms must be a whole number/,
    ],
    [['reconcile', '--dashboard-url', 'dash.example.com'], /--dashboard-url must be an absolute URL/],
    [
      ['reconcile', '--dashboard-url', 'ftp://dash.example.com'],
      /--dashboard-url must be an http:\/\/ or https:\/\/ URL/,
    ],
    [['reconcile'], /--dashboard-url is required: the deployment's dashboard/],
    [['reconcile', '--dashboard-url', 'http://127.0.0.1:9', '--org'], /Option '--org <value>' argument missing/],
    [['simulate', '--dashboard-url', 'http://127.0.0.1:9/hook'], /Unknown option '--dashboard-url'/],
  ]) {
    it(`usage error (exit 2): ${args.slice(1).join(' ') || '(no flags)'}`, async () => {
      const { code, stdout, stderr } = await runCli(args);
      assert.equal(code, 2, stdout);
      assert.match(stderr, message);
      assert.match(stderr, new RegExp(`Run \`kuratchi-ses ${args[0]} --help\` for usage\\.`));
    });
  }

  it("no command's options use an old spelling, and each shared flag keeps its one meaning", async () => {
    const { stdout } = await runCli(['--help']);
    const commands = [...stdout.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]);
    assert.equal(commands.length, 20, commands.join(', '));
    const meanings = new Map();
    for (const command of commands) {
      const help = (await runCli([command, '--help'])).stdout;
      // One line per flag: continuation lines joined.
      const options = help
        .split('Options:\n')[1]
        .split('\n\n')[0]
        .replace(/\n {4,}/g, ' ');
      for (const old of ['url', 'timeout', 'request-timeout', 'batch', 'poll', 'id']) {
        assert.doesNotMatch(options, new RegExp(`^ {2}--${old} `, 'm'), `${command} --help offers --${old}`);
      }
      for (const [, flag, meaning] of options.matchAll(/^ {2}--([a-z-]+)(?: \S+)? +(?:required: )?([^;(\n]+)/gm)) {
        if (!['dashboard-url', 'webhook-url', 'request-timeout-ms', 'page-size', 'poll-ms', 'org'].includes(flag))
          continue;
        const before = meanings.get(flag);
        if (before) assert.equal(meaning.trim(), before, `--${flag} means something else in ${command}`);
        else meanings.set(flag, meaning.trim());
      }
    }
    assert.equal(meanings.size, 6, [...meanings.keys()].join(', '));
  });

  it('--help groups the commands by audience', async () => {
    const { code, stdout } = await runCli(['--help']);
    assert.equal(code, 0);
    const groups = stdout
      .split(/\n\n/)
      .filter((block) => /^\S.*:\n {2}\S/.test(block) && !block.startsWith('Exit codes'));
    const names = (block) => [...block.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);
    assert.deepEqual(
      groups.map((block) => [block.split('\n')[0].split(' (')[0], names(block)]),
      [
        ['Deploying the dashboard', ['deploy']],
        ['Setting AWS up', ['setup', 'status', 'teardown']],
        [
          'Operating a deployment',
          [
            'dead-letters',
            'replay',
            'redrive',
            'import',
            'reclassify',
            'rebuild',
            'reconcile',
            'org',
            'user',
            'canary',
            'reputation',
            'suppressions',
            'webhooks',
          ],
        ],
        ['Offline tools', ['verify', 'verify-proof', 'simulate']],
      ],
    );
  });
});
