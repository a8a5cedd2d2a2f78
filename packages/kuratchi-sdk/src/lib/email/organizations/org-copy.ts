import type { D1Database } from '@cloudflare/workers-types';
import { bytesToBase64 } from '../shared/encoding.js';
import { sha256Hex } from '../archive/sns-archive.js';
import { marks } from '../shared/sql-marks.js';

/**
 * Copying an organisation's database table by table, page by page, and checking the copy: what
 * `kuratchi-ses org migrate` does between a D1 database and the organisation's Durable Object.
 * Both sides are `D1Database`s (the object through `durableObjectDatabase`), so the same
 * statements read and write either.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */

/** An organisation table that is copied: its name and its primary key columns (the page order). */
export interface OrgTable {
  name: string;
  key: readonly string[];
  /**
   * Copied rows replace the target's (the daily rollups: the triggers of the rows copied before
   * counted them again in the target, and the source's counts, which outlive purged rows, win).
   */
  replace?: true;
}

/**
 * The tables of the org schema (`migrations/org`) that hold data, parents before children (the
 * foreign keys of `email_recipients`, `email_tags`, `email_events` and `email_reconciliation` point at
 * `emails`). The search index (`email_search`, FTS5) is not copied: the triggers of
 * 0003_search.sql rebuild it from `emails` and `email_recipients` as they are inserted.
 * @see https://www.sqlite.org/foreignkeys.html
 */
export const ORG_TABLES: readonly OrgTable[] = [
  { name: 'emails', key: ['id'] },
  // Before the recipients: the triggers of 0019 count the rows copied below from the source's `since` on.
  { name: 'email_guard_rollups_since', key: ['id'], replace: true },
  { name: 'email_recipients', key: ['email_id', 'address'] },
  { name: 'email_tags', key: ['email_id', 'tag_name'] },
  { name: 'email_events', key: ['sns_message_id'] },
  // The queue first: a copied suppression then finds its queued put (INSERT OR IGNORE, 0009).
  { name: 'ses_suppression_changes', key: ['email_address'] },
  { name: 'email_suppressions', key: ['email_address'] },
  { name: 'ses_suppression_sync', key: ['id'] },
  { name: 'email_reconciliation', key: ['email_id'] },
  // Last: its rows overwrite what the triggers of 0011_daily_rollups.sql counted while the raw
  // rows above were copied, so the target's figures are the source's (purged days included).
  { name: 'email_rollups', key: ['day', 'metric', 'key'], replace: true },
  // The same for the reputation guard's marks (0016), which outlive the purged recipients.
  { name: 'email_reputation_marks', key: ['email_id', 'address', 'kind'], replace: true },
  // And for the guard's buckets (0019), counted from the rows and marks above.
  { name: 'email_guard_rollups', key: ['metric', 'span', 'start'], replace: true },
];

/** The table derived from the others, compared by row count only. */
export const DERIVED_ORG_TABLES = ['email_search'] as const;

/** Most rows per page; each row is one INSERT of the page's one batch (one transaction). */
export const MAX_COPY_PAGE = 500;

/** What copying one page did: rows copied and the cursor of the next page (null after the last). */
export interface CopyPage {
  rows: number;
  next: string | null;
}

/** One page compared: its rows on each side, a SHA-256 of each, and the next cursor. */
export interface ComparePage {
  sourceRows: number;
  targetRows: number;
  sourceDigest: string;
  targetDigest: string;
  next: string | null;
}

/** The org table named `name`. @throws {RangeError} for a table that is not one. */
export function orgTable(name: string): OrgTable {
  const table = ORG_TABLES.find((t) => t.name === name);
  if (!table)
    throw new RangeError(`not an organisation table: ${name} (one of ${ORG_TABLES.map((t) => t.name).join(', ')})`);
  return table;
}

/**
 * Copies up to `limit` rows of `table` after the cursor `after` (null: from the start) from
 * `source` to `target`, in key order, as one batch on the target: all of the page or none. A row
 * already in the target (a page copied again after a lost answer) is left as it is, or replaced
 * in a table marked `replace`.
 * @see https://www.sqlite.org/lang_upsert.html
 */
export async function copyOrgTablePage(
  source: D1Database,
  target: D1Database,
  table: OrgTable,
  after: string | null,
  limit: number,
): Promise<CopyPage> {
  const { columns, rows } = await readPage(source, table, after, limit);
  if (rows.length) {
    const insert = `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES (${marks(columns.length)}) ON CONFLICT DO ${
      table.replace ? `UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}` : 'NOTHING'
    }`;
    await target.batch(rows.map((row) => target.prepare(insert).bind(...row)));
  }
  return { rows: rows.length, next: rows.length < limit ? null : cursorOf(columns, rows.at(-1)!, table) };
}

