// `kuratchi-ses reconcile` as a process (the built CLI) against the built dashboard Worker (the
// bundle `wrangler deploy --dry-run` makes, on miniflare with local D1). The Worker's own SESv2
// calls (GetAccount, GetMessageInsights) go to a local HTTP server on 127.0.0.1
// (AWS_ENDPOINT_URL) that answers as the API reference shows: a dry run counts what SES knows and
// changes nothing, the real run applies it as an event of source `reconcile`, and without Virtual
// Deliverability Manager the CLI says so and exits 1.
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { localSesBindings, runCli as run, startBuiltWorker } from './built-worker.mjs';

const TOKEN = 'reconcile-cli-test-token-0123456789abcdef';
const HOUR = 3_600_000;
const EMAIL_ID = 'reconcile-cli-email';
const SES_MESSAGE_ID = '0102019a-reconcile-cli-000000';
const RECIPIENT = 'quiet@example.com';

let worker;
let ses;
/** Whether the fake account has Virtual Deliverability Manager on. */
let vdm = 'ENABLED';
/** When the fake SES says the message was delivered (epoch ms), set from the test's now. */
let deliveredAt;
const requests = [];

const runCli = (args) => run(args, { env: { KURATCHI_OPS_TOKEN: TOKEN } });

/** The fake SESv2: GetAccount and GetMessageInsights in REST-JSON (timestamps in epoch seconds). */
function startFakeSes() {
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const json = (status, body) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.method === 'GET' && request.url === '/v2/email/account')
      return json(200, {
        SendingEnabled: true,
        ProductionAccessEnabled: true,
        EnforcementStatus: 'HEALTHY',
        VdmAttributes: { VdmEnabled: vdm },
      });
    if (request.method === 'GET' && request.url === `/v2/email/insights/${SES_MESSAGE_ID}`)
      return json(200, {
        MessageId: SES_MESSAGE_ID,
        FromEmailAddress: 'no-reply@acme.example',
        Subject: 'Hello',
        EmailTags: [{ Name: 'ses:configuration-set', Value: 'kuratchi-email-tracking' }],
        Insights: [
          {
            Destination: RECIPIENT,
            Isp: 'Gmail',
            Events: [
              { Timestamp: (deliveredAt - 60_000) / 1000, Type: 'SEND' },
              { Timestamp: deliveredAt / 1000, Type: 'DELIVERY' },
            ],
          },
        ],
      });
    json(404, { message: `not scripted: ${request.method} ${request.url}` });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  ses = await startFakeSes();
  worker = await startBuiltWorker({
    KURATCHI_OPS_TOKEN: TOKEN,
    ...localSesBindings(`http://127.0.0.1:${ses.address().port}`),
  });
  // An email sendEmail sent five hours ago (the route runs on the real clock) with no event since.
  const sentAt = Date.now() - 5 * HOUR;
  deliveredAt = sentAt + 2_000;
  await worker.acme.batch([
    worker.acme
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, sent_at)
         VALUES (?, ?, 'no-reply@acme.example', 'Hello', 'sent', ?, ?, ?, ?)`,
      )
      .bind(EMAIL_ID, RECIPIENT, SES_MESSAGE_ID, sentAt, sentAt, sentAt),
    worker.acme
      .prepare("INSERT INTO email_recipients (email_id, address, kind, status, sent_at) VALUES (?, ?, 'to', 'sent', ?)")
      .bind(EMAIL_ID, RECIPIENT, sentAt),
  ]);
  await worker.admin
    .prepare("INSERT INTO email_message_lookup VALUES (?, 'org-acme', ?, 0)")
    .bind(SES_MESSAGE_ID, EMAIL_ID)
    .run();
});

after(async () => {
  await worker?.mf.dispose();
  ses?.close();
});

const status = () => worker.acme.prepare('SELECT status, delivered_at FROM emails WHERE id = ?').bind(EMAIL_ID).first();

describe('kuratchi-ses reconcile against the built Worker', () => {
  it('a dry run counts what SES knows and writes nothing; the run applies it once, marked reconcile', async () => {
    const dry = await runCli(['reconcile', '--dashboard-url', worker.url, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^dry run: reconciled 1 organisation\(s\): 1 asked, 1 learned, 0 applied/m);
    assert.match(dry.stderr, /org-acme page 1: asked 1, learned 1/);
    assert.deepEqual(await status(), { status: 'sent', delivered_at: null });

    const real = await runCli(['reconcile', '--dashboard-url', worker.url]);
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /^reconciled 1 organisation\(s\): 1 asked, 1 learned, 1 applied, 0 duplicates/m);
    assert.deepEqual(await status(), { status: 'delivered', delivered_at: deliveredAt });
    const event = await worker.acme
      .prepare('SELECT event_type, source FROM email_events WHERE email_id = ?')
      .bind(EMAIL_ID)
      .first();
    assert.deepEqual(event, { event_type: 'Delivery', source: 'reconcile' });
    assert.ok(requests.includes(`GET /v2/email/insights/${SES_MESSAGE_ID}`), requests.join('\n'));

    // It has an outcome now: nothing left to ask.
    const again = await runCli(['reconcile', '--dashboard-url', worker.url, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).asked, 0);
  });

  it('without Virtual Deliverability Manager says so, asks nothing and exits 1', async () => {
    vdm = 'DISABLED';
    const asked = requests.filter((r) => r.includes('/insights/')).length;
    const result = await runCli(['reconcile', '--dashboard-url', worker.url]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Virtual Deliverability Manager is not enabled on this account/);
    assert.equal(requests.filter((r) => r.includes('/insights/')).length, asked);
  });
});
