// A large organisation's database on disk, filled once and kept for later runs (issue 30: the log
// and the overview at 10M emails). Filling 10M emails through D1 takes hours: every row updates
// the secondary indexes, the search index and the rollups' triggers in random order, and D1 allows
// no PRAGMA. So the database is made by the real migrations through miniflare's D1, then the
// sqlite3 shell fills it (journal and fsync off for the fill only): its indexes, triggers and
// search index are dropped, the rows generated inside SQLite in primary-key order
// (bench/email-rows.mjs: the emails, their CC rows, an Open per opened email and a Click per
// clicked one, with their feed positions), then the indexes made again from their own SQL, the
// rollups by the rollup-backfill job's slice SQL and the search index by 0003's backfill, the triggers
// made again, and `ANALYZE` run through D1. Before use, its tables, indexes, triggers and views
// must equal those the migrations made (the fill fails otherwise).
// The fill is kept in `<dir>/org-<size>-<key>/`, `key` a hash of the migrations and of the row
// generators, so a changed schema fills again; `fill.json` (written last) holds the fill's times
// and the bytes of each table with its indexes (SQLite's dbstat).
// Needs the `sqlite3` shell (3.38 or later: JSON functions, FTS5 with the trigram tokenizer).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rollupBackfillSlice } from 'kuratchi-sdk/internal/d1';
import { Miniflare } from 'miniflare';
import { applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { emailRowsSql, eventRowsSql } from './email-rows.mjs';

/** Emails per generated statement (a progress line each). */
const CHUNK = 1_000_000;
/** The tables whose secondary indexes and triggers are dropped during the fill. */
const FILLED = ['emails', 'email_recipients', 'email_events', 'email_rollups'];
/** Raise it when the way a fill is made changes (a kept fill is then made again). */
const FILL_VERSION = 1;

/**
 * The fill of `size` emails under `dir`, made if missing: `persist` is the directory to give
 * miniflare as `d1Persist` (binding `DB`), `fill` what fill.json says.
 * @param {number} size
 * @param {string} dir
 * @returns {Promise<{ persist: string, fill: Fill }>}
 */
export async function filledOrganization(size, dir) {
  const persist = join(dir, `org-${size}-${fillKey()}`);
  if (!existsSync(join(persist, 'fill.json'))) await fill(size, persist);
  return { persist, fill: JSON.parse(readFileSync(join(persist, 'fill.json'), 'utf8')) };
}

/**
 * @typedef {object} Fill
 * @property {number} size emails
 * @property {number} events
 * @property {Record<string, number>} seconds per phase
 * @property {Record<string, number>} bytes per table with its indexes (`email_search`: the FTS5 table's shadow tables)
 * @property {number} databaseBytes page count × page size, as D1 reports it
 */

/** A hash of what makes a fill: the org migrations, the SQL of its rows and FILL_VERSION. */
function fillKey() {
  const hash = createHash('sha256').update(`fill ${FILL_VERSION}`);
  for (const file of readdirSync(ORG_MIGRATIONS).sort())
    hash.update(file).update(readFileSync(join(ORG_MIGRATIONS, file)));
  for (const sql of [...emailRowsSql(), ...eventRowsSql({ positions: true })]) hash.update(sql);
  return hash.digest('hex').slice(0, 12);
}

/** A Miniflare whose D1 binding `DB` persists under `persist`. */
function d1At(persist) {
  return new Miniflare({
    cf: false, // the fallback `request.cf`: nothing fetched from Cloudflare
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 404 }); } };',
    compatibilityDate: '2026-05-01',
    d1Databases: ['DB'],
    d1Persist: persist,
  });
}

/** The schema as sqlite_master lists it (ANALYZE's tables and workerd's own left out). */
async function schemaOf(db) {
  const { results } = await db
    .prepare(
      `SELECT type, name, tbl_name, sql FROM sqlite_master
       WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY type, name`,
    )
    .all();
  return results;
}

