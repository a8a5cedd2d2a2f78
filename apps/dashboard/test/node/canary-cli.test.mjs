// `kuratchi-ses canary` as a process (the built CLI) against the built dashboard Worker (the
// bundle `wrangler deploy --dry-run` makes, on miniflare with local D1). The Worker's own SESv2
// calls go to a local HTTP server on 127.0.0.1 (AWS_ENDPOINT_URL), which plays SES and SNS: it
// accepts each SendEmail and then hands the simulator's events back to the Worker (through the
// operations API's event import, the same apply path as the webhook), so the CLI sees each
// expected event come back and prints its end-to-end lag; with one event held back it times out
// and names it.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { buildSesEvent } from 'kuratchi-sdk/email/testing';
import { localSesBindings, runCli as run, startBuiltWorker } from './built-worker.mjs';

const TOKEN = 'canary-cli-test-token-0123456789abcdef';
const EXPECTED = {
  success: ['Send', 'Delivery'],
  bounce: ['Send', 'Bounce'],
  complaint: ['Send', 'Delivery', 'Complaint'],
};

let worker;
let ses;
/** Events the fake SES does not send back (`complaint/Complaint`). */
const withheld = new Set();
const pending = new Set();

const runCli = (args) => run(args, { env: { KURATCHI_OPS_TOKEN: TOKEN } });

/** The fake SES: answers SendEmail, then publishes the simulator's events back to the Worker. */
function startFakeSes() {
  let n = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || !request.url.startsWith('/v2/email/outbound-emails')) {
        response.writeHead(404).end();
        return;
      }
      const input = JSON.parse(body);
      const recipient = input.Destination.ToAddresses[0];
      const scenario = recipient.split(/[+@]/)[0];
      const messageId = `010f-canary-cli-${++n}`;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ MessageId: messageId }));
      const records = EXPECTED[scenario]
        .filter((eventType) => !withheld.has(`${scenario}/${eventType}`))
        .map((eventType) => JSON.stringify(buildSesEvent({ eventType, messageId, recipient, time: new Date() })));
      const delivery = new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
        fetch(`${worker.url}/api/ops/events/import`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ records }),
        }),
      );
      pending.add(delivery);
      delivery.finally(() => pending.delete(delivery));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  ses = await startFakeSes();
  worker = await startBuiltWorker({
    KURATCHI_OPS_TOKEN: TOKEN,
    ...localSesBindings(`http://127.0.0.1:${ses.address().port}`),
    KURATCHI_CANARY_ORGANIZATION_ID: 'org-acme',
    KURATCHI_CANARY_FROM: 'canary@acme.example',
  });
});

after(async () => {
  await Promise.allSettled([...pending]);
  await worker?.mf.dispose();
  ses?.close();
});

/** How long the passing `--wait` run took, start to exit (seconds), when it ran. */
let allBackWithinS = null;

describe('kuratchi-ses canary against the built Worker', () => {
  it('--wait: starts a run and prints each expected event as it comes back, with its lag, then passes', async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await runCli([
      'canary',
      '--dashboard-url',
      worker.url,
      '--wait',
      '--poll-ms',
      '1000',
      '--deadline-seconds',
      '300',
    ]);
    assert.equal(code, 0, stderr);
    allBackWithinS = (Date.now() - started) / 1000;
    assert.match(stdout, /^canary run \S+ started \d{4}-\d\d-\d\dT.*\(deadline /);
    assert.match(
      stdout,
      /sent to success\+\S+@simulator\.amazonses\.com, bounce\+\S+@simulator\.amazonses\.com, complaint\+/,
    );
    for (const key of ['success/Send', 'success/Delivery', 'bounce/Bounce', 'complaint/Complaint'])
      assert.match(stdout, new RegExp(`back  ${key.replace('/', '\\/')}\\s+end-to-end lag \\d+\\.\\d s`));
    assert.match(stdout, /passed: 7\/7 events back in time, end-to-end lag \d+\.\d s \(the slowest\)/);
    const { n } = await worker.acme.prepare('SELECT count(*) AS n FROM emails WHERE canary = 1').first();
    assert.equal(n, 3);
  });

  it('--wait --timeout: exits 1 naming the events that did not come back', async () => {
    withheld.add('complaint/Complaint');
    // Long enough for the others to come back on this machine now: thrice what the whole run
    // took above (at least 4 s), not a figure for an idle machine.
    const timeoutS = Math.max(4, Math.ceil(3 * (allBackWithinS ?? 10)));
    const { code, stdout, stderr } = await runCli([
      'canary',
      '--dashboard-url',
      worker.url,
      '--wait',
      '--poll-ms',
      '1000',
      '--deadline-seconds',
      String(timeoutS),
    ]);
    assert.equal(code, 1, stdout);
    assert.match(stdout, /back {2}bounce\/Bounce/);
    assert.match(stderr, new RegExp(`run \\S+ timed out after ${timeoutS} s: not back: complaint/Complaint`));
  });

  it('without the canary configured the Worker says so (exit 1)', async () => {
    const { code, stderr } = await run(['canary', '--dashboard-url', worker.url], { env: {} });
    assert.equal(code, 2);
    assert.match(stderr, /KURATCHI_OPS_TOKEN must be set/);
  });
});
