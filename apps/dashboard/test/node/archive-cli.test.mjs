// `kuratchi-ses rebuild` as a process (the built CLI of kuratchi-sdk) against the built dashboard
// Worker (the bundle `wrangler deploy --dry-run` makes) served by miniflare on 127.0.0.1 with
// local D1 and local R2: SNS messages signed with a real RSA key go through the webhook (which
// archives them), then the rebuild resets the organisation and applies the archive again through
// the operations API, giving back the same rows; an archived object edited afterwards is refused;
// events the archive does not hold are listed by source by the dry run, and a rebuild refuses to
// delete them (exit 1, nothing reset) unless --drop-unarchived.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildSesEvent, createSnsSigner } from 'kuratchi-sdk/email/testing';
import { runCli, startBuiltWorker } from './built-worker.mjs';

const TOKEN = 'archive-cli-test-token-0123456789abcdef';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
// The Worker verifies on its real clock: the messages are dated from it.
const NOW = Date.now();

let mf;
let url;
let acme;
let admin;
let bucket;
let signer;

const cli = (args) => runCli(args, { env: { KURATCHI_OPS_TOKEN: TOKEN } });

async function post(body) {
  const response = await fetch(`${url}/api/webhooks/ses-events`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
    body,
  });
  return { status: response.status, body: await response.json() };
}

async function rows() {
  const all = async (sql) => (await acme.prepare(sql).all()).results;
  return {
    emails: (await all('SELECT * FROM emails ORDER BY id')).map((r) => ({ ...r, updated_at: 'x' })),
    recipients: await all('SELECT * FROM email_recipients ORDER BY email_id, address'),
    // `position` too: a rebuild records the events again, after every earlier position.
    events: (await all('SELECT * FROM email_events ORDER BY sns_message_id')).map(
      ({ received_at: _r, ingest_token: _t, source: _s, position: _p, ...row }) => row,
    ),
    // created_at is when the suppression was recorded (as received_at for events).
    suppressions: await all(
      'SELECT email_address, reason, detail, source_email_id FROM email_suppressions ORDER BY email_address',
    ),
  };
}