async function fill(size, persist) {
  const building = `${persist}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const started = performance.now();
  let mf = d1At(building);
  const schema = await (async () => {
    try {
      const db = await mf.getD1Database('DB');
      await applyMigrationFiles(db, ORG_MIGRATIONS);
      return await schemaOf(db);
    } finally {
      await mf.dispose();
    }
  })();
  const objects = join(building, 'miniflare-D1DatabaseObject');
  const file = readdirSync(objects).find((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite');
  if (!file) throw new Error(`no database file in ${objects}`);

  const marks = await sqliteShell(join(objects, file), fillScript(size, schema));
  const timed = marks.filter((mark) => mark.label !== 'bytes');
  /** @type {Record<string, number>} */
  const seconds = {};
  for (let i = 1; i < timed.length; i++) seconds[timed[i].label] = timed[i].at - timed[i - 1].at;
  /** @type {Record<string, number>} */
  const bytes = {};
  for (const { value } of marks.filter((mark) => mark.label === 'bytes')) {
    const [table, n] = value.split('=');
    const name = table.startsWith('email_search') ? 'email_search' : table;
    bytes[name] = (bytes[name] ?? 0) + Number(n);
  }

  mf = d1At(building);
  try {
    const db = await mf.getD1Database('DB');
    const analyzing = performance.now();
    await db.prepare('ANALYZE').run();
    seconds.analyze = (performance.now() - analyzing) / 1000;
    const now = await schemaOf(db);
    if (JSON.stringify(now) !== JSON.stringify(schema)) {
      const seen = new Set(now.map((row) => JSON.stringify(row)));
      const missing = schema.filter((row) => !seen.has(JSON.stringify(row))).map((row) => `${row.type} ${row.name}`);
      throw new Error(`the filled database is not the migrated one: ${missing.join(', ') || 'extra objects'}`);
    }
    const count = (sql) => db.prepare(sql).first('n').then(Number);
    const emails = await count('SELECT count(*) AS n FROM emails');
    if (emails !== size) throw new Error(`the fill made ${emails} emails, not ${size}`);
    const events = await count('SELECT count(*) AS n FROM email_events');
    const databaseBytes = Number((await db.prepare('SELECT 1').run()).meta.size_after);
    seconds.total = (performance.now() - started) / 1000;
    writeFileSync(
      join(building, 'fill.json'),
      JSON.stringify({ size, events, seconds, bytes, databaseBytes }, null, 2),
    );
  } finally {
    await mf.dispose();
  }
  renameSync(building, persist);
}

/**
 * The sqlite3 shell's script of a fill. Lines `@|<label>|<seconds>` mark the end of a phase;
 * `@|bytes|<table>=<n>` give sizes.
 */
function fillScript(size, schema) {
  const mark = (label) => `SELECT '@', '${label}', (julianday('now') - 2440587.5) * 86400;`;
  const statements = (sql, from, to) => sql.replaceAll('?1', String(from)).replaceAll('?2', String(to)) + ';';
  const chunks = [];
  for (let from = 0; from < size; from += CHUNK) chunks.push([from, Math.min(from + CHUNK, size)]);
  const triggers = schema.filter((row) => row.type === 'trigger' && FILLED.includes(row.tbl_name));
  const indexes = schema.filter((row) => row.type === 'index' && row.sql && FILLED.includes(row.tbl_name));
  const search = schema.find((row) => row.type === 'table' && row.name === 'email_search');
  if (!search) throw new Error('the migrations made no email_search table');
  const migration = (name) =>
    readFileSync(join(ORG_MIGRATIONS, name), 'utf8')
      .split('\n')
      .filter((line) => !line.trim().startsWith('--'))
      .join('\n');
  // The backfills: the rollup-backfill job's slice (routing/rollup-backfill.ts) over every email
  // at once, as after 0011 left its marker; 0003's INSERT of email_search.
  const capture = { prepare: (sql) => ({ sql, bind: () => ({ sql }) }) };
  const rollups = [
    'INSERT INTO email_rollups_backfill (id, high_water, cursor) SELECT 1, max(rowid), 0 FROM emails;',
    ...rollupBackfillSlice(/** @type {any} */ (capture), 0, size).map((statement) =>
      statements(/** @type {any} */ (statement).sql, 0, size),
    ),
  ];
  const searchBackfill = migration('0003_search.sql').match(
    /^INSERT INTO email_search \(rowid[\s\S]*?FROM email_search_text;$/m,
  );
  if (!searchBackfill) throw new Error('0003_search.sql: no backfill statement of email_search');
  return [
    '.bail on',
    '.mode list',
    'PRAGMA journal_mode = OFF;',
    'PRAGMA synchronous = OFF;',
    'PRAGMA cache_size = -1000000;',
    mark('start'),
    ...triggers.map((row) => `DROP TRIGGER ${row.name};`),
    ...indexes.map((row) => `DROP INDEX ${row.name};`),
    'DROP TABLE email_search;',
    'DELETE FROM email_rollups;',
    'BEGIN;',
    ...chunks.flatMap(([from, to]) => [
      ...emailRowsSql().map((sql) => statements(sql.replaceAll('?3', String(size)), from, to)),
      mark(`emails-${to}`),
    ]),
    ...chunks.flatMap(([from, to]) => [
      ...eventRowsSql({ positions: true }).map((sql) => statements(sql, from, to)),
      mark(`events-${to}`),
    ]),
    'UPDATE event_position_sequence SET last = (SELECT coalesce(max(position), 0) FROM email_events) WHERE id = 1;',
    'COMMIT;',
    ...indexes.flatMap((row) => [`${row.sql};`, mark(`index ${row.name}`)]),
    ...rollups,
    mark('rollups backfill'),
    `${search.sql};`,
    searchBackfill[0],
    mark('search backfill'),
    ...triggers.map((row) => `${row.sql};`),
    mark('triggers'),
    `SELECT '@', 'bytes', coalesce(m.tbl_name, d.name) || '=' || sum(d.pgsize) FROM dbstat AS d
       LEFT JOIN sqlite_master AS m ON m.name = d.name GROUP BY coalesce(m.tbl_name, d.name);`,
    mark('dbstat'),
    'PRAGMA journal_mode = WAL;',
  ].join('\n');
}

/** Runs `script` in the sqlite3 shell on `file` (at this process's priority), echoing its marks; returns them. */
function sqliteShell(file, script) {
  return new Promise((resolve, reject) => {
    const shell = spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'inherit'] });
    /** @type {Array<{ label: string, at: number, value: string }>} */
    const marks = [];
    let pending = '';
    shell.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [at, label, value] = line.split('|');
        if (at !== '@') continue;
        marks.push({ label, at: Number(value), value });
        if (label !== 'bytes') console.log(`  fill: ${label} (${(Number(value) - marks[0].at).toFixed(0)} s)`);
      }
    });
    shell.on('error', (error) =>
      reject(new Error(`the sqlite3 shell did not start (${error.message}): install sqlite3`)),
    );
    shell.on('close', (code) => (code === 0 ? resolve(marks) : reject(new Error(`sqlite3 exited with ${code}`))));
    shell.stdin.end(script);
  });
}
