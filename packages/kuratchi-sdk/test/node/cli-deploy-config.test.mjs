// The parts of `kuratchi-ses deploy` that read and write text (the built CLI's modules): its TOML
// reader, its edits of the wrangler configuration (the id, the mode, the allowed topics; each
// keeps comments and layout and changes nothing when run twice), and its reading of wrangler's
// answers. The command itself runs against a wrangler stand-in in the dashboard's deploy-cli test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { withAllowedTopicArns, withDatabaseId, withMode } from '../../dist/cli/deploy/config-edits.js';
import { expireDays, parseLifecycleRules, planRules } from '../../dist/cli/deploy/lifecycle-rules.js';
import { readToml, TomlError } from '../../dist/cli/deploy/toml.js';
import {
  isMissingBucket,
  parseD1CreateId,
  parseDeployUrl,
  parsePendingMigrations,
  parseWhoAmI,
} from '../../dist/cli/deploy/wrangler-answers.js';
import { deployedMode, readDeployConfig } from '../../dist/cli/deploy/wrangler-config.js';

const SHIPPED = readFileSync(new URL('../../../../wrangler.toml', import.meta.url), 'utf8');
const ID = '3f1c2b7e-5d4a-4c1b-9e8f-0a1b2c3d4e5f';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';

describe('readToml', () => {
  it('reads tables, arrays of tables, quoted keys, comments inside strings and arrays over lines', () => {
    const doc = readToml(
      [
        'name = "w" # the name',
        '[alias]',
        '"$x" = "./a#b"',
        '[[d1_databases]]',
        "binding = 'A'",
        'max = 1_000',
        '[[d1_databases]]',
        'binding = "B"',
        'list = [',
        '  "one", # first',
        '  "two",',
        ']',
        '[vars]',
        'PEM = """',
        '[[not_a_header]]',
        '"""',
        'ON = true',
      ].join('\n'),
    );
    assert.equal(doc.root.values.name, 'w');
    assert.equal(doc.tables.alias.values.$x, './a#b');
    assert.deepEqual(
      doc.arrays.d1_databases.map((t) => t.values.binding),
      ['A', 'B'],
    );
    assert.equal(doc.arrays.d1_databases[0].values.max, 1000);
    assert.deepEqual(doc.arrays.d1_databases[1].values.list, ['one', 'two']);
    // A multi-line string is skipped whole: its lines are no header.
    assert.equal(doc.arrays.not_a_header, undefined);
    assert.ok('PEM' in doc.tables.vars.values);
    assert.equal(doc.tables.vars.values.ON, true);
    assert.equal(doc.arrays.d1_databases[0].headerLine, 3);
    assert.equal(doc.arrays.d1_databases[0].endLine, 5);
  });

  it('names the line it cannot read', () => {
    assert.throws(
      () => readToml('name = "w"\nthis is not toml'),
      (error) => error instanceof TomlError && error.line === 2,
    );
  });

  it('reads the shipped configuration: the admin database without an id, direct mode', () => {
    const config = readDeployConfig(SHIPPED);
    assert.deepEqual(
      config.d1.map((d) => [d.binding, d.databaseName, d.databaseId]),
      [['ADMIN_DB', 'kuratchi-admin', undefined]],
    );
    assert.equal(config.modeSection, 'direct');
    assert.equal(deployedMode(config), 'direct');
    assert.deepEqual(config.queues, []);
    assert.deepEqual(config.allowedTopicArns, []);
  });
});

