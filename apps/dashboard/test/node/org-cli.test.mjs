// `kuratchi-ses org` as a process (the built CLI) against the built dashboard Worker (the bundle
// `wrangler deploy --dry-run` makes, on miniflare with local D1 and the ORG_DO Durable Object
// namespace of wrangler.toml and wrangler.dev.toml): an organisation created at run time on a Durable Object, with no
// configuration change; and Acme moved from its D1 database to its object while events for it
// arrive: they are parked while it moves (nothing written behind the copy's back) and applied
// to the object after the switch, the copy verified table by table; an aborted move applies
// them to D1.
// https://developers.cloudflare.com/durable-objects/api/sql-storage/
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSesEvent } from 'kuratchi-sdk/email/testing';
import {
  d1Database,
  onDurableObject,
  opsPost,
  registerGlobex,
  root,
  runCli as run,
  startBuiltWorker,
} from './built-worker.mjs';
import { waitFor } from '../../../../scripts/wait-for.mjs';

const TOKEN = 'org-cli-test-token-0123456789abcdef';
const OBJECTS = join(root, 'apps/dashboard/test/node/fixtures/firehose-s3/objects');
const EMAILS = 230;

let worker;
/** The one-time link `org create --admin-email` printed for Initech's first admin. */
let initechLink;
const runCli = (args) => run(args, { env: { KURATCHI_OPS_TOKEN: TOKEN } });
const ops = (path, body) => opsPost(worker, TOKEN, path, body);

