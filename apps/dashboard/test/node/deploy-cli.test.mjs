// `kuratchi-ses deploy` as a process (the built CLI) on a copy of the production configuration in a
// scratch clone (the repository's apps/ and packages/ linked in), against a wrangler stand-in put
// first on PATH (wrangler-standin.mjs: it records every call and answers as wrangler does from an
// account it keeps in a file), offline. Then the real `wrangler deploy --dry-run` bundles the
// configuration the command wrote, as a deploy would.
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ARCHIVE_DAYS_CHOICES, archivePrefix } from 'kuratchi-sdk/internal/retention';
import { runnerImport } from 'vite';
import { DEV_CONFIG, PRODUCTION_CONFIG, ROOT, runWrangler } from '../../../../scripts/lib/wrangler.mjs';
import { runCli } from './built-worker.mjs';

const STANDIN = fileURLToPath(new URL('./wrangler-standin.mjs', import.meta.url));
const NODE_DIR = dirname(process.execPath);
const SHIPPED = readFileSync(PRODUCTION_CONFIG, 'utf8');
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
/** What a run may call and still change nothing (the dry run's and the second run's reads). */
const READS = [
  '--version',
  'whoami',
  'd1 list',
  'd1 migrations list',
  'queues info',
  'r2 bucket info',
  'r2 bucket lifecycle list',
  'secret list',
];

const BUCKET = 'kuratchi-ses-archive';
const DEFAULT_RULE = 'kuratchi-sns-archive-retention';
/** The archive's rules the deploy owns: the default's (`sns/`, `days`), then one per choice of an organisation. */
const archiveRules = (days = 45) => [
  { name: DEFAULT_RULE, prefix: 'sns/', days },
  ...ARCHIVE_DAYS_CHOICES.map((d) => ({ name: `kuratchi-sns-archive-d${d}`, prefix: archivePrefix(d), days: d })),
];
/** The command that adds `rule`, as the deploy runs it (its words, no flags: as `calls()` shows it). */
const addCommand = (rule) => `r2 bucket lifecycle add ${BUCKET} ${rule.name} ${rule.prefix} ${rule.days}`;

