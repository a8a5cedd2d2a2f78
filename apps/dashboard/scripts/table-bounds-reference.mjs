#!/usr/bin/env node
// Writes (--write) or checks (--check, the default) docs/table-bounds.md, generated from the
// registry of table bounds (apps/dashboard/src/lib/server/bounds/table-bounds.ts). The registry
// is TypeScript: Vite's module runner loads it.
//   node apps/dashboard/scripts/table-bounds-reference.mjs --write
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const dashboard = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
/** The generated page, from the repository's root. */
export const DOC = 'docs/table-bounds.md';

/** The registry module (TABLE_BOUNDS, tableBoundsMarkdown, REGENERATE_COMMAND). */
export async function loadTableBounds() {
  const { module } = await runnerImport(`${dashboard}src/lib/server/bounds/table-bounds.ts`, {
    root: dashboard,
    configFile: false,
    logLevel: 'error',
  });
  return module;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const registry = await loadTableBounds();
  const wanted = registry.tableBoundsMarkdown();
  let current = '';
  try {
    current = readFileSync(`${root}${DOC}`, 'utf8');
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  if (process.argv.includes('--write')) {
    if (wanted !== current) {
      writeFileSync(`${root}${DOC}`, wanted);
      console.log(`wrote ${DOC}`);
    }
  } else if (wanted !== current) {
    console.error(`${DOC} is out of date with the table-bounds registry; run: ${registry.REGENERATE_COMMAND}`);
    process.exit(1);
  } else console.log(`${DOC} matches the registry`);
}
