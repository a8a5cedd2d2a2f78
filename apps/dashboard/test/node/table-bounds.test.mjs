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

/**
 * The only tables that may be `never` purged, each with why: a new table cannot opt out of
 * retention without an entry here.
 */
export const NEVER_PURGED = new Map([
  ['org:email_suppressions', 'the suppression list: forgetting an address would send to it again'],
  ['org:email_rollups', 'the figures that outlive raw events; their links are trimmed (about 1.5 MB a year)'],
]);

/**
 * What is wrong with the registry's entries: a `never` table not in {@link NEVER_PURGED}; a table
 * that must be purged (`time`, `count`, `retention`) with nothing to purge it; a `fixed` table
 * whose rows are not one or one per organisation, user… (per email, event or day is growth).
 */
export function boundProblems(entries, neverPurged = NEVER_PURGED) {
  return entries.flatMap((b) => {
    const name = `${b.database}:${b.table}`;
    const nothing = 'by' in b.enforcedBy && b.enforcedBy.by === 'nothing needed';
    if (b.kind === 'never' && !neverPurged.has(name)) return [`${name} is never purged but not allow-listed`];
    if (['time', 'count', 'retention'].includes(b.kind) && nothing)
      return [`${name} (${b.kind}) names nothing that purges it`];
    if (
      b.kind === 'fixed' &&
      (!/^(one row|a row per )/.test(b.bound) ||
        /per (email|event|click|link|recipient|message|day|hour)/.test(b.bound))
    )
      return [`${name} is fixed but grows with ${b.bound}`];
    return [];
  });
}

test('only allow-listed tables are never purged; a purged kind names what purges it; fixed is fixed', () => {
  assert.deepEqual(boundProblems(registry.TABLE_BOUNDS), []);
  const entry = (kind, bound, enforcedBy = { by: 'nothing needed' }) => ({
    table: 'email_clicks',
    database: 'org',
    owner: 'routing/',
    kind,
    bound,
    enforcedBy,
  });
  assert.deepEqual(boundProblems([entry('never', 'kept')]), ['org:email_clicks is never purged but not allow-listed']);
  assert.deepEqual(boundProblems([entry('time', '30 days')]), ['org:email_clicks (time) names nothing that purges it']);
  assert.deepEqual(boundProblems([entry('fixed', 'a row per email')]), [
    'org:email_clicks is fixed but grows with a row per email',
  ]);
  assert.deepEqual(
    boundProblems([entry('time', '30 days', { job: 'retention-purge' }), entry('fixed', 'one row')]),
    [],
  );
});

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
