// The API tests' client types (test/api-types.ts) are generated from the OpenAPI document the
// API serves (scripts/api-types.mjs): a route changed without regenerating them fails here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dashboard = fileURLToPath(new URL('../..', import.meta.url));

test('api-types.mjs --check agrees with the OpenAPI document', () => {
  const run = spawnSync(process.execPath, [`${dashboard}scripts/api-types.mjs`, '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /matches the OpenAPI document/);
});
