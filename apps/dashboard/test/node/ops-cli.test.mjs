// The operations commands of `kuratchi-ses` (`dead-letters`, `reclassify`) as a process (the built
// CLI of kuratchi-sdk) against the built dashboard Worker: the bundle `wrangler deploy --dry-run`
// makes, served by miniflare on 127.0.0.1 with local D1, exactly as it would run deployed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli as run, startBuiltWorker } from './built-worker.mjs';

const TOKEN = 'ops-cli-test-token-0123456789abcdef';
const NOW = Date.UTC(2026, 10, 28, 12);

let mf;
let url;
let admin;
let acme;

const runCli = (args, token = TOKEN) => run(args, { env: token ? { KURATCHI_OPS_TOKEN: token } : {} });

const event = (eventType, messageId) =>
  JSON.stringify({
    eventType,
    mail: {
      timestamp: new Date(NOW - 120_000).toISOString(),
      source: 's@example.com',
      messageId,
      destination: ['r@example.com'],
      headersTruncated: false,
      commonHeaders: {},
      tags: {},
    },
    ...(eventType === 'Delivery'
      ? {
          delivery: {
            timestamp: new Date(NOW - 60_000).toISOString(),
            processingTimeMillis: 1,
            recipients: ['r@example.com'],
            smtpResponse: '250 ok',
            reportingMTA: 'a.example',
          },
        }
      : { open: { timestamp: new Date(NOW - 60_000).toISOString(), userAgent: 'UA', ipAddress: '192.0.2.1' } }),
  });

before(async () => {
  ({ mf, url, admin, acme } = await startBuiltWorker({ KURATCHI_OPS_TOKEN: TOKEN }));
  // ses-a: its lookup row was written late (by hand, after sendEmail's write failed); ses-b: never routed.
  await acme
    .prepare(
      "INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES ('email-a', 'r@example.com', 's@example.com', 'Hi', 'sent', 'ses-a', 1, 1)",
    )
    .run();
  await admin.prepare("INSERT INTO email_message_lookup VALUES ('ses-a', 'org-acme', 'email-a', 0)").run();
  const dead = admin.prepare(
    'INSERT INTO email_event_dead_letters (sns_message_id, ses_message_id, message, reason, first_seen_at, dead_lettered_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  await admin.batch([
    dead.bind('sns-a-1', 'ses-a', event('Delivery', 'ses-a'), 'no-route', NOW - 25 * 3_600_000, NOW),
    dead.bind('sns-b-1', 'ses-b', event('Open', 'ses-b'), 'park-full', NOW, NOW),
  ]);
});

after(async () => {
  await mf?.dispose();
});

describe('kuratchi-ses dead-letters against the built Worker', () => {
  it('list: counts by reason and the dead letters', async () => {
    const { code, stdout, stderr } = await runCli(['dead-letters', 'list', '--dashboard-url', url]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^2 dead letter\(s\): no-route x1, park-full x1\n/);
    assert.match(stdout, /no-route\s+Delivery\s+ses ses-a\s+sns sns-a-1\s+since 2026-11-27T11:00:00\.000Z/);
    assert.match(stdout, /park-full\s+Open\s+ses ses-b/);
  });

  it('a wrong token is refused (exit 1, the reason on stderr)', async () => {
    const { code, stderr } = await runCli(['dead-letters', 'list', '--dashboard-url', url], 'wrong-token');
    assert.equal(code, 1);
    assert.match(stderr, /answered HTTP 401: unauthorized/);
  });

  it('replay: applies what has a route now, keeps the rest; a second replay changes nothing', async () => {
    const first = await runCli(['dead-letters', 'replay', '--dashboard-url', url, '--page-size', '1', '--json']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), {
      replayed: 2,
      outcomes: { applied: 1, 'no-route': 1 },
      kept: [{ snsMessageId: 'sns-b-1', sesMessageId: 'ses-b', was: 'park-full', outcome: 'no-route' }],
    });
    assert.deepEqual(await acme.prepare("SELECT status FROM emails WHERE id = 'email-a'").first(), {
      status: 'delivered',
    });
    assert.deepEqual(
      (
        await admin
          .prepare('SELECT sns_message_id AS id, reason, replay_attempts AS n FROM email_event_dead_letters')
          .all()
      ).results,
      [{ id: 'sns-b-1', reason: 'no-route', n: 1 }],
    );

    const second = await runCli(['dead-letters', 'replay', '--dashboard-url', url]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      /^replayed 1 dead letter\(s\): no-route x1\n {2}0 recorded and removed from the table, 1 still dead-lettered\n/,
    );
    assert.deepEqual(await acme.prepare("SELECT count(*) AS n FROM email_events WHERE email_id = 'email-a'").first(), {
      n: 1,
    });
  });
});

