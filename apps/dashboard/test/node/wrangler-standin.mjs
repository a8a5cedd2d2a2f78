#!/usr/bin/env node
// A stand-in for wrangler (and, as `npm`, for the build) that `kuratchi-ses deploy` runs in the
// deploy tests, first on PATH: it records each call (argv, stdin, working directory) in
// $STANDIN_DIR/calls.jsonl and answers as wrangler 4.86.0 does, from an account kept in
// $STANDIN_DIR/account.json (databases, queues, buckets and their lifecycle rules, the Worker and
// its secrets). The answers' shapes are wrangler's (its commands reference, and
// wrangler-dist/cli.js of the pinned version):
// https://developers.cloudflare.com/workers/wrangler/commands/
//   STANDIN_FAIL="r2 bucket create"   that command fails as wrangler does when R2 is not enabled
//   STANDIN_LOGGED_OUT=1              whoami answers as when nobody is logged in
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

const dir = process.env.STANDIN_DIR;
const accountFile = `${dir}/account.json`;
const argv = process.argv.slice(2);
const tool = process.env.STANDIN_TOOL ?? 'wrangler';
const stdin = process.stdin.isTTY ? '' : readFileSync(0, 'utf8');
appendFileSync(`${dir}/calls.jsonl`, `${JSON.stringify({ tool, argv, stdin, cwd: process.cwd() })}\n`);

const account = existsSync(accountFile)
  ? JSON.parse(readFileSync(accountFile, 'utf8'))
  : { databases: [], queues: [], buckets: [], worker: null, secrets: [], applied: {} };
const save = () => writeFileSync(accountFile, JSON.stringify(account, null, 2));
const fail = (message, code = 1) => {
  process.stderr.write(`\n✘ [ERROR] ${message}\n\n`);
  process.exit(code);
};
const flag = (name) => argv.includes(name);
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
/** The words of the command line that are neither flags nor a flag's value (`--config PATH`). */
const positionals = argv.filter((a, i) => !a.startsWith('-') && argv[i - 1] !== '--config');
const positional = (n) => positionals[n];

if (tool === 'npm') {
  // `npm run build` in the Worker's package: nothing to build here (the test built it).
  console.log(`> ${basename(process.cwd())}@ build\n> vite build\n\n✓ built in 1.00s`);
  process.exit(0);
}

const command = positionals.slice(0, 3).join(' ');
if (process.env.STANDIN_FAIL && command.startsWith(process.env.STANDIN_FAIL))
  fail(
    'A request to the Cloudflare API (/accounts/0123/r2/buckets) failed.\n\n  Please enable R2 through the Cloudflare Dashboard. [code: 10042]',
  );

/** The configuration's text (wrangler reads --config), and one [[d1_databases]] entry by binding or name. */
const config = () => readFileSync(option('--config'), 'utf8');
function d1Entry(nameOrBinding) {
  for (const block of config()
    .split(/^\[\[d1_databases\]\]\s*$/m)
    .slice(1)) {
    const body = block.split(/^\[/m)[0];
    const value = (key) => new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm').exec(body)?.[1];
    if (value('binding') === nameOrBinding || value('database_name') === nameOrBinding)
      return { id: value('database_id'), migrationsDir: value('migrations_dir') };
  }
  return null;
}
const workerName = () => /^name\s*=\s*"([^"]+)"/m.exec(config())[1];
/**
 * A bucket's lifecycle rules, `{ name, prefix, days, enabled? }` each (kept in the account per
 * bucket, changed in place; `enabled: false` only as a test writes it), or the API's answer for a
 * bucket that does not exist.
 */
function lifecycleRules(bucket) {
  if (!account.buckets.includes(bucket))
    fail(
      `A request to the Cloudflare API (/accounts/0123/r2/buckets/${bucket}/lifecycle) failed.\n\n  The specified bucket does not exist. [code: 10006]`,
    );
  account.lifecycle ??= {};
  return (account.lifecycle[bucket] ??= []);
}