const scratch = mkdtempSync(join(tmpdir(), 'kuratchi-deploy-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let clones = 0;

/** An executable `name` in `dir` that runs the stand-in as that tool. */
function standInTool(dir, name, tool = name) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\nSTANDIN_TOOL=${tool} exec "${process.execPath}" "${STANDIN}" "$@"\n`);
  chmodSync(path, 0o755);
}

/**
 * A scratch clone: a copy of `config` as wrangler.toml beside links to the repository's apps/ and
 * packages/, an empty stand-in account, and a bin directory with the stand-ins (`wrangler` unless
 * `wrangler: false`, and `npm`).
 */
function clone({ config = SHIPPED, wrangler = true } = {}) {
  const dir = join(scratch, `clone-${clones++}`);
  mkdirSync(join(dir, 'state'), { recursive: true });
  symlinkSync(join(ROOT, 'apps'), join(dir, 'apps'));
  symlinkSync(join(ROOT, 'packages'), join(dir, 'packages'));
  writeFileSync(join(dir, 'wrangler.toml'), config);
  writeFileSync(join(dir, 'state', 'calls.jsonl'), '');
  const bin = join(dir, 'bin');
  standInTool(bin, 'npm');
  if (wrangler) standInTool(bin, 'wrangler');
  const env = { PATH: `${bin}:${NODE_DIR}`, STANDIN_DIR: join(dir, 'state') };
  return {
    dir,
    env,
    deploy: (args = [], extra = {}) =>
      runCli(['deploy', '--config', join(dir, 'wrangler.toml'), ...args], { env: { ...env, ...extra } }),
    config: () => readFileSync(join(dir, 'wrangler.toml'), 'utf8'),
    account: () => JSON.parse(readFileSync(join(dir, 'state', 'account.json'), 'utf8')),
    /** Changes the stand-in's account by hand (as the Cloudflare dashboard would). */
    editAccount(edit) {
      const account = JSON.parse(readFileSync(join(dir, 'state', 'account.json'), 'utf8'));
      edit(account);
      writeFileSync(join(dir, 'state', 'account.json'), JSON.stringify(account, null, 2));
    },
    /** The calls so far, each `{ tool, argv, stdin, cwd, command }` (command: its words, no flags). */
    calls: () =>
      readFileSync(join(dir, 'state', 'calls.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .map((call) => ({
          ...call,
          command:
            call.argv[0] === '--version'
              ? '--version'
              : call.argv.filter((a, i) => !a.startsWith('-') && call.argv[i - 1] !== '--config').join(' '),
        })),
    reset: () => writeFileSync(join(dir, 'state', 'calls.jsonl'), ''),
  };
}

const changing = (calls) => calls.filter((c) => c.tool === 'wrangler' && !READS.some((r) => c.command.startsWith(r)));

describe('kuratchi-ses deploy on an empty account', () => {
  const c = clone();
  let first;

  it('creates what the configuration binds, writes the id, migrates, builds, deploys and sets the token', async () => {
    first = await c.deploy();
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const calls = c.calls();
    const commands = calls.map((call) => `${call.tool} ${call.command}`);
    assert.ok(commands.includes('wrangler d1 create kuratchi-admin'), commands.join('\n'));
    assert.ok(commands.includes('wrangler r2 bucket create kuratchi-ses-archive'));
    // The archive's retention: 13 rules, the default's (sns/, 45 days) and one per choice of an
    // organisation (sns-d<days>/), from one list and 13 adds.
    assert.deepEqual(c.account().lifecycle, { [BUCKET]: archiveRules() });
    assert.equal(c.account().lifecycle[BUCKET].length, 13);
    assert.deepEqual(c.account().lifecycle[BUCKET][12], {
      name: 'kuratchi-sns-archive-d3650',
      prefix: 'sns-d3650/',
      days: 3650,
    });
    assert.equal(commands.filter((command) => command.startsWith('wrangler r2 bucket lifecycle list')).length, 1);
    assert.equal(commands.filter((command) => command.startsWith('wrangler r2 bucket lifecycle add')).length, 13);
    assert.match(first.stdout, /created\s+r2 SES_ARCHIVE lifecycle\s+sns\/ expires after 45 days\n/);
    assert.match(
      first.stdout,
      /created\s+r2 SES_ARCHIVE lifecycle\s+sns-d<days>\/ expires after <days> days \(12 rules\): created 7, 14, 30, 45, 60, 90, 180, 365, 730, 1095, 1825, 3650\n/,
    );
    assert.ok(commands.includes('wrangler d1 migrations apply ADMIN_DB'));
    // Direct mode as shipped: no queue is created.
    assert.ok(!commands.some((command) => command.startsWith('wrangler queues create')));
    // In order: the database before its migrations, the build before the deploy, the token after it.
    const at = (command) => commands.indexOf(command);
    assert.ok(at('wrangler d1 create kuratchi-admin') < at('wrangler d1 migrations apply ADMIN_DB'));
    assert.ok(at('wrangler d1 migrations apply ADMIN_DB') < at('npm run build'));
    assert.ok(at('npm run build') < at('wrangler deploy'));
    assert.ok(at('wrangler deploy') < at('wrangler secret put KURATCHI_OPS_TOKEN'));
    // The build runs in the Worker's package; wrangler always with the configuration.
    assert.equal(calls.find((call) => call.tool === 'npm').cwd, realpathSync(join(c.dir, 'apps', 'dashboard')));
    for (const call of calls.filter((x) => x.tool === 'wrangler' && x.command !== '--version'))
      assert.equal(call.argv[call.argv.indexOf('--config') + 1], join(c.dir, 'wrangler.toml'), call.command);

    // The id of the database it created is written into the configuration, and nothing else changed.
    const [db] = c.account().databases;
    const lines = c.config().split('\n');
    assert.equal(lines.filter((line) => !SHIPPED.split('\n').includes(line)).join('\n'), `database_id = "${db.uuid}"`);
    assert.equal(lines.length, SHIPPED.split('\n').length + 1);
    assert.match(c.config(), new RegExp(`database_name = "kuratchi-admin"\\ndatabase_id = "${db.uuid}"`));

    // The token: generated (43 characters of base64url), set through stdin, printed once.
    const put = calls.find((call) => call.command === 'secret put KURATCHI_OPS_TOKEN');
    assert.match(put.stdin, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(first.stdout.split(put.stdin).length - 1, 1);
    // What to do next: the webhook for setup, the allowed topic, the first superadmin.
    const url = 'https://kuratchi-dashboard.example.workers.dev';
    assert.match(
      first.stdout,
      new RegExp(`kuratchi-ses setup --region <your SES region> --webhook-url ${url}/api/webhooks/ses-events`),
    );
    assert.match(first.stdout, /kuratchi-ses deploy --topic-arn <the topic ARN setup prints>/);
    assert.match(
      first.stdout,
      new RegExp(`kuratchi-ses user create --superadmin --email <you> --dashboard-url ${url}`),
    );
  });

  it('a second run creates nothing, keeps the token and the configuration', async () => {
    const before = c.config();
    c.reset();
    const second = await c.deploy();
    assert.equal(second.code, 0, second.stdout + second.stderr);
    // Only reads, the build and the deploy itself.
    assert.deepEqual(
      changing(c.calls()).map((call) => call.command),
      ['deploy'],
    );
    assert.equal(c.config(), before);
    assert.match(second.stdout, /unchanged\s+secret KURATCHI_OPS_TOKEN\s+set before \(kept\)/);
    assert.match(second.stdout, /unchanged\s+r2 SES_ARCHIVE lifecycle\s+sns\/ expires after 45 days\n/);
    assert.match(second.stdout, /unchanged\s+r2 SES_ARCHIVE lifecycle\s+.*\(12 rules\): all unchanged\n/);
    assert.deepEqual(c.account().lifecycle, { [BUCKET]: archiveRules() });
    assert.doesNotMatch(second.stdout, /shown once/);
    assert.equal(c.account().databases.length, 1);
  });
});

describe("kuratchi-ses deploy: the archive's lifecycle rules", () => {
  const c = clone();
  /** A rule of someone else's on the same bucket: never touched. */
  const theirs = { name: 'tmp-uploads', prefix: 'tmp/', days: 1 };
  const withDays = (days) =>
    writeFileSync(
      join(c.dir, 'wrangler.toml'),
      c.config().replace(/^(# )?KURATCHI_RETENTION_ARCHIVE_DAYS = .*$/m, `KURATCHI_RETENTION_ARCHIVE_DAYS = "${days}"`),
    );
  /** The lifecycle commands of the calls since the last reset that change the bucket. */
  const lifecycleChanges = () =>
    changing(c.calls())
      .map((call) => call.command)
      .filter((command) => command.startsWith('r2 bucket lifecycle'));
  /** The bucket's rules, theirs first, each deploy appending any it re-creates. */
  const rules = () => c.account().lifecycle[BUCKET];

  it('adds ours beside a rule already on the bucket, which it keeps', async () => {
    // A first deploy creates the bucket; then someone adds a rule of their own and drops ours.
    assert.equal((await c.deploy()).code, 0);
    c.editAccount((account) => {
      account.lifecycle[BUCKET] = [theirs];
    });
    c.reset();
    const run = await c.deploy();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(lifecycleChanges(), archiveRules().map(addCommand));
    assert.deepEqual(rules(), [theirs, ...archiveRules()]);
  });

  it('follows KURATCHI_RETENTION_ARCHIVE_DAYS: only the default rule is replaced when it changes', async () => {
    withDays(7);
    c.reset();
    const changed = await c.deploy();
    assert.equal(changed.code, 0, changed.stdout + changed.stderr);
    assert.deepEqual(lifecycleChanges(), [
      `r2 bucket lifecycle remove ${BUCKET} ${DEFAULT_RULE}`,
      addCommand({ name: DEFAULT_RULE, prefix: 'sns/', days: 7 }),
    ]);
    const [, ...choices] = archiveRules(7);
    assert.deepEqual(rules(), [theirs, ...choices, { name: DEFAULT_RULE, prefix: 'sns/', days: 7 }]);
    assert.match(changed.stdout, /updated\s+r2 SES_ARCHIVE lifecycle\s+sns\/ expires after 7 days \(was 45 days\)\n/);
    assert.match(changed.stdout, /unchanged\s+r2 SES_ARCHIVE lifecycle\s+.*\(12 rules\): all unchanged\n/);

    c.reset();
    assert.equal((await c.deploy()).code, 0);
    assert.deepEqual(lifecycleChanges(), []);
  });

  it('re-creates a rule of ours deleted by hand, and replaces one whose prefix, days or state differ', async () => {
    c.editAccount((account) => {
      const bucket = account.lifecycle[BUCKET];
      account.lifecycle[BUCKET] = bucket.filter((rule) => rule.name !== 'kuratchi-sns-archive-d30');
      Object.assign(
        bucket.find((rule) => rule.name === 'kuratchi-sns-archive-d90'),
        { prefix: 'sns/' },
      );
      Object.assign(
        bucket.find((rule) => rule.name === 'kuratchi-sns-archive-d365'),
        { days: 366 },
      );
      Object.assign(
        bucket.find((rule) => rule.name === 'kuratchi-sns-archive-d730'),
        { enabled: false },
      );
    });
    c.reset();
    const run = await c.deploy();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const rule = (days) => archiveRules().find((r) => r.days === days && r.name !== DEFAULT_RULE);
    assert.deepEqual(lifecycleChanges(), [
      addCommand(rule(30)),
      `r2 bucket lifecycle remove ${BUCKET} kuratchi-sns-archive-d90`,
      addCommand(rule(90)),
      `r2 bucket lifecycle remove ${BUCKET} kuratchi-sns-archive-d365`,
      addCommand(rule(365)),
      `r2 bucket lifecycle remove ${BUCKET} kuratchi-sns-archive-d730`,
      addCommand(rule(730)),
    ]);
    assert.match(
      run.stdout,
      /updated\s+r2 SES_ARCHIVE lifecycle\s+sns-d<days>\/ expires after <days> days \(12 rules\): created 30; updated 90 \(was prefix sns\/\), 365 \(was 366 days\), 730 \(was disabled\); 8 unchanged\n/,
    );
    assert.match(run.stdout, /unchanged\s+r2 SES_ARCHIVE lifecycle\s+sns\/ expires after 7 days\n/);
    // Ours as wanted, once each; theirs kept.
    const byName = (a, b) => a.name.localeCompare(b.name);
    assert.deepEqual(rules().toSorted(byName), [theirs, ...archiveRules(7)].toSorted(byName));
  });

  it('a bad KURATCHI_RETENTION_ARCHIVE_DAYS fails the step and changes no rule', async () => {
    withDays(0);
    c.reset();
    const bad = await c.deploy();
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stdout + bad.stderr,
      /KURATCHI_RETENTION_ARCHIVE_DAYS must be a whole number of days from 1 to 3650, not "0"/,
    );
    assert.deepEqual(lifecycleChanges(), []);
  });
});

describe('kuratchi-ses deploy --dry-run', () => {
  it('runs only what reads, prints every command it would run, writes nothing', async () => {
    const c = clone();
    const run = await c.deploy(['--dry-run', '--mode', 'queued', '--topic-arn', TOPIC]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(changing(c.calls()), []);
    assert.ok(!c.calls().some((call) => call.tool === 'npm'));
    assert.equal(c.config(), SHIPPED);
    for (const command of [
      'wrangler d1 create kuratchi-admin',
      'wrangler queues create kuratchi-ses-events',
      'wrangler queues create kuratchi-ses-events-dlq',
      'wrangler r2 bucket create kuratchi-ses-archive',
      ...archiveRules().map(
        (rule) =>
          `wrangler r2 bucket lifecycle add ${BUCKET} ${rule.name} ${rule.prefix} --expire-days ${rule.days} --force`,
      ),
      'wrangler d1 migrations apply ADMIN_DB --remote',
      'npm run build',
      'wrangler deploy',
      'wrangler secret put KURATCHI_OPS_TOKEN',
    ])
      assert.ok(run.stdout.includes(`would run: ${command}`), `${command} not in:\n${run.stdout}`);
    assert.match(run.stdout, /would write queued mode and the allowed topics into/);
    assert.match(run.stdout, /nothing was changed/);
  });
});

describe('kuratchi-ses deploy --mode and --topic-arn', () => {
  const c = clone();

  it('queued mode: creates both queues and writes the queue blocks and the allowed topic', async () => {
    const run = await c.deploy(['--mode', 'queued', '--topic-arn', TOPIC]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(c.account().queues, ['kuratchi-ses-events', 'kuratchi-ses-events-dlq']);
    assert.match(c.config(), /^\[\[queues\.producers\]\]\nbinding = "SES_EVENTS_QUEUE"$/m);
    assert.match(c.config(), new RegExp(`^KURATCHI_ALLOWED_TOPIC_ARNS = "${TOPIC}"$`, 'm'));
    assert.doesNotMatch(run.stdout, /--topic-arn <the topic ARN/);
  });

  it('the written configuration deploys: wrangler deploy --dry-run bundles it with the queue', () => {
    const outdir = join(scratch, 'bundle');
    const bundled = runWrangler(['deploy', '--dry-run', '--outdir', outdir], {
      config: join(c.dir, 'wrangler.toml'),
      env: { CI: 'true' },
      timeoutMs: 300_000,
    });
    const output = bundled.stdout + bundled.stderr;
    assert.equal(bundled.status, 0, output);
    assert.match(output, /env\.ADMIN_DB \(kuratchi-admin\)\s+D1 Database/);
    assert.match(output, /env\.SES_EVENTS_QUEUE \(kuratchi-ses-events\)\s+Queue/);
    // (wrangler shortens the value it shows)
    assert.match(output, /env\.KURATCHI_ALLOWED_TOPIC_ARNS \("arn:aws:sns:eu-west-1:123456789012:/);
    assert.doesNotMatch(output, /ORG_DB_/);
  });

  it('the settings generator keeps what the deploy wrote', async () => {
    const dashboard = fileURLToPath(new URL('../..', import.meta.url));
    const { module } = await runnerImport(`${dashboard}src/lib/server/settings/reference.ts`, {
      root: dashboard,
      configFile: false,
      logLevel: 'error',
    });
    assert.equal(module.withVarsBlock(c.config()), c.config());
  });

  it('a second run with the same flags changes nothing; --mode direct comments the queue blocks out again', async () => {
    const queued = c.config();
    c.reset();
    const again = await c.deploy(['--mode', 'queued', '--topic-arn', TOPIC]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(
      changing(c.calls()).map((call) => call.command),
      ['deploy'],
    );
    assert.equal(c.config(), queued);

    const direct = await c.deploy(['--mode', 'direct']);
    assert.equal(direct.code, 0, direct.stdout + direct.stderr);
    const written = c.config().split('\n');
    const added = written.filter((line) => !SHIPPED.split('\n').includes(line));
    assert.equal(added.length, 3, added.join('\n')); // the database id, the topic and its comment
    assert.equal(written.length, SHIPPED.split('\n').length + 3);
  });
});

describe('kuratchi-ses deploy when a step fails', () => {
  it('names the step, stops there, and the same command resumes', async () => {
    const c = clone();
    const failed = await c.deploy([], { STANDIN_FAIL: 'r2 bucket create' });
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /✗ step r2 SES_ARCHIVE failed: R2 is not enabled on this account/);
    assert.match(failed.stdout, /run the same command again/);
    assert.ok(!c.calls().some((call) => call.command === 'deploy'));
    // What was done before it is kept: the database and its id in the configuration.
    const [db] = c.account().databases;
    assert.match(c.config(), new RegExp(`database_id = "${db.uuid}"`));

    c.reset();
    const resumed = await c.deploy();
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    const commands = changing(c.calls()).map((call) => call.command);
    assert.ok(!commands.includes('d1 create kuratchi-admin'));
    assert.ok(commands.includes('r2 bucket create kuratchi-ses-archive'));
    assert.equal(c.account().databases.length, 1);
  });

  it('not logged in: says how to log in, and calls nothing after whoami', async () => {
    const c = clone();
    const run = await c.deploy([], { STANDIN_LOGGED_OUT: '1' });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /✗ step account failed: not logged in to Cloudflare: run `npx wrangler login`/);
    assert.deepEqual(
      c.calls().map((call) => call.command),
      ['--version', 'whoami'],
    );
    assert.equal(c.config(), SHIPPED);
  });

  it('a configuration that cannot deploy (the demo one: placeholder ids) stops before any call', async () => {
    const c = clone({ config: readFileSync(DEV_CONFIG, 'utf8') });
    const run = await c.deploy();
    assert.equal(run.code, 1);
    assert.match(run.stdout, /cannot deploy the dashboard/);
    assert.match(run.stdout, /D1 ADMIN_DB: database_id "00000000-0000-4000-8000-000000000001" is a placeholder/);
    assert.match(run.stdout, /D1 ORG_DB_ACME: database_id .* is a placeholder/);
    assert.deepEqual(c.calls(), []);
  });
});

describe('which wrangler kuratchi-ses deploy runs', () => {
  it("the clone's node_modules/.bin/wrangler when PATH has none", async () => {
    const c = clone({ wrangler: false });
    standInTool(join(c.dir, 'node_modules', '.bin'), 'wrangler');
    const run = await c.deploy(['--dry-run']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`found\\s+wrangler\\s+4\\.86\\.0 \\(${join(c.dir, 'node_modules', '.bin', 'wrangler')}\\)`),
    );
  });

  it('none: says so, and changes nothing', async () => {
    const c = clone({ wrangler: false });
    const run = await c.deploy();
    assert.equal(run.code, 1);
    assert.match(run.stdout, /✗ step wrangler failed: wrangler not found/);
    assert.deepEqual(c.calls(), []);
    assert.equal(c.config(), SHIPPED);
  });
});
