import type { RecordEventInput, RecordEventOutcome } from '../routing/ports.js';

/**
 * What crosses between the Worker and an organisation's Durable Object (`kuratchi-sdk/email/durable-object`):
 * SQL statements and their results as plain, structured-clonable values. The object runs them on
 * its own SQLite (`ctx.storage.sql`); `createWireD1Database` turns them back into D1's API, so the
 * D1 stores run unchanged on either kind of organisation database.
 * @see https://developers.cloudflare.com/durable-objects/api/sql-storage/
 * @see https://developers.cloudflare.com/workers/runtime-apis/rpc/#structured-clonable-types-and-more
 */

/** A value SQLite stores and returns (what `SqlStorage.exec` binds). */
export type SqlValue = string | number | null | ArrayBuffer;

/** One statement: its SQL and its bound values (booleans already 1/0). */
export interface WireStatement {
  sql: string;
  params: SqlValue[];
}

/** What running one statement gave: its columns, its rows as arrays, and what it wrote. */
export interface WireResult {
  columns: string[];
  rows: SqlValue[][];
  /** Rows changed by the statement itself (SQLite `changes()`), 0 for a read. */
  changes: number;
  /** SQLite `last_insert_rowid()` after the statement. */
  lastRowId: number;
  rowsRead: number;
  rowsWritten: number;
}

/**
 * The methods an organisation's Durable Object offers over RPC (the class in
 * `kuratchi-sdk/email/durable-object` implements it).
 * @see https://developers.cloudflare.com/durable-objects/best-practices/create-durable-object-stubs-and-send-requests/#invoke-rpc-methods
 */
export interface OrganizationDatabaseRpc {
  /**
   * Runs `statements` in order; with `atomic` in one transaction (all or none, as a D1 batch),
   * otherwise each on its own.
   */
  runStatements(statements: WireStatement[], atomic: boolean): Promise<WireResult[]>;
  /** Records a batch of events as `OrgEmailStore.recordEvents` does, in one transaction. */
  recordEvents(inputs: RecordEventInput[]): Promise<RecordEventOutcome[]>;
  /**
   * The size of the object's SQLite database in bytes (`ctx.storage.sql.databaseSize`), which
   * stops at 10 GB.
   * @see https://developers.cloudflare.com/durable-objects/api/sql-storage/#databasesize
   * @see https://developers.cloudflare.com/durable-objects/platform/limits/
   */
  databaseSize(): Promise<number>;
}

/**
 * A value bound in a D1 statement as SQLite stores it: booleans as 1 / 0 (as D1 does), numbers,
 * strings, null, and binary as an ArrayBuffer.
 * @throws {TypeError} for `undefined` and other types, as D1 refuses them (`D1_TYPE_ERROR`).
 * @see https://developers.cloudflare.com/d1/worker-api/#type-conversion
 */
export function toSqlValue(value: unknown): SqlValue {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return value;
  if (ArrayBuffer.isView(value)) {
    return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer;
  }
  throw new TypeError(`Type '${value === undefined ? 'undefined' : typeof value}' not supported for a bound SQL value`);
}
