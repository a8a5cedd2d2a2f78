import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { runCli } from '../../../packages/kuratchi-sdk/test/node/cli-run.mjs';
import { readDemoOpsToken } from '../../../scripts/lib/demo-ops-token.mjs';
import { SIMULATE_KEY_FILE } from '../../../scripts/lib/demo-signer.mjs';
import { E2E } from './environment';

// The demo is a deployment like any other: the built `kuratchi-ses`, as a process, runs one command
// of each kind the docs show against it, with the operations token `pnpm dev` keeps in its work
// directory (what `export KURATCHI_OPS_TOKEN=$(cat .wrangler/demo/ops-token)` reads) and the
// dashboard's URL in place of https://dash.example.com. Commands that change the demo change what
// no other spec reads: a new organisation, a canary run, parked events of emails nobody sent.
const demoDir = join(E2E.stateDir, 'demo');
const url = E2E.baseURL;

/** `kuratchi-ses …args` with the demo's operations token, from the repository's root. */
async function cli(...args: string[]) {
  return runCli(args, { env: { KURATCHI_OPS_TOKEN: readDemoOpsToken(demoDir) }, cwd: E2E.root });
}

test('kuratchi-ses against the demo: organisations, dead letters, reputation, reclassify, reconcile, the canary, rebuild, simulate', async () => {
  const id = `org-cli-${Date.now().toString(36)}`;
  const created = await cli('org', 'create', '--dashboard-url', url, '--org', id, '--name', 'CLI test');
  expect(created.stderr).toBe('');
  expect(created.stdout).toBe(`created ${id} (CLI test) on Durable Object (ORG_DO)\n`);
  const list = await cli('org', 'list', '--dashboard-url', url);
  expect(list.code, list.stderr).toBe(0);
  expect(list.stdout).toMatch(/^org-acme {2}D1 \(ORG_DB_ACME\) {2}Acme Corp$/m);
  expect(list.stdout).toMatch(new RegExp(`^${id} {2}Durable Object \\(ORG_DO\\) {2}CLI test$`, 'm'));

  const deadLetters = await cli('dead-letters', 'list', '--dashboard-url', url);
  expect(deadLetters.code, deadLetters.stderr).toBe(0);
  expect(deadLetters.stdout).toMatch(/^\d+ dead letter\(s\)/);

  const reputation = await cli('reputation', '--dashboard-url', url);
  expect(reputation.code, reputation.stderr).toBe(0);
  expect(reputation.stdout).toMatch(/^org-globex\s+(ok|warn|warning|none|paused)\s/m);

  const reclassify = await cli('reclassify', '--dashboard-url', url, '--org', 'org-acme');
  expect(reclassify.code, reclassify.stderr).toBe(0);
  expect(reclassify.stdout).toMatch(/^reclassified \d+ open\(s\) and click\(s\) of org-acme with rules version \d+/);

  // The demo's SES answers GetMessageInsights (Virtual Deliverability Manager on).
  const reconcile = await cli('reconcile', '--dashboard-url', url, '--org', 'org-globex', '--dry-run');
  expect(reconcile.code, reconcile.stderr).toBe(0);
  expect(reconcile.stdout).toMatch(/^(dry run: )?reconciled 1 organisation\(s\): \d+ asked/m);

  const canary = await cli('canary', '--dashboard-url', url, '--wait');
  expect(canary.code, `${canary.stdout}\n${canary.stderr}`).toBe(0);
  expect(canary.stdout).toMatch(/^passed: 7\/7 events back in time/m);

  // The seed was recorded without the archive: the dry run lists it, a rebuild refuses it.
  const dryRun = await cli('rebuild', '--dashboard-url', url, '--org', 'org-acme', '--dry-run');
  expect(dryRun.code, dryRun.stderr).toBe(0);
  const unarchived =
    /^ {2}not in the archive: (\d+) event\(s\): pre-archive \1 \(a rebuild deletes them only with --drop-unarchived\)$/m.exec(
      dryRun.stdout,
    );
  expect(unarchived, dryRun.stdout).not.toBeNull();
  const refused = await cli('rebuild', '--dashboard-url', url, '--org', 'org-acme');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`org-acme has ${unarchived![1]} event(s) the archive does not hold (pre-archive `);
  expect(refused.stderr).toContain('Nothing was reset.');
  expect((await cli('rebuild', '--dashboard-url', url, '--org', 'org-acme', '--dry-run')).stdout).toBe(dryRun.stdout);

  // An offline tool against the demo's webhook, signing with the key `pnpm dev` wrote.
  const simulate = await cli(
    'simulate',
    '--webhook-url',
    `${url}/api/webhooks/ses-events`,
    '--key',
    join(demoDir, SIMULATE_KEY_FILE),
    '--count',
    '6',
    '--seed',
    '7',
  );
  expect(simulate.code, `${simulate.stdout}\n${simulate.stderr}`).toBe(0);
  expect(simulate.stdout).toMatch(/->200/);
});
