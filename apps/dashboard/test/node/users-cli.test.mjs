// `kuratchi-ses user` as a process (the built CLI) against the built dashboard Worker (the bundle
// `wrangler deploy --dry-run` makes, on miniflare with local D1): the bootstrap of the first
// superadmin through the operations token, with no SQL typed by hand, then the superadmin's
// commands (invite, list, reset, remove) and their refusals.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli as run, startBuiltWorker } from './built-worker.mjs';

const TOKEN = 'users-cli-test-token-0123456789abcdef';
const PASSWORD = 'a long and unguessable passphrase';

let worker;
const runCli = (args, env = { KURATCHI_OPS_TOKEN: TOKEN }) => run(args, { env });
const user = (...args) => runCli(['user', ...args, '--dashboard-url', worker.url]);

/** The one-time link a `user create` or `user reset` printed. */
function linkIn(stdout) {
  const link = /^ {2}(http:\/\/\S+\/auth\/set-password\?token=\S+)$/m.exec(stdout)?.[1];
  assert.ok(link, `no link in:\n${stdout}`);
  return link;
}

/** Posts the set-password form of a link as a browser would; its status. */
async function setPassword(link, password) {
  const response = await fetch(link, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: worker.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ password, confirm: password }),
  });
  return response.status;
}

/** Signs in through the form; the status (303 when it worked). */
async function signIn(email, password) {
  const response = await fetch(`${worker.url}/auth/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: worker.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }),
  });
  return response.status;
}

before(async () => {
  worker = await startBuiltWorker({ KURATCHI_OPS_TOKEN: TOKEN });
});

after(async () => {
  await worker?.mf.dispose();
});

describe('kuratchi-ses user against the built Worker', () => {
  it('bootstraps the first superadmin: a one-time link, no password on the command line', async () => {
    const created = await user('create', '--superadmin', '--email', 'ops@example.com', '--name', 'Ops');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^superadmin ops@example\.com created\.$/m);
    assert.match(created.stdout, /One-time link to set the password \(until \d{4}-\d\d-\d\d \d\d:\d\d UTC\):/);
    const link = linkIn(created.stdout);
    assert.equal(await signIn('ops@example.com', PASSWORD), 400, 'no password yet');
    assert.equal(await setPassword(link, PASSWORD), 303);
    assert.equal(await signIn('ops@example.com', PASSWORD), 303);
    assert.equal(await setPassword(link, 'another long passphrase'), 410, 'the link works once');
  });

  it('invites, lists, resets and removes an admin', async () => {
    const invited = await user('create', '--org', 'org-acme', '--email', 'wile@acme.example');
    assert.equal(invited.code, 0, invited.stderr);
    assert.match(invited.stdout, /^admin wile@acme\.example created \(org-acme\)\.$/m);
    assert.equal(await setPassword(linkIn(invited.stdout), PASSWORD), 303);

    const list = await user('list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ops@example\.com {2}superadmin {2}\(no organisation\) {2}active$/m);
    assert.match(list.stdout, /^wile@acme\.example {2}admin {2}org-acme {2}active$/m);
    const json = JSON.parse((await user('list', '--org', 'org-acme', '--json')).stdout);
    assert.deepEqual(
      json.users.map((u) => u.email),
      ['wile@acme.example'],
    );

    const reset = await user('reset', '--email', 'wile@acme.example');
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^password of wile@acme\.example reset \(org-acme\)\.$/m);
    assert.equal(await signIn('wile@acme.example', PASSWORD), 400, 'the old password is gone');
    assert.match((await user('list')).stdout, /^wile@acme\.example {2}admin {2}org-acme {2}reset, link until /m);
    assert.equal(await setPassword(linkIn(reset.stdout), 'the roadrunner is fast, very fast'), 303);

    const removed = await user('remove', '--email', 'wile@acme.example');
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /removed wile@acme\.example: their sessions are ended/);
    assert.equal(await signIn('wile@acme.example', 'the roadrunner is fast, very fast'), 400);
  });

  it('refuses a taken address, an unknown user or organisation (exit 1) and a wrong command line (exit 2)', async () => {
    const taken = await user('create', '--superadmin', '--email', 'OPS@example.com');
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /HTTP 409: user-exists: a user ops@example\.com already exists/);
    const noOrg = await user('create', '--org', 'org-nope', '--email', 'x@nope.example');
    assert.equal(noOrg.code, 1);
    assert.match(noOrg.stderr, /HTTP 404: organization-not-found/);
    const nobody = await user('remove', '--email', 'nobody@example.com');
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /HTTP 404: user-not-found/);
    const badAddress = await user('create', '--superadmin', '--email', 'not-an-address');
    assert.equal(badAddress.code, 1);
    assert.match(badAddress.stderr, /HTTP 400: invalid-request: email: must be an email address/);

    for (const args of [
      ['create', '--email', 'x@example.com'],
      ['create', '--superadmin', '--org', 'org-acme', '--email', 'x@example.com'],
      ['create', '--superadmin'],
      ['reset'],
      ['rename', '--email', 'x@example.com'],
      ['create', '--superadmin', '--email', 'x@example.com', '--password', 'no'],
    ]) {
      const wrong = await user(...args);
      assert.equal(wrong.code, 2, `${args.join(' ')}: ${wrong.stderr}`);
    }
    const noToken = await runCli(['user', 'list', '--dashboard-url', worker.url], {});
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /KURATCHI_OPS_TOKEN must be set/);
  });
});
