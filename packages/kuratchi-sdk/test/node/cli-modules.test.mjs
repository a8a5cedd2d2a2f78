// What the built `kuratchi-ses` loads: each command loads only what it needs. `--help` and every
// command's help load none of the library's heavy modules, and `verify` (a consumer who only
// verifies SNS messages) never loads the AWS SDK, so the CLI starts in the time Node itself takes.
// A module loader hook (node:module register) records every module the process loads.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli } from './cli-run.mjs';

const GENUINE = fileURLToPath(new URL('../../src/lib/email/sns/fixtures/genuine/', import.meta.url));
const COMMANDS = [
  'deploy',
  'setup',
  'status',
  'teardown',
  'verify',
  'replay',
  'simulate',
  'dead-letters',
  'reclassify',
  'redrive',
  'import',
  'rebuild',
  'reconcile',
  'verify-proof',
  'canary',
  'reputation',
  'suppressions',
];

const dir = await mkdtemp(join(tmpdir(), 'kuratchi-cli-modules-'));
const hooks = join(dir, 'hooks.mjs');
await writeFile(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.KURATCHI_MODULE_LOG, url + '\\n');
  return next(url, context);
}
`,
);
const register = join(dir, 'register.mjs');
await writeFile(
  register,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
);

let runs = 0;
/** Runs the CLI; resolves to its result and the URLs of the modules it loaded. */
async function runRecorded(args) {
  const log = join(dir, `modules-${runs++}.log`);
  await writeFile(log, '');
  const result = await runCli(args, {
    env: { NODE_OPTIONS: `--import=${pathToFileURL(register).href}`, KURATCHI_MODULE_LOG: log },
  });
  const modules = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  return { ...result, modules };
}

const aws = (modules) => modules.filter((url) => url.includes('/@aws-sdk/'));
const library = (modules) => modules.filter((url) => /\/dist\/email\//.test(url));
const packages = (modules) =>
  modules.filter((url) => url.includes('/node_modules/') && !url.includes('/cli-progress/'));

describe('kuratchi-ses loads only what a command needs', { concurrency: true }, () => {
  it('--help loads no library barrel (only five helper files of its own), and no package but cli-progress', async () => {
    const { code, modules } = await runRecorded(['--help']);
    assert.equal(code, 0);
    assert.ok(
      modules.some((url) => url.endsWith('/dist/cli/main.js')),
      'the hook records the CLI modules',
    );
    // redactUrl's module, the event type names of setup's help, the AWS names rule (shared/aws-names, no imports)
    // they use, the dead-letter reasons (events/ports, no imports at run time), and import's limits
    // (ingest/firehose-limits, no imports).
    const own = library(modules);
    assert.ok(own.length <= 5, own.join('\n'));
    assert.deepEqual(
      own.filter((url) => url.endsWith('/index.js')),
      [],
    );
    assert.deepEqual(packages(modules), []);
  });

  for (const command of COMMANDS) {
    it(`${command} --help loads no AWS SDK`, async () => {
      const { code, modules } = await runRecorded([command, '--help']);
      assert.equal(code, 0);
      assert.deepEqual(aws(modules), []);
      assert.deepEqual(packages(modules), []);
    });
  }

  it('verify checks a genuine message without loading the AWS SDK, also when it fails', async () => {
    const name = 'us-east-2-notification-v2';
    const file = join(GENUINE, `${name}.json`);
    const { Timestamp } = JSON.parse(await readFile(file, 'utf8'));
    const ok = await runRecorded(['verify', file, '--cert', join(GENUINE, `${name}.pem`), '--at', Timestamp]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^valid: Notification /);
    assert.ok(
      library(ok.modules).some((url) => url.endsWith('/dist/email/sns/index.js')),
      'verify loads kuratchi-sdk/internal/verify',
    );
    assert.deepEqual(aws(ok.modules), []);

    const invalid = await runRecorded(['verify', file, '--cert', join(GENUINE, `${name}.pem`)]);
    assert.equal(invalid.code, 1);
    assert.deepEqual(aws(invalid.modules), []);

    const usage = await runRecorded(['verify', join(GENUINE, 'missing.json')]);
    assert.equal(usage.code, 2);
    assert.deepEqual(aws(usage.modules), []);
  });

  it('deploy runs without the AWS SDK (it drives wrangler)', async () => {
    const { code, stdout, modules } = await runRecorded(['deploy', '--config', join(dir, 'missing.toml')]);
    assert.equal(code, 1);
    assert.match(stdout, /cannot read the configuration/);
    assert.ok(modules.some((url) => url.endsWith('/dist/cli/deploy/run-deploy.js')));
    assert.deepEqual(aws(modules), []);
  });

  it('setup loads the AWS SDK only when it runs (the recording sees it)', async () => {
    const { code, modules } = await runRecorded([
      'setup',
      '--region',
      'eu-west-1',
      '--webhook-url',
      'https://dash.example.com/api/webhooks/ses-events',
      '--dry-run',
      '--account-id',
      '123456789012',
    ]);
    assert.equal(code, 0);
    assert.ok(aws(modules).length > 0, 'setup loads @aws-sdk/*');
  });
});
