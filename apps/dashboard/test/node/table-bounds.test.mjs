// Every table the migrations leave in place has an entry in the table-bounds registry
// (src/lib/server/bounds/table-bounds.ts), every entry names such a table, and
// docs/table-bounds.md is the page generated from the registry.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DOC, loadTableBounds } from '../../scripts/table-bounds-reference.mjs';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const migrations = `${root}packages/kuratchi-sdk/migrations/`;

/**
 * The tables a database's migrations leave, in order: CREATE [VIRTUAL] TABLE adds one (not
 * `... AS SELECT` copies either: they are tables too), DROP TABLE removes it, ALTER TABLE …
 * RENAME TO renames it. Comments are left out first. FTS5's shadow tables (`email_search_data`…)
 * belong to their virtual table.
 * @see https://www.sqlite.org/lang_createtable.html
 */
export function tablesOf(database) {
  const tables = new Set();
  const dir = `${migrations}${database}/`;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const sql = readFileSync(`${dir}${file}`, 'utf8').replace(/--[^\n]*/g, '');
    const statement =
      /\b(?:CREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)|DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)|ALTER\s+TABLE\s+(\w+)\s+RENAME\s+TO\s+(\w+))/gi;
    for (const [, created, dropped, from, to] of sql.matchAll(statement)) {
      if (created) tables.add(created);
      else if (dropped) tables.delete(dropped);
      else if (from) {
        tables.delete(from);
        tables.add(to);
      }
    }
  }
  return tables;
}

const registry = await loadTableBounds();

for (const database of ['admin', 'org']) {
  test(`every ${database} table has an owner and a bound, and every entry a table`, () => {
    const tables = tablesOf(database);
    assert.ok(tables.size > (database === 'admin' ? 30 : 8), `read the ${database} migrations (${tables.size})`);
    const entries = registry.TABLE_BOUNDS.filter((b) => b.database === database).map((b) => b.table);
    assert.deepEqual(
      [...tables].filter((t) => !entries.includes(t)),
      [],
      `tables without an entry in apps/dashboard/src/lib/server/bounds/table-bounds.ts (add one: owner, bound, job)`,
    );
    assert.deepEqual(
      entries.filter((t) => !tables.has(t)),
      [],
      `entries of apps/dashboard/src/lib/server/bounds/table-bounds.ts whose table no ${database} migration leaves`,
    );
    assert.equal(new Set(entries).size, entries.length, 'a table listed twice');
  });
}

test('the parser follows a rename and a drop (admin 0013 rebuilt users; 0025 dropped sign_in_failures)', () => {
  const tables = tablesOf('admin');
  assert.ok(tables.has('users') && tables.has('sessions'));
  assert.ok(!tables.has('users_0013') && !tables.has('sessions_0013') && !tables.has('sign_in_failures'));
  assert.ok(tablesOf('org').has('email_search'), 'a virtual table counts');
});

test(`${DOC} is generated from the registry`, () => {
  assert.equal(
    readFileSync(`${root}${DOC}`, 'utf8'),
    registry.tableBoundsMarkdown(),
    `${DOC} is out of date: run ${registry.REGENERATE_COMMAND}`,
  );
});