before(async () => {
  signer = await createSnsSigner();
  const certUrl = signer.certUrlFor(TOPIC);
  ({ mf, url, admin, acme } = await startBuiltWorker(
    { KURATCHI_ALLOWED_TOPIC_ARNS: TOPIC, KURATCHI_OPS_TOKEN: TOKEN },
    {
      r2Buckets: ['SES_ARCHIVE'],
      r2Persist: false,
      // The Worker's only outbound request: the signing certificate at its SNS URL.
      outboundService: async (request) =>
        request.url === certUrl ? new Response(signer.certificatePem) : new Response('not found', { status: 404 }),
    },
  ));
  bucket = await mf.getR2Bucket('SES_ARCHIVE');
  for (const n of [1, 2]) {
    // As sendEmail leaves them: sent, with a To row and the lookup row.
    await acme
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, sent_at)
         VALUES (?, ?, 's@example.com', 'Hi', 'sent', ?, ?, ?, ?)`,
      )
      .bind(`email-${n}`, `r${n}@example.com`, `ses-${n}`, NOW - 600_000, NOW - 600_000, NOW - 599_000)
      .run();
    await acme
      .prepare("INSERT INTO email_recipients (email_id, address, kind, status, sent_at) VALUES (?, ?, 'to', 'sent', ?)")
      .bind(`email-${n}`, `r${n}@example.com`, NOW - 599_000)
      .run();
    await admin
      .prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(`ses-${n}`, 'org-acme', `email-${n}`)
      .run();
  }
  await acme
    .prepare(
      "INSERT INTO email_suppressions (email_address, reason, detail, source_email_id, created_at) VALUES ('manual@example.com', 'manual', 'asked', NULL, 1)",
    )
    .run();
});

after(async () => {
  await mf?.dispose();
});

describe('kuratchi-ses rebuild against the built Worker', () => {
  it('live ingestion (archived), then rebuild: the same rows; --dry-run changes nothing', async () => {
    const events = [
      ['Delivery', 'ses-1', 'r1@example.com'],
      ['Open', 'ses-1', 'r1@example.com'],
      ['Click', 'ses-1', 'r1@example.com'],
      ['Bounce', 'ses-2', 'r2@example.com'],
    ];
    for (const [i, [eventType, messageId, recipient]] of events.entries()) {
      const event = buildSesEvent({
        eventType,
        messageId,
        recipient,
        time: new Date(NOW - 300_000 + i * 1000),
        link: 'https://example.com/x',
      });
      const signed = await signer.sign({
        Type: 'Notification',
        MessageId: crypto.randomUUID(),
        TopicArn: TOPIC,
        Message: JSON.stringify(event),
        Timestamp: new Date(NOW - 1000).toISOString(),
      });
      assert.deepEqual(await post(JSON.stringify(signed)), { status: 200, body: { outcome: 'applied' } });
    }
    const live = await rows();
    assert.equal(live.events.length, 4);
    assert.equal(live.suppressions.length, 2);

    const dry = await cli(['rebuild', '--dashboard-url', url, '--org', 'org-acme', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /^dry run: would reset 2 email\(s\) of org-acme \(4 event\(s\) recorded\) and apply 4 archived event\(s\) of 4 archived message\(s\)\n$/,
    );
    assert.deepEqual(await rows(), live);

    const rebuilt = await cli(['rebuild', '--dashboard-url', url, '--org', 'org-acme', '--json']);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    const { from, ...summary } = JSON.parse(rebuilt.stdout);
    // No earlier than the default 45 days of events.
    assert.ok(Date.parse(from) >= NOW - 45 * 86_400_000, from);
    assert.deepEqual(summary, {
      organizationId: 'org-acme',
      dryRun: false,
      emails: 2,
      keptOut: 0,
      recordedBefore: 4,
      unarchived: {},
      listed: 4,
      matched: 4,
      skipped: 0,
      outcomes: { applied: 4 },
      refused: [],
    });
    assert.deepEqual(await rows(), live);
  });

  it('events the archive does not hold: listed by source, a rebuild refuses them (nothing reset) unless --drop-unarchived', async () => {
    // Two Firehose records (the import path) and a reconciliation's outcome: none is archived.
    const record = (eventType, messageId, recipient, at) =>
      JSON.stringify(buildSesEvent({ eventType, messageId, recipient, time: new Date(at) }));
    const imported = await fetch(`${url}/api/ops/events/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        records: [
          record('Open', 'ses-1', 'r1@example.com', NOW - 200_000),
          record('Delivery', 'ses-2', 'r2@example.com', NOW - 200_000),
        ],
      }),
    });
    assert.equal(imported.status, 200, await imported.text());
    await acme
      .prepare(
        `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token, source)
         VALUES ('content:reconciled-1', 'email-1', 'ses-1', 'Delivery', ?, '{}', ?, 'r', 'reconcile')`,
      )
      .bind(NOW - 100_000, NOW - 100_000)
      .run();
    const before = await rows();
    const recorded = before.events.length;

    const dry = await cli(['rebuild', '--dashboard-url', url, '--org', 'org-acme', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      new RegExp(
        `^dry run: would reset 2 email\\(s\\) of org-acme \\(${recorded} event\\(s\\) recorded\\) and apply 4 archived event\\(s\\) of 4 archived message\\(s\\)\n` +
          '  not in the archive: 3 event\\(s\\): import 2, reconcile 1 \\(a rebuild deletes them only with --drop-unarchived\\)\n$',
      ),
    );

    const refused = await cli(['rebuild', '--dashboard-url', url, '--org', 'org-acme']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '');
    assert.match(
      refused.stderr,
      /^kuratchi-ses rebuild: org-acme has 3 event\(s\) the archive does not hold \(import 2, reconcile 1\): a rebuild would delete them for good\. Nothing was reset\. Pass --drop-unarchived/,
    );
    assert.deepEqual(await rows(), before);

    const usage = await cli(['rebuild', '--dashboard-url', url, '--org', 'org-acme', '--dry-run', '--drop-unarchived']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--dry-run deletes nothing: leave out --drop-unarchived/);

    const dropped = await cli(['rebuild', '--dashboard-url', url, '--org', 'org-acme', '--drop-unarchived']);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.match(
      dropped.stdout,
      new RegExp(`^rebuilt org-acme: reset 2 email\\(s\\) \\(${recorded} event\\(s\\) deleted\\)`),
    );
    assert.equal(dropped.stderr, 'dropped 3 event(s) the archive did not hold (import 2, reconcile 1)\n');
    const after = await rows();
    assert.equal(after.events.filter((e) => e.archive_key === null).length, 0);
    assert.equal(after.events.length, 4, 'the four archived events are back');
  });

  it('an email older than the events retention keeps its state; its archived events are skipped and counted', async () => {
    const created = NOW - 46 * 86_400_000;
    await acme
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, sent_at)
         VALUES ('email-old', 'old@example.com', 's@example.com', 'Hi', 'sent', 'ses-old', ?1, ?1, ?1)`,
      )
      .bind(created)
      .run();
    await admin.prepare("INSERT INTO email_message_lookup VALUES ('ses-old', 'org-acme', 'email-old', 0)").run();
    // A late click, live: recorded and archived, as any event of a kept email.
    const signed = await signer.sign({
      Type: 'Notification',
      MessageId: crypto.randomUUID(),
      TopicArn: TOPIC,
      Message: JSON.stringify(
        buildSesEvent({
          eventType: 'Click',
          messageId: 'ses-old',
          recipient: 'old@example.com',
          sentAt: new Date(created),
          time: new Date(NOW - 2000),
          link: 'https://example.com/late',
        }),
      ),
      Timestamp: new Date(NOW - 1000).toISOString(),
    });
    assert.deepEqual(await post(JSON.stringify(signed)), { status: 200, body: { outcome: 'applied' } });
    const before = await rows();
    try {
      const rebuilt = await cli(['rebuild', '--dashboard-url', url, '--org', 'org-acme']);
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      assert.match(
        rebuilt.stdout,
        /\n {2}kept as they are: 1 email\(s\) created before \d{4}-\d\d-\d\dT[\d:.]+Z \(past the events or archive retention\); 1 archived event\(s\) of them skipped\n$/,
      );
      assert.deepEqual(await rows(), before);
    } finally {
      // Leaves the organisation as the next tests expect it.
      const { objects } = await bucket.list({ prefix: 'sns/', include: ['customMetadata'] });
      await bucket.delete(objects.filter((o) => o.customMetadata.sesMessageId === 'ses-old').map((o) => o.key));
      await acme.batch([
        acme.prepare("DELETE FROM email_events WHERE email_id = 'email-old'"),
        acme.prepare("DELETE FROM emails WHERE id = 'email-old'"),
      ]);
    }
  });

  it('an archived object edited afterwards is refused (exit 1, named) and not applied', async () => {
    const { objects } = await bucket.list({ prefix: 'sns/', include: ['customMetadata'] });
    const bounce = objects.find((o) => o.customMetadata.eventType === 'Bounce');
    const object = await bucket.get(bounce.key);
    await bucket.put(bounce.key, (await object.text()).replace('Permanent', 'Transient'), {
      customMetadata: object.customMetadata,
    });
    const { code, stdout, stderr } = await cli(['rebuild', '--dashboard-url', url, '--org', 'org-acme']);
    assert.equal(code, 1);
    assert.match(
      stdout,
      /^rebuilt org-acme: reset 2 email\(s\) \(4 event\(s\) deleted\), applied from 4 archived message\(s\): 3 applied\n$/,
    );
    assert.match(stderr, new RegExp(`refused ${bounce.key}: signature does not match the message`));
    const row = await acme.prepare("SELECT status FROM emails WHERE id = 'email-2'").first();
    assert.deepEqual(row, { status: 'sent' });
  });

  it('refuses a bad --since and an unknown organisation', async () => {
    const since = await cli(['rebuild', '--dashboard-url', url, '--org', 'org-acme', '--since', 'last week']);
    assert.equal(since.code, 2);
    assert.match(since.stderr, /--since must be an ISO 8601 date/);
    const unknown = await cli(['rebuild', '--dashboard-url', url, '--org', 'org-nobody']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /answered HTTP 404: organization-not-found/);
  });
});