if (flag('--version') || flag('-v')) {
  console.log('4.86.0');
} else if (positional(0) === 'whoami') {
  // whoami --json: the user, or {"loggedIn":false} and a non-zero exit.
  if (process.env.STANDIN_LOGGED_OUT) {
    console.log(JSON.stringify({ loggedIn: false }));
    process.exit(1);
  }
  console.log(
    JSON.stringify(
      {
        loggedIn: true,
        authType: 'OAuth Token',
        email: 'ops@example.com',
        accounts: [{ id: '0123456789abcdef0123456789abcdef', name: 'Example' }],
        tokenPermissions: ['d1:write', 'workers_scripts:write', 'queues:write'],
      },
      null,
      2,
    ),
  );
} else if (command === 'd1 list') {
  console.log(
    JSON.stringify(
      account.databases.map((db) => ({
        ...db,
        created_at: '2026-12-01T00:00:00.000Z',
        version: 'production',
        num_tables: 0,
        file_size: 12288,
      })),
      null,
      2,
    ),
  );
} else if (command.startsWith('d1 create')) {
  const name = positional(2);
  if (account.databases.some((db) => db.name === name)) fail('A database with that name already exists');
  const db = { uuid: randomUUID(), name };
  account.databases.push(db);
  save();
  // As for a TOML configuration: the snippet to add, never written by wrangler itself.
  console.log(`✅ Successfully created DB '${name}' in region WEUR
Created your new D1 database.

To access your new D1 Database in your Worker, add the following snippet to your configuration file:
[[d1_databases]]
binding = "${name.replaceAll('-', '_')}"
database_name = "${name}"
database_id = "${db.uuid}"`);
} else if (command.startsWith('d1 migrations')) {
  const entry = d1Entry(positional(3));
  if (!entry) fail(`Couldn't find a D1 DB with the name or binding '${positional(3)}' in your wrangler.toml file.`);
  if (!entry.id)
    fail(
      `Found a database with name or binding ${positional(3)} but it is missing a database_id, which is needed for operations on remote resources.`,
    );
  if (!flag('--remote')) fail('the stand-in answers --remote only');
  const files = readdirSync(resolve(dirname(option('--config')), entry.migrationsDir))
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const applied = account.applied[entry.id] ?? [];
  const pending = files.filter((f) => !applied.includes(f));
  if (!pending.length) console.log('✅ No migrations to apply!');
  else {
    console.log(`Migrations to be applied:\n┌──────┐\n${pending.map((f) => `│ ${f} │`).join('\n')}\n└──────┘`);
    if (positional(2) === 'apply') {
      account.applied[entry.id] = files;
      save();
      for (const f of pending) console.log(`│ ${f} │ ✅ │`);
    }
  }
} else if (command.startsWith('queues info')) {
  const name = positional(2);
  if (!account.queues.includes(name))
    fail(`Queue "${name}" does not exist. To create it, run: wrangler queues create ${name}`);
  console.log(`Queue Name: ${name}\nQueue ID: ${name}-id\nNumber of Producers: 0\nNumber of Consumers: 0`);
} else if (command.startsWith('queues create')) {
  const name = positional(2);
  account.queues.push(name);
  save();
  console.log(`🌀 Creating queue '${name}'\n✅ Created queue '${name}'`);
} else if (command.startsWith('r2 bucket info')) {
  const name = positional(3);
  if (!account.buckets.includes(name))
    fail(
      `A request to the Cloudflare API (/accounts/0123/r2/buckets/${name}) failed.\n\n  The specified bucket does not exist. [code: 10006]`,
    );
  console.log(
    JSON.stringify({
      name,
      created: '2026-12-01T00:00:00.000Z',
      location: 'WEUR',
      default_storage_class: 'Standard',
      object_count: '0',
      bucket_size: '0 B',
    }),
  );
} else if (positionals.slice(0, 4).join(' ') === 'r2 bucket lifecycle list') {
  // As wrangler 4.86 prints the rules: one block of labelled values each (values aligned one
  // column after the longest label, `enabled:`), blocks apart by a blank line.
  const rules = lifecycleRules(positional(4));
  console.log(`Listing lifecycle rules for bucket '${positional(4)}'...`);
  if (!rules.length) console.log(`There are no lifecycle rules for bucket '${positional(4)}'.`);
  else
    console.log(
      rules
        .map((r) =>
          [
            ['name', r.name],
            ['enabled', r.enabled === false ? 'No' : 'Yes'],
            ['prefix', r.prefix || '(all prefixes)'],
            ['action', r.days === undefined ? '(none)' : `Expire objects after ${r.days} days`],
          ]
            .map(([label, value]) => `${`${label}:`.padEnd(10)}${value}`)
            .join('\n'),
        )
        .join('\n\n'),
    );
} else if (positionals.slice(0, 4).join(' ') === 'r2 bucket lifecycle add') {
  // As wrangler 4.86: reads the bucket's rules, appends the new one, writes them all back.
  const [name, rule, prefix = ''] = [positional(4), positional(5), positional(6)];
  const rules = lifecycleRules(name);
  if (!rule) fail('Must specify a rule name.');
  if (!flag('--expire-days')) fail('the stand-in answers --expire-days only');
  if (!prefix && !flag('--force')) fail('the stand-in cannot answer the prompt for a rule without a prefix');
  // The deploy never adds a name the bucket has: the stand-in refuses one (the API's answer is not documented).
  if (rules.some((r) => r.name === rule)) fail(`the stand-in refuses a second rule named '${rule}'`);
  rules.push({ name: rule, prefix, days: Number(option('--expire-days')) });
  save();
  console.log(
    `Adding lifecycle rule '${rule}' to bucket '${name}'...\n✨ Added lifecycle rule '${rule}' to bucket '${name}'.`,
  );
} else if (positionals.slice(0, 4).join(' ') === 'r2 bucket lifecycle remove') {
  const name = positional(4);
  const rule = option('--name');
  const rules = lifecycleRules(name);
  const index = rules.findIndex((r) => r.name === rule);
  if (index === -1) fail(`Lifecycle rule with ID '${rule}' not found in configuration for '${name}'.`);
  rules.splice(index, 1);
  save();
  console.log(
    `Removing lifecycle rule '${rule}' from bucket '${name}'...\nLifecycle rule '${rule}' removed from bucket '${name}'.`,
  );
} else if (command.startsWith('r2 bucket create')) {
  const name = positional(3);
  account.buckets.push(name);
  save();
  console.log(`Creating bucket '${name}'...\n✅ Created bucket '${name}' with default storage class of Standard.`);
} else if (positional(0) === 'deploy') {
  // A deploy needs every D1 id, queue and bucket to exist, as the real one does.
  const text = config();
  for (const [, id] of text.matchAll(/^database_id\s*=\s*"([^"]+)"/gm))
    if (!account.databases.some((db) => db.uuid === id)) fail(`D1 database ${id} not found [code: 7404]`);
  account.worker = workerName();
  save();
  console.log(`Total Upload: 3403.96 KiB / gzip: 679.19 KiB
Uploaded ${account.worker} (4.20 sec)
Deployed ${account.worker} triggers (1.10 sec)
  https://${account.worker}.example.workers.dev
  schedule: */10 * * * *
Current Version ID: ${randomUUID()}`);
} else if (command === 'secret list') {
  if (account.worker !== workerName())
    fail(`Worker "${workerName()}" not found.\nIf this is a new Worker, run \`wrangler deploy\` first to create it.`);
  console.log(
    JSON.stringify(
      account.secrets.map((name) => ({ name, type: 'secret_text' })),
      null,
      '  ',
    ),
  );
} else if (command.startsWith('secret put')) {
  const name = positional(2);
  if (!stdin) fail('the secret value is read from stdin');
  if (!account.secrets.includes(name)) account.secrets.push(name);
  save();
  console.log(`🌀 Creating the secret for the Worker "${workerName()}" \n✨ Success! Uploaded secret ${name}`);
} else {
  fail(`the stand-in does not know: wrangler ${argv.join(' ')}`);
}
