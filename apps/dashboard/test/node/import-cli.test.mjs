// `kuratchi-ses import` as a process (the built CLI) against the built dashboard Worker: the
// Firehose S3 object fixtures (back to back, newline-delimited, gzip with and without .gz),
// from a file and from a directory; a second run changes nothing; the ops token is required.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { root, runCli, startBuiltWorker } from './built-worker.mjs';

const TOKEN = 'import-cli-test-token-0123456789abcdef';
const OBJECTS = join(root, 'apps/dashboard/test/node/fixtures/firehose-s3/objects');
const FIRST = join(
  OBJECTS,
  '2026/11/28/11/kuratchi-ses-events-1-2026-11-28-11-05-00-0f3c1d7e-1b2a-4c5d-9e8f-a1b2c3d4e5f6',
);

let worker;

async function rows() {
  const emails = await worker.acme.prepare('SELECT id, status, open_count, click_count FROM emails ORDER BY id').all();
  const events = await worker.acme.prepare('SELECT count(*) AS n FROM email_events').first();
  const parked = await worker.admin.prepare('SELECT count(*) AS n FROM parked_email_events').first();
  return { emails: emails.results, events: events.n, parked: parked.n };
}

before(async () => {
  worker = await startBuiltWorker({ KURATCHI_OPS_TOKEN: TOKEN });
  for (const [id, ses] of [
    ['email-import-1', 'ses-import-1'],
    ['email-import-2', 'ses-import-2'],
  ]) {
    await worker.acme
      .prepare(
        "INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES (?, 'recipient@example.com', 'sender@example.com', 'Hi', 'sent', ?, 1, 1)",
      )
      .bind(id, ses)
      .run();
    await worker.admin.prepare("INSERT INTO email_message_lookup VALUES (?, 'org-acme', ?, 0)").bind(ses, id).run();
  }
});

after(async () => {
  await worker?.mf.dispose();
});

describe('kuratchi-ses import against the built Worker', () => {
  it('refuses to run without the ops token, and the Worker refuses a wrong one', async () => {
    const none = await runCli(['import', FIRST, '--dashboard-url', worker.url]);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /KURATCHI_OPS_TOKEN must be set/);
    const wrong = await runCli(['import', FIRST, '--dashboard-url', worker.url], {
      env: { KURATCHI_OPS_TOKEN: 'x'.repeat(40) },
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /HTTP 401/);
    assert.equal((await rows()).events, 0);
  });

  it('dry run: reads and checks every record, posts nothing', async () => {
    const { code, stdout, stderr } = await runCli(['import', OBJECTS, '--dry-run', '--json']);
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout);
    assert.deepEqual(
      { objects: summary.objects, records: summary.records, outcomes: summary.outcomes },
      { objects: 3, records: 9, outcomes: { valid: 8, refused: 1 } },
    );
    assert.equal((await rows()).events, 0);
  });

  it('imports a directory: applied, duplicate, parked and refused records; a second run changes nothing', async () => {
    const first = await runCli(['import', OBJECTS, '--dashboard-url', worker.url, '--page-size', '4', '--json'], {
      env: { KURATCHI_OPS_TOKEN: TOKEN },
    });
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout);
    assert.deepEqual(summary.outcomes, { applied: 6, duplicate: 1, parked: 1, refused: 1 });
    assert.equal(summary.failed, 0);
    const state = await rows();
    assert.deepEqual(
      state.emails.map((e) => [e.id, e.status, e.open_count, e.click_count]),
      [
        ['email-import-1', 'delivered', 1, 1],
        ['email-import-2', 'bounced', 0, 0],
      ],
    );
    assert.equal(state.events, 6);
    assert.equal(state.parked, 1);

    const second = await runCli(['import', OBJECTS, '--dashboard-url', worker.url], {
      env: { KURATCHI_OPS_TOKEN: TOKEN },
    });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /3 object\(s\), 9 record\(s\)/);
    assert.match(second.stdout, /applied 0, duplicates 7, parked 1, refused 1/);
    assert.deepEqual(await rows(), state);
  });

  it('a file that is not Firehose output is reported, exit 1', async () => {
    const { code, stdout } = await runCli(
      ['import', join(root, 'pnpm-workspace.yaml'), '--dashboard-url', worker.url],
      {
        env: { KURATCHI_OPS_TOKEN: TOKEN },
      },
    );
    assert.equal(code, 1);
    assert.match(stdout, /unreadable object .*pnpm-workspace\.yaml: expected a JSON object/);
  });
});
