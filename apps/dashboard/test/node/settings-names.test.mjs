// The files that set the Worker's variables use the registry's names, and the generated
// references match it (apps/dashboard/src/lib/server/settings/registry.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const dashboard = fileURLToPath(new URL('../..', import.meta.url));
const root = fileURLToPath(new URL('../../../..', import.meta.url));

/** Where variables are set: wrangler configs, the demo, the test and bench harnesses. */
const SETTERS = [
  'wrangler.toml',
  'wrangler.dev.toml',
  'apps/dashboard/adapter.wrangler.toml',
  'scripts/dev.mjs',
  'apps/dashboard/vitest.config.ts',
  'apps/dashboard/playwright.config.ts',
  'apps/dashboard/e2e/fresh-deployment.spec.ts',
  'apps/dashboard/test/node/built-worker.mjs',
  'bench/park.mjs',
  'bench/queue.mjs',
];

test('the files that set variables use no old name', async () => {
  const { module } = await runnerImport(`${dashboard}src/lib/server/settings/registry.ts`, {
    root: dashboard,
    configFile: false,
    logLevel: 'error',
  });
  const renamed = Object.entries(module.SETTINGS).flatMap(([name, s]) => (s.oldName ? [[s.oldName, name]] : []));
  assert.ok(renamed.length > 20);
  for (const file of SETTERS) {
    const text = readFileSync(`${root}${file}`, 'utf8');
    for (const [oldName, name] of renamed) {
      assert.doesNotMatch(text, new RegExp(`\\b${oldName}\\b`), `${file} sets ${oldName}: rename it ${name}`);
    }
  }
});

test('settings-reference.mjs --check agrees with the registry', () => {
  const run = spawnSync(process.execPath, [`${dashboard}scripts/settings-reference.mjs`, '--check'], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /the settings references match the registry/);
});
