#!/usr/bin/env node
// Writes (--write) or checks (--check, the default) the references generated from the settings
// registry (apps/dashboard/src/lib/server/settings/registry.ts): docs/settings.md and the [vars]
// block of the root wrangler.toml. The registry is TypeScript: Vite's module runner loads it.
//   node apps/dashboard/scripts/settings-reference.mjs --write
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const dashboard = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
const write = process.argv.includes('--write');

const { module: reference } = await runnerImport(`${dashboard}src/lib/server/settings/reference.ts`, {
  root: dashboard,
  configFile: false,
  logLevel: 'error',
});

/** Each generated file: where it is and what it should hold given what it holds now. */
const files = [
  { path: `${root}docs/settings.md`, expected: () => reference.settingsMarkdown() },
  { path: `${root}wrangler.toml`, expected: (current) => reference.withVarsBlock(current) },
];

const stale = [];
for (const { path, expected } of files) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  const wanted = expected(current);
  if (wanted === current) continue;
  if (write) {
    writeFileSync(path, wanted);
    console.log(`wrote ${path.slice(root.length)}`);
  } else stale.push(path.slice(root.length));
}
if (stale.length) {
  console.error(`out of date with the settings registry: ${stale.join(', ')}; run: ${reference.REGENERATE_COMMAND}`);
  process.exit(1);
}
if (!write) console.log('the settings references match the registry');