describe('the configuration edits', () => {
  it('withDatabaseId writes the id after database_name, replaces it, and changes nothing twice', () => {
    const once = withDatabaseId(SHIPPED, 'ADMIN_DB', ID);
    assert.match(once, new RegExp(`database_name = "kuratchi-admin"\\ndatabase_id = "${ID}"\\n`));
    assert.equal(once.split('\n').length, SHIPPED.split('\n').length + 1);
    assert.equal(withDatabaseId(once, 'ADMIN_DB', ID), once);
    const other = '11111111-2222-4333-8444-555555555555';
    assert.equal(withDatabaseId(once, 'ADMIN_DB', other), once.replace(ID, other));
    assert.throws(
      () => withDatabaseId(SHIPPED, 'ORG_DB_X', ID),
      /no \[\[d1_databases\]\] entry with binding = "ORG_DB_X"/,
    );
  });

  it('withMode uncomments the queued-mode section and comments it out again, byte for byte', () => {
    const queued = withMode(SHIPPED, 'queued', 'direct');
    const config = readDeployConfig(queued);
    assert.equal(config.modeSection, 'queued');
    assert.deepEqual(config.producers, [{ binding: 'SES_EVENTS_QUEUE', queue: 'kuratchi-ses-events' }]);
    assert.deepEqual(config.queues, ['kuratchi-ses-events', 'kuratchi-ses-events-dlq']);
    assert.equal(withMode(queued, 'queued', 'queued'), queued);
    assert.equal(withMode(queued, 'direct', 'queued'), SHIPPED);
    assert.equal(withMode(SHIPPED, 'direct', 'direct'), SHIPPED);
  });

  it('withMode without the markers: the same mode is kept, another one is the user’s to write', () => {
    const bare = 'name = "w"\n';
    assert.equal(withMode(bare, 'direct', 'direct'), bare);
    assert.throws(() => withMode(bare, 'queued', 'direct'), /add the \[\[queues\.\*\]\] blocks by hand/);
  });

  it('withAllowedTopicArns writes the topic after the generated [vars] block, merges, and changes nothing twice', () => {
    const once = withAllowedTopicArns(SHIPPED, [TOPIC]);
    assert.match(
      once,
      new RegExp(
        `# \\(end of the generated \\[vars\\] block\\)\\n# The topics .*\\nKURATCHI_ALLOWED_TOPIC_ARNS = "${TOPIC}"\\n\\n# Admin database`,
      ),
    );
    assert.deepEqual(readDeployConfig(once).allowedTopicArns, [TOPIC]);
    assert.equal(withAllowedTopicArns(once, [TOPIC]), once);
    assert.equal(withAllowedTopicArns(SHIPPED, []), SHIPPED);
    const second = TOPIC.replace('eu-west-1', 'us-east-1');
    assert.deepEqual(readDeployConfig(withAllowedTopicArns(once, [second])).allowedTopicArns, [TOPIC, second]);
    assert.equal(
      withAllowedTopicArns('name = "w"\n', [TOPIC]),
      `name = "w"\n\n[vars]\nKURATCHI_ALLOWED_TOPIC_ARNS = "${TOPIC}"\n`,
    );
  });
});

describe("wrangler's answers", () => {
  it('the id of a created database, from the TOML or the JSON snippet', () => {
    assert.equal(parseD1CreateId(`[[d1_databases]]\nbinding = "x"\ndatabase_name = "x"\ndatabase_id = "${ID}"`), ID);
    assert.equal(parseD1CreateId(`{ "d1_databases": [{ "binding": "x", "database_id": "${ID}" }] }`), ID);
    assert.equal(parseD1CreateId('✅ Successfully created DB'), null);
  });

  it('the URL of a deploy: a custom domain, else a route, else workers.dev', () => {
    const deployed = (...targets) =>
      `Uploaded w (1.00 sec)\nDeployed w triggers (0.50 sec)\n${targets.map((t) => `  ${t}`).join('\n')}\nCurrent Version ID: 1`;
    assert.equal(
      parseDeployUrl(deployed('https://w.acme.workers.dev', 'schedule: */10 * * * *')),
      'https://w.acme.workers.dev',
    );
    assert.equal(
      parseDeployUrl(deployed('https://w.acme.workers.dev', 'dash.example.com/* (zone name: example.com)')),
      'https://dash.example.com',
    );
    assert.equal(
      parseDeployUrl(deployed('dash.example.com (custom domain)', 'https://w.acme.workers.dev')),
      'https://dash.example.com',
    );
    assert.equal(parseDeployUrl('No deploy targets for w (0.10 sec)'), null);
  });

  it('pending migrations, a missing bucket, who is logged in', () => {
    assert.deepEqual(parsePendingMigrations('✅ No migrations to apply!'), []);
    assert.deepEqual(parsePendingMigrations('Migrations to be applied:\n│ 0012_x.sql │\n│ 0013_y.sql │'), [
      '0012_x.sql',
      '0013_y.sql',
    ]);
    assert.equal(
      isMissingBucket({ status: 1, stdout: '', stderr: 'The specified bucket does not exist. [code: 10006]' }),
      true,
    );
    assert.equal(isMissingBucket({ status: 1, stdout: '', stderr: 'Authentication error [code: 10000]' }), false);
    assert.deepEqual(parseWhoAmI({ status: 1, stdout: '{"loggedIn":false}', stderr: '' }), { loggedIn: false });
    assert.deepEqual(
      parseWhoAmI({
        status: 0,
        stdout: '{"loggedIn":true,"email":"a@b.c","accounts":[{"id":"1","name":"A"}]}',
        stderr: '',
      }),
      { loggedIn: true, email: 'a@b.c', accounts: [{ id: '1', name: 'A' }] },
    );
  });
});