/** Acme's D1 database: 230 emails (plus the two the Firehose fixtures name), recipients, events, suppressions. */
async function seedAcme() {
  const statements = [];
  for (let i = 0; i < EMAILS; i++) {
    const id = `move-${String(i).padStart(4, '0')}`;
    statements.push(
      worker.acme
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, open_count, created_at, updated_at)
           VALUES (?, ?, 'sender@example.com', ?, 'delivered', ?, ?, ?, 1)`,
        )
        .bind(id, `to-${i}@example.com`, `Order ${i}`, `ses-${id}`, i % 3, 1_000 + i),
      worker.acme
        .prepare(`INSERT INTO email_recipients (email_id, address, kind, status) VALUES (?, ?, 'to', 'delivered')`)
        .bind(id, `to-${i}@example.com`),
      worker.acme
        .prepare(
          `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token, content_id)
           VALUES (?, ?, ?, 'Delivery', ?, '{}', 1, 'token', ?)`,
        )
        .bind(`sns-${id}`, id, `ses-${id}`, 2_000 + i, `content-${id}`),
    );
  }
  for (const [id, ses] of [
    ['email-import-1', 'ses-import-1'],
    ['email-import-2', 'ses-import-2'],
  ]) {
    statements.push(
      worker.acme
        .prepare(
          "INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES (?, 'recipient@example.com', 'sender@example.com', 'Hi', 'sent', ?, 1, 1)",
        )
        .bind(id, ses),
      worker.admin
        .prepare(
          "INSERT INTO email_message_lookup (ses_message_id, organization_id, email_id, created_at) VALUES (?, 'org-acme', ?, 0)",
        )
        .bind(ses, id),
    );
  }
  for (const s of statements) await s.run();
}

/** A query on an organisation's Durable Object, through its RPC method (as the Worker calls it). */
async function onObject(organizationId, sql) {
  return (await onDurableObject(worker.mf, organizationId, sql)).rows;
}

const organizationRow = (id) =>
  worker.admin
    .prepare(
      'SELECT database_kind AS kind, database_binding AS binding, moving_since AS movingSince FROM organizations WHERE id = ?',
    )
    .bind(id)
    .first();

before(async () => {
  worker = await startBuiltWorker({ KURATCHI_OPS_TOKEN: TOKEN });
  await seedAcme();
});

after(async () => {
  await worker?.mf.dispose();
});

describe('kuratchi-ses org against the built Worker', () => {
  it('creates an organisation on a Durable Object with no configuration change, inviting its admin; refuses a taken id and a bad one', async () => {
    const created = await runCli([
      'org',
      'create',
      '--dashboard-url',
      worker.url,
      '--org',
      'org-initech',
      '--name',
      'Initech',
      '--admin-email',
      'Bill@Initech.example',
      '--admin-name',
      'Bill',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created org-initech \(Initech\) on Durable Object \(ORG_DO\)/);
    assert.match(created.stdout, /admin bill@initech\.example created \(org-initech\)\./);
    assert.match(created.stdout, /Not mailed: mail is off \(KURATCHI_MAIL_FROM is not set\)\. Give them the link\./);
    initechLink = /^ {2}(http:\/\/\S+\/auth\/set-password\?token=\S+)$/m.exec(created.stdout)?.[1];
    assert.ok(initechLink, created.stdout);
    assert.deepEqual(
      { ...(await organizationRow('org-initech')) },
      { kind: 'durable-object', binding: 'ORG_DO', movingSince: null },
    );
    // Its object exists and has the schema: the org migrations ran inside it on first use.
    assert.deepEqual(await onObject('org-initech', 'SELECT count(*) AS n FROM emails'), [[0]]);

    const again = await runCli([
      'org',
      'create',
      '--dashboard-url',
      worker.url,
      '--org',
      'org-initech',
      '--name',
      'Other',
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /HTTP 409: organization-exists/);
    const bad = await runCli(['org', 'create', '--dashboard-url', worker.url, '--org', 'Org Bad!', '--name', 'Bad']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /HTTP 400: invalid-request: createOrganization: invalid options: id:/);
    const unbound = await runCli([
      'org',
      'create',
      '--dashboard-url',
      worker.url,
      '--org',
      'org-x',
      '--name',
      'X',
      '--kind',
      'd1',
      '--binding',
      'ORG_DB_NOPE',
    ]);
    assert.equal(unbound.code, 1);
    assert.match(unbound.stderr, /HTTP 400: binding-missing/);
    assert.equal(await organizationRow('org-x'), null);
    // Acme's D1 database for a second tenant: it would read Acme's mail.
    const shared = await runCli(
      ['org', 'create', '--dashboard-url', worker.url, '--org', 'org-x', '--name', 'X'].concat([
        '--kind',
        'd1',
        '--binding',
        'ORG_DB_ACME',
      ]),
    );
    assert.equal(shared.code, 1);
    assert.match(
      shared.stderr,
      /HTTP 409: binding-taken: D1 binding ORG_DB_ACME is the database of organization org-acme/,
    );
    assert.equal(await organizationRow('org-x'), null);

    const list = await runCli(['org', 'list', '--dashboard-url', worker.url]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /org-acme {2}D1 \(ORG_DB_ACME\) {2}Acme/);
    assert.match(list.stdout, /org-initech {2}Durable Object \(ORG_DO\) {2}Initech/);
  });

  it('the new organisation receives events and its admin browses them, still with no configuration change', async () => {
    // An email as sendEmail leaves it (its row in the object, its lookup row), then its SES events.
    const sentAt = Date.now() - 10 * 60_000;
    await onObject(
      'org-initech',
      `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at)
       VALUES ('initech-first', 'peter@initech.example', 'tps@initech.example', 'TPS reports', 'sent', 'ses-initech-first', ${sentAt}, ${sentAt})`,
    );
    await worker.admin
      .prepare("INSERT INTO email_message_lookup VALUES ('ses-initech-first', 'org-initech', 'initech-first', 0)")
      .run();
    const records = ['Delivery', 'Open'].map((eventType, i) =>
      JSON.stringify(
        buildSesEvent({
          eventType,
          messageId: 'ses-initech-first',
          recipient: 'peter@initech.example',
          time: new Date(sentAt + (i + 1) * 60_000),
        }),
      ),
    );
    const imported = await ops('/api/ops/events/import', { records });
    assert.equal(imported.status, 200, await imported.clone().text());
    assert.deepEqual(await imported.json(), { outcomes: ['applied', 'applied'] });
    assert.deepEqual(
      await onObject('org-initech', "SELECT status, open_count FROM emails WHERE id = 'initech-first'"),
      [['delivered', 1]],
    );

    // Bill sets his password with the link org create printed, as his browser would post it.
    const set = await fetch(initechLink, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: worker.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password: 'tps-report-password', confirm: 'tps-report-password' }),
    });
    assert.equal(set.status, 303);
    assert.equal(set.headers.get('location'), '/auth/signin?passwordSet=1');
    const signIn = await fetch(`${worker.url}/auth/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: worker.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'bill@initech.example', password: 'tps-report-password' }),
    });
    assert.equal(signIn.status, 303);
    const cookie = signIn.headers.get('set-cookie').split(';')[0];
    const log = await (await fetch(`${worker.url}/emails`, { headers: { cookie } })).text();
    assert.match(log, /Initech/);
    assert.match(log, /data-email-id="initech-first"/);
    const detail = await fetch(`${worker.url}/emails/initech-first`, { headers: { cookie } });
    assert.equal(detail.status, 200);
    assert.match(await detail.text(), /data-event-type="Open"/);
  });

  it('moves Acme from D1 to its object: events are parked while it moves, the copy is verified, the parked events apply to the object after', async () => {
    const d1Events = async () => (await worker.acme.prepare('SELECT count(*) AS n FROM email_events').first()).n;
    const heldForMove = async () =>
      (await worker.admin.prepare("SELECT count(*) AS n FROM parked_email_events WHERE reason = 'org-moving'").first())
        .n;
    const migrating = runCli([
      'org',
      'migrate',
      '--dashboard-url',
      worker.url,
      '--org',
      'org-acme',
      '--page-size',
      '100',
      '--poll-ms',
      '100',
    ]);
    // Wait until the move has started, then deliver events for Acme meanwhile.
    await waitFor(async () => (await organizationRow('org-acme')).movingSince !== null, {
      deadlineMs: 120_000,
      what: 'the move of org-acme to start (organizations.moving_since set)',
      intervalMs: 50,
    });
    const during = await runCli(['import', OBJECTS, '--dashboard-url', worker.url, '--json']);
    assert.equal(during.code, 0, during.stderr);
    const held = JSON.parse(during.stdout);
    assert.deepEqual(held.outcomes, { parked: 8, refused: 1 }, 'the 7 records for Acme and 1 of nobody parked (200)');
    assert.equal(held.failed, 0, 'nothing was answered "retry later"');
    // One of Acme's records is a second copy of another (same content identity): held once.
    assert.equal(await heldForMove(), 6, "Acme's 6 events were held for the move");
    assert.equal(await d1Events(), EMAILS, 'nothing was written to the D1 database behind the copy');
    // The settle wait (90 s in production) is read from organizations.moving_since: time is data.
    await worker.admin
      .prepare('UPDATE organizations SET moving_since = moving_since - 91000 WHERE id = ?')
      .bind('org-acme')
      .run();

    const moved = await migrating;
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /copied emails: 232 rows/);
    for (const table of ['emails', 'email_recipients', 'email_events', 'email_suppressions', 'email_reconciliation']) {
      assert.match(moved.stdout, new RegExp(`^${table}\\s+\\d+\\s+\\d+\\s+[0-9a-f]{16}\\s+[0-9a-f]{16}\\s+same$`, 'm'));
    }
    assert.match(moved.stdout, /org-acme now lives on its Durable Object \(ORG_DO\)/);
    assert.match(moved.stdout, /events of org-acme parked during the move: 6 applied, 0 already recorded, 0 orphaned/);
    assert.deepEqual(
      { ...(await organizationRow('org-acme')) },
      { kind: 'durable-object', binding: 'ORG_DO', movingSince: null },
    );
    assert.equal(await heldForMove(), 0);
    assert.deepEqual(await onObject('org-acme', 'SELECT count(*) FROM emails'), [[EMAILS + 2]]);
    assert.deepEqual(await onObject('org-acme', 'SELECT count(*) FROM email_events'), [[EMAILS + 6]]);
    assert.deepEqual(
      await onObject('org-acme', "SELECT status, open_count, click_count FROM emails WHERE id = 'email-import-1'"),
      [['delivered', 1, 1]],
    );

    // Delivered again (SNS retries, the queue retries, or the import is run again): nothing counts twice.
    const afterSwitch = await runCli(['import', OBJECTS, '--dashboard-url', worker.url, '--json']);
    assert.equal(afterSwitch.code, 0, afterSwitch.stderr);
    assert.equal(JSON.parse(afterSwitch.stdout).outcomes.applied, undefined);
    assert.deepEqual(await onObject('org-acme', 'SELECT count(*) FROM email_events'), [[EMAILS + 6]]);
    assert.equal(await d1Events(), EMAILS, 'the D1 database is left as it was');
  });

  it('an organisation already on a Durable Object cannot be moved; --abort of no move is refused', async () => {
    const again = await runCli(['org', 'migrate', '--dashboard-url', worker.url, '--org', 'org-acme']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /HTTP 409: not-on-d1/);
    const abort = await runCli(['org', 'migrate', '--dashboard-url', worker.url, '--org', 'org-initech', '--abort']);
    assert.equal(abort.code, 1);
    assert.match(abort.stderr, /HTTP 409: not-moving/);
  });

  it('the operations API refuses to switch a copy nobody verified (409 not-verified), and the organisation stays on D1', async () => {
    await registerGlobex(worker);
    const move = (body) => ops('/api/ops/organizations/org-globex/move', body);
    assert.equal((await move({ step: 'start' })).status, 200);
    await worker.admin
      .prepare("UPDATE organizations SET moving_since = moving_since - 91000 WHERE id = 'org-globex'")
      .run();
    // Nothing copied: the counts differ (an empty database holds the guard's one `since` row, org 0019).
    const uncopied = await move({ step: 'switch' });
    assert.equal(uncopied.status, 409);
    assert.equal((await uncopied.json()).error, 'counts-differ');
    // Copied, so every count is equal, but nobody verified it.
    assert.equal((await move({ step: 'copy', table: 'email_guard_rollups_since' })).status, 200);
    const switched = await move({ step: 'switch' });
    assert.equal(switched.status, 409);
    const refused = await switched.json();
    assert.equal(refused.error, 'not-verified');
    assert.match(
      refused.message,
      /the copy of emails, email_guard_rollups_since, email_recipients, email_tags, email_events, ses_suppression_changes, email_suppressions, ses_suppression_sync, email_reconciliation, email_rollups, email_reputation_marks, email_guard_rollups is not verified/,
    );
    assert.equal((await organizationRow('org-globex')).kind, 'd1');
    assert.equal((await move({ step: 'abort' })).status, 200);
  });

  it('--abort ends a move on D1 and applies there the events parked meanwhile', async () => {
    const globex = d1Database(worker.mf, 'ORG_DB_GLOBEX');
    const sentAt = Date.now() - 10 * 60_000;
    await globex
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at)
         VALUES ('globex-first', 'hank@globex.example', 'news@globex.example', 'Hammocks', 'sent', 'ses-globex-first', ?, ?)`,
      )
      .bind(sentAt, sentAt)
      .run();
    await worker.admin
      .prepare("INSERT INTO email_message_lookup VALUES ('ses-globex-first', 'org-globex', 'globex-first', 0)")
      .run();
    const started = await ops('/api/ops/organizations/org-globex/move', { step: 'start' });
    assert.equal(started.status, 200, await started.clone().text());
    const record = JSON.stringify(
      buildSesEvent({
        eventType: 'Delivery',
        messageId: 'ses-globex-first',
        recipient: 'hank@globex.example',
        time: new Date(sentAt + 60_000),
      }),
    );
    const imported = await ops('/api/ops/events/import', { records: [record] });
    assert.deepEqual(await imported.json(), { outcomes: ['parked'] });
    const status = async () =>
      (await globex.prepare("SELECT status FROM emails WHERE id = 'globex-first'").first()).status;
    assert.equal(await status(), 'sent');

    const aborted = await runCli(['org', 'migrate', '--dashboard-url', worker.url, '--org', 'org-globex', '--abort']);
    assert.equal(aborted.code, 0, aborted.stderr);
    assert.match(
      aborted.stdout,
      /events of org-globex parked during the move: 1 applied, 0 already recorded, 0 orphaned/,
    );
    assert.match(aborted.stdout, /move of org-globex aborted: it stays on its D1 database/);
    assert.equal(await status(), 'delivered');
    assert.equal((await organizationRow('org-globex')).kind, 'd1');
  });

  it('removes Initech: the id typed twice, its object kept, listed as removed; a second removal is refused', async () => {
    const remove = (confirm) =>
      runCli(['org', 'remove', '--dashboard-url', worker.url, '--org', 'org-initech', '--confirm', confirm]);
    const wrong = await remove('org-inotech');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /kuratchi-ses org remove: .*confirm: must be the organisation's id \(org-initech\)/);
    const removed = await remove('org-initech');
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(
      removed.stdout,
      /removed org-initech \(Initech\): its Durable Object \(namespace ORG_DO, idFromName\("org-initech"\)\) keeps its mail/,
    );
    const listed = await runCli(['org', 'list', '--dashboard-url', worker.url]);
    assert.match(listed.stdout, /^org-initech {2}Durable Object \(ORG_DO\) {2}Initech {2}removed \S+, database kept$/m);
    assert.deepEqual(await onObject('org-initech', 'SELECT count(*) > 0 AS kept FROM emails'), [[1]]);
    const again = await remove('org-initech');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /organization org-initech is removed already/);
  });
});