/**
 * Compares a page: the next `limit` rows of `table` after `after` in `source`, and the rows of
 * `target` in the same key range (so a row missing on either side shows as a difference in
 * this page). Each side's digest is the SHA-256 of its rows, every column in schema order.
 * @see https://developers.cloudflare.com/workers/runtime-apis/web-crypto/
 */
export async function compareOrgTablePage(
  source: D1Database,
  target: D1Database,
  table: OrgTable,
  after: string | null,
  limit: number,
): Promise<ComparePage> {
  const page = await readPage(source, table, after, limit);
  const last = page.rows.length < limit ? null : cursorOf(page.columns, page.rows.at(-1)!, table);
  const theirs = await readRange(target, table, after, last);
  return {
    sourceRows: page.rows.length,
    targetRows: theirs.rows.length,
    sourceDigest: await digest(page.rows),
    targetDigest: await digest(theirs.rows),
    next: last,
  };
}

/** Row counts of every org table, the derived search index included. */
export async function countOrgTables(db: D1Database): Promise<Record<string, number>> {
  const names = [...ORG_TABLES.map((t) => t.name), ...DERIVED_ORG_TABLES];
  const results = await db.batch(names.map((name) => db.prepare(`SELECT count(*) AS n FROM ${name}`)));
  return Object.fromEntries(names.map((name, i) => [name, (results[i]!.results[0] as { n: number }).n]));
}

/**
 * Deletes every row of every org table of `db`, children first, in one batch: a target emptied
 * before a copy, or after an abandoned one. The guard's `since` (0019) goes first, so that deleting
 * the marks counts nothing (without it nothing is counted, and the guard reads as before 0019,
 * until a copy brings the source's).
 */
export async function clearOrgTables(db: D1Database): Promise<void> {
  const since = 'email_guard_rollups_since';
  await db.batch([
    db.prepare(`DELETE FROM ${since}`),
    ...[...ORG_TABLES]
      .reverse()
      .filter((t) => t.name !== since)
      .map((t) => db.prepare(`DELETE FROM ${t.name}`)),
  ]);
}

type Row = unknown[];

async function readPage(db: D1Database, table: OrgTable, after: string | null, limit: number) {
  const key = table.key.join(', ');
  const where = after === null ? '' : `WHERE (${key}) > (${marks(table.key.length)})`;
  const statement = db.prepare(`SELECT * FROM ${table.name} ${where} ORDER BY ${key} LIMIT ?`);
  const bound = after === null ? statement.bind(limit) : statement.bind(...parseCursor(after, table), limit);
  return columnsAndRows(await bound.raw({ columnNames: true }));
}

async function readRange(db: D1Database, table: OrgTable, after: string | null, last: string | null) {
  const key = table.key.join(', ');
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (after !== null) {
    conditions.push(`(${key}) > (${marks(table.key.length)})`);
    params.push(...parseCursor(after, table));
  }
  if (last !== null) {
    conditions.push(`(${key}) <= (${marks(table.key.length)})`);
    params.push(...parseCursor(last, table));
  }
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  const statement = db.prepare(`SELECT * FROM ${table.name} ${where} ORDER BY ${key}`);
  return columnsAndRows(await (params.length ? statement.bind(...params) : statement).raw({ columnNames: true }));
}

function columnsAndRows(raw: unknown[][]): { columns: string[]; rows: Row[] } {
  const [columns, ...rows] = raw;
  return { columns: (columns ?? []) as string[], rows };
}

function cursorOf(columns: readonly string[], row: Row, table: OrgTable): string {
  return JSON.stringify(table.key.map((column) => row[columns.indexOf(column)]));
}

function parseCursor(cursor: string, table: OrgTable): unknown[] {
  let values: unknown;
  try {
    values = JSON.parse(cursor);
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length !== table.key.length) {
    throw new RangeError(`bad cursor for ${table.name}: ${cursor}`);
  }
  return values;
}

/** SHA-256 (hex) of rows as JSON, binary values as base64; numbers as JSON writes them. */
async function digest(rows: readonly Row[]): Promise<string> {
  const text = JSON.stringify(rows, (_key, value: unknown) =>
    value instanceof ArrayBuffer ? { base64: bytesToBase64(new Uint8Array(value)) } : value,
  );
  return sha256Hex(text);
}