describe('kuratchi-ses reclassify against the built Worker', () => {
  it('classifies the opens and clicks recorded before engagement was, once; a second run changes nothing', async () => {
    // Two clicks on different links one second apart (a scanner's burst) and an open, recorded
    // before this version classified engagement (no verdict, no rules version).
    await acme
      .prepare(
        "INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, sent_at, open_count, click_count) VALUES ('email-r', 'r@example.com', 's@example.com', 'Hi', 'delivered', 'ses-r', 1, 1, ?, 1, 2)",
      )
      .bind(NOW - 3_600_000)
      .run();
    const insert = acme.prepare(
      "INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token, link) VALUES (?, 'email-r', 'ses-r', ?, ?, ?, ?, 'old', ?)",
    );
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
    const detail = (at, link) =>
      JSON.stringify({
        timestamp: new Date(at).toISOString(),
        ipAddress: '192.0.2.7',
        userAgent: ua,
        ...(link ? { link } : {}),
      });
    const t = NOW - 1_800_000;
    await acme.batch([
      insert.bind('sns-r-open', 'Open', t, detail(t), t, null),
      insert.bind(
        'sns-r-click-a',
        'Click',
        t + 1000,
        detail(t + 1000, 'https://example.com/a'),
        t,
        'https://example.com/a',
      ),
      insert.bind(
        'sns-r-click-b',
        'Click',
        t + 2000,
        detail(t + 2000, 'https://example.com/b'),
        t,
        'https://example.com/b',
      ),
    ]);

    const first = await runCli([
      'reclassify',
      '--dashboard-url',
      url,
      '--org',
      'org-acme',
      '--page-size',
      '2',
      '--json',
    ]);
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout);
    assert.equal(summary.scanned, 3);
    assert.equal(summary.changed, 3);
    const { results } = await acme
      .prepare(
        "SELECT sns_message_id AS id, engagement, engagement_rule AS rule, rules_version AS v FROM email_events WHERE email_id = 'email-r' ORDER BY id",
      )
      .all();
    assert.deepEqual(
      results.map((r) => [r.id, r.engagement, r.rule, r.v]),
      [
        ['sns-r-click-a', 'machine', 'click-burst', summary.rulesVersion],
        ['sns-r-click-b', 'machine', 'click-burst', summary.rulesVersion],
        ['sns-r-open', 'human', results[2].rule, summary.rulesVersion],
      ],
    );
    assert.deepEqual(
      await acme
        .prepare("SELECT machine_open_count AS o, machine_click_count AS c FROM emails WHERE id = 'email-r'")
        .first(),
      { o: 0, c: 2 },
    );

    const second = await runCli(['reclassify', '--dashboard-url', url, '--org', 'org-acme']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      /^reclassified 0 open\(s\) and click\(s\) of org-acme with rules version \d+: 0 changed verdict\n/,
    );
  });

  it('an unknown organisation is a 404 (exit 1, the reason on stderr)', async () => {
    const { code, stderr } = await runCli(['reclassify', '--dashboard-url', url, '--org', 'org-nope']);
    assert.equal(code, 1);
    assert.match(stderr, /answered HTTP 404: organization-not-found/);
  });
});

describe('kuratchi-ses webhooks against the built Worker', () => {
  it('list: the organisation’s endpoints and their deliveries; replay says when WEBHOOK_QUEUE is unbound', async () => {
    await admin
      .prepare(
        `INSERT INTO webhook_endpoints (id, organization_id, url, event_types, secret, created_at)
         VALUES ('whe_cli', 'org-acme', 'https://hooks.acme.example/cli', '["email.delivered"]', 'whsec_x', 1)`,
      )
      .run();
    await admin
      .prepare(
        `INSERT INTO webhook_deliveries (endpoint_id, webhook_id, event_type, body, status, attempts, answer_status,
         latency_ms, created_at) VALUES ('whe_cli', 'wh-cli-1', 'email.delivered', '{}', 'delivered', 1, 204, 12, ?)`,
      )
      .bind(NOW)
      .run();
    const list = await runCli(['webhooks', 'list', '--dashboard-url', url, '--org', 'org-acme']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      list.stdout,
      /^1 endpoint\(s\)\nwhe_cli {2}https:\/\/hooks\.acme\.example\/cli {2}enabled {2}email\.delivered\n/,
    );
    assert.match(
      list.stdout,
      /2026-11-28T12:00:00\.000Z {2}email\.delivered\s+delivered answer 204 {2}12 ms {2}attempts 1 {2}wh-cli-1/,
    );
    const other = await runCli(['webhooks', 'list', '--dashboard-url', url, '--org', 'org-globex', '--json']);
    assert.deepEqual(JSON.parse(other.stdout), { endpoints: [] });

    const replay = await runCli([
      'webhooks',
      'replay',
      '--dashboard-url',
      url,
      '--org',
      'org-acme',
      '--endpoint',
      'whe_cli',
      '--webhook-id',
      'wh-cli-1',
    ]);
    assert.equal(replay.code, 1);
    assert.match(replay.stderr, /HTTP 503.*WEBHOOK_QUEUE is not bound/);
  });
});
