// The parts of `kuratchi-ses deploy` that read and write text (the built CLI's modules): its TOML
// reader, its edits of the wrangler configuration (the id, the mode, the allowed topics; each
// keeps comments and layout and changes nothing when run twice), and its reading of wrangler's
// answers. The command itself runs against a wrangler stand-in in the dashboard's deploy-cli test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { withAllowedTopicArns, withDatabaseId, withMode } from '../../dist/cli/deploy/config-edits.js';
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
