// `kuratchi-ses suppressions` against a stand-in of the dashboard's operations API on 127.0.0.1:
// the requests it sends, its output, and an import file with a bad line sending nothing.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from './cli-run.mjs';

const TOKEN = 'suppressions-cli-test-token-0123456789';
const ENTRY = (n) => ({
  emailAddress: `a${n}@x.example`,
  reason: 'bounce',
  detail: n === 1 ? 'General: "550", mailbox' : null,
  sourceEmailId: n === 1 ? 'email-1' : null,
  createdAt: Date.UTC(2026, 10, 28) + n,
});

/** The stand-in: GET pages of two entries (three in all), POST answers what it was sent. */
async function dashboard(t) {
  const requests = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url, 'http://127.0.0.1');
    requests.push({ method: req.method, url, auth: req.headers.authorization, body: body ? JSON.parse(body) : null });
    res.writeHead(200, { 'content-type': 'application/json' });
    if (req.method === 'GET') {
      const after = url.searchParams.get('after');
      const page = after ? [ENTRY(3)] : [ENTRY(1), ENTRY(2)];
      return res.end(
        JSON.stringify({
          suppressions: page,
          next: after ? null : 'a2@x.example',
          sync: { queued: 1, failing: 0, lastError: null, lastPassAt: null },
        }),
      );
    }
    const sent = JSON.parse(body);
    res.end(JSON.stringify(sent.entries ? { added: sent.entries.length - 1, existing: 1 } : { removed: 1, absent: 0 }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${server.address().port}`;
  const run = (args) =>
    runCli(['suppressions', ...args, '--dashboard-url', url, '--org', 'org-acme'], {
      env: { KURATCHI_OPS_TOKEN: TOKEN },
    });
  return { requests, run };
}

describe('kuratchi-ses suppressions', { concurrency: true }, () => {
  it('imports a CSV file in pages, then says what was added', async (t) => {
    const { requests, run } = await dashboard(t);
    const dir = await mkdtemp(join(tmpdir(), 'kuratchi-suppressions-'));
    const file = join(dir, 'list.csv');
    await writeFile(file, 'Email_Address,detail\nOne@x.example,"asked, by phone"\ntwo@x.example,\nthree@x.example\n');
    const { code, stdout, stderr } = await run(['import', file, '--page-size', '2']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /imported .*list\.csv: 3 address\(es\), 1 added, 2 already suppressed/);
    assert.deepEqual(
      requests.map((r) => [r.method, r.url.pathname, r.auth, r.body]),
      [
        [
          'POST',
          '/api/ops/suppressions',
          `Bearer ${TOKEN}`,
          {
            organizationId: 'org-acme',
            entries: [{ emailAddress: 'One@x.example', detail: 'asked, by phone' }, { emailAddress: 'two@x.example' }],
          },
        ],
        [
          'POST',
          '/api/ops/suppressions',
          `Bearer ${TOKEN}`,
          { organizationId: 'org-acme', entries: [{ emailAddress: 'three@x.example' }] },
        ],
      ],
    );
  });

  it('refuses a file with bad lines whole, naming each, and sends nothing', async (t) => {
    const { requests, run } = await dashboard(t);
    const dir = await mkdtemp(join(tmpdir(), 'kuratchi-suppressions-'));
    const file = join(dir, 'list.ndjson');
    await writeFile(
      file,
      '{"emailAddress":"ok@x.example"}\n[1]\n{"emailAddress":"nope"}\n{"emailAddress":"b@x.example","detail":7}\n',
    );
    const { code, stderr } = await run(['import', file]);
    assert.equal(code, 2);
    assert.match(stderr, /was not imported \(nothing was sent\)/);
    assert.match(stderr, /line 2: not a JSON object/);
    assert.match(stderr, /line 3: emailAddress must be a plain ASCII email address/);
    assert.match(stderr, /line 4: detail must be text/);
    assert.equal(requests.length, 0);
    const noHeader = join(dir, 'x.csv');
    await writeFile(noHeader, 'a@x.example\n');
    assert.match((await run(['import', noHeader])).stderr, /line 1: the header row must name a column email_address/);
  });

  it('exports every page as CSV to a new file, lists, adds and removes', async (t) => {
    const { requests, run } = await dashboard(t);
    const dir = await mkdtemp(join(tmpdir(), 'kuratchi-suppressions-'));
    const file = join(dir, 'all.csv');
    const exported = await run(['export', file, '--search', 'x.example']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /exported 3 entries to .*all\.csv/);
    const csv = (await readFile(file, 'utf8')).split('\n');
    assert.equal(csv[0], 'email_address,reason,detail,source_email_id,created_at');
    assert.equal(csv[1], '"a1@x.example","bounce","General: ""550"", mailbox","email-1",2026-11-28T00:00:00.001Z');
    assert.equal(csv.length, 5); // header, 3 entries, the final newline
    assert.deepEqual(
      requests.map((r) => r.url.searchParams.get('after')),
      [null, 'a2@x.example'],
    );
    assert.equal(requests[0].url.searchParams.get('search'), 'x.example');
    assert.equal((await run(['export', file])).code, 2, 'an existing file is never overwritten');

    const listed = await run(['list']);
    assert.match(listed.stdout, /^a1@x\.example +bounce +2026-11-28T00:00:00\.001Z {2}email email-1 {2}General/m);
    assert.match(listed.stdout, /1 change\(s\) wait for the SES tenant list/);
    assert.match((await run(['add', 'n@x.example', '--detail', 'why'])).stdout, /n@x\.example: already suppressed/);
    assert.match((await run(['remove', 'n@x.example'])).stdout, /n@x\.example: removed/);
    assert.deepEqual(requests.at(-2).body, {
      organizationId: 'org-acme',
      entries: [{ emailAddress: 'n@x.example', detail: 'why' }],
    });
    assert.deepEqual(requests.at(-1).body, { organizationId: 'org-acme', emailAddresses: ['n@x.example'] });
  });
});