describe('R2 lifecycle rules', () => {
  // As wrangler 4.86.0's `r2 bucket lifecycle list` prints them (formatLabelledValues of
  // tableFromLifecycleRulesResponse, colours forced on the first block).
  const LISTING = [
    "Listing lifecycle rules for bucket 'b'...",
    '\u001b[37mname:\u001b[39m     \u001b[90mkuratchi-sns-archive-retention\u001b[39m',
    '\u001b[37menabled:\u001b[39m  \u001b[90mYes\u001b[39m',
    '\u001b[37mprefix:\u001b[39m   \u001b[90msns/\u001b[39m',
    '\u001b[37maction:\u001b[39m   \u001b[90mExpire objects after 45 days\u001b[39m',
    '',
    'name:     everything',
    'enabled:  No',
    'prefix:   (all prefixes)',
    'action:   Expire objects after 30 days, Transition to Infrequent Access after 7 days',
    '',
    'name:     kuratchi-sns-archive-d7',
    'enabled:  Yes',
    'prefix:   sns-d7/',
    'action:   Expire objects on 2027-01-01',
  ].join('\n');

  it('reads each rule of the listing: name, enabled, prefix (empty for all), action', () => {
    const rules = parseLifecycleRules(LISTING);
    assert.deepEqual(rules, [
      { name: 'kuratchi-sns-archive-retention', enabled: true, prefix: 'sns/', action: 'Expire objects after 45 days' },
      {
        name: 'everything',
        enabled: false,
        prefix: '',
        action: 'Expire objects after 30 days, Transition to Infrequent Access after 7 days',
      },
      { name: 'kuratchi-sns-archive-d7', enabled: true, prefix: 'sns-d7/', action: 'Expire objects on 2027-01-01' },
    ]);
    // Days only when expiring by age is the rule's one action.
    assert.deepEqual(rules.map(expireDays), [45, null, null]);
    assert.deepEqual(
      parseLifecycleRules("Listing lifecycle rules for bucket 'b'...\nThere are no lifecycle rules for bucket 'b'."),
      [],
    );
  });

  it('plans an add for a missing rule, remove and add for one that differs, nothing for an equal one', () => {
    const plans = planRules(
      'b',
      [
        { name: 'kuratchi-sns-archive-retention', prefix: 'sns/', days: 45 },
        { name: 'everything', prefix: '', days: 30 },
        { name: 'kuratchi-sns-archive-d7', prefix: 'sns-d7/', days: 7 },
        { name: 'kuratchi-sns-archive-d14', prefix: 'sns-d14/', days: 14 },
      ],
      parseLifecycleRules(LISTING),
    );
    assert.deepEqual(
      plans.map((plan) => [plan.status, plan.was]),
      [
        ['unchanged', undefined],
        ['updated', 'Expire objects after 30 days, Transition to Infrequent Access after 7 days, disabled'],
        ['updated', 'Expire objects on 2027-01-01'],
        ['created', undefined],
      ],
    );
    assert.deepEqual(plans[2].commands, [
      ['r2', 'bucket', 'lifecycle', 'remove', 'b', '--name', 'kuratchi-sns-archive-d7'],
      ['r2', 'bucket', 'lifecycle', 'add', 'b', 'kuratchi-sns-archive-d7', 'sns-d7/', '--expire-days', '7', '--force'],
    ]);
    assert.deepEqual(
      planRules(
        'b',
        [{ name: 'kuratchi-sns-archive-d7', prefix: 'sns-d7/', days: 7 }],
        [{ name: 'kuratchi-sns-archive-d7', enabled: true, prefix: 'sns/', action: 'Expire objects after 7 days' }],
      )[0].was,
      'prefix sns/',
    );
  });
});
