import type { D1Database, D1PreparedStatement, D1Result } from '@cloudflare/workers-types';
import { toSqlValue, type SqlValue, type WireResult, type WireStatement } from './sql-wire.js';

/**
 * Runs wire statements somewhere: inside a Durable Object on its own SQLite, or from the Worker
 * through the object's RPC stub. With `atomic`, all in one transaction.
 */
export type WireTransport = (statements: WireStatement[], atomic: boolean) => Promise<WireResult[]>;

/**
 * D1's client API (`prepare`, `bind`, `first`, `all`, `run`, `raw`, `batch`, `exec`) over a
 * {@link WireTransport}, with D1's result shapes and rules: `batch` is one transaction, values
 * bind as D1 converts them, `first(column)` throws for a column the row lacks, and a failed
 * statement throws `D1_ERROR: <SQLite's message>` as D1 does. This is how every D1 adapter of
 * the slices runs, unchanged, on an organisation's Durable Object.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createWireD1Database(wireTransport: WireTransport): D1Database {
  const transport: WireTransport = (wires, atomic) =>
    wireTransport(wires, atomic).catch((error: unknown) => {
      throw asD1Error(error);
    });
  const statements = new WeakMap<object, WireStatement>();

  const runOne = async (statement: WireStatement): Promise<WireResult> => (await transport([statement], false))[0]!;

  const prepared = (wire: WireStatement): D1PreparedStatement => {
    const statement = {
      bind: (...values: unknown[]) => prepared({ sql: wire.sql, params: values.map(boundValue) }),
      first: async (column?: string) => {
        const result = await runOne(wire);
        const row = result.rows[0];
        if (row === undefined) return null;
        if (column === undefined) return rowObject(result.columns, row);
        const at = result.columns.indexOf(column);
        if (at < 0) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`);
        return row[at];
      },
      all: async () => d1Result(await runOne(wire)),
      run: async () => d1Result(await runOne(wire)),
      raw: async (options?: { columnNames?: boolean }) => {
        const result = await runOne(wire);
        return options?.columnNames ? [result.columns, ...result.rows] : result.rows;
      },
    };
    statements.set(statement, wire);
    return statement as unknown as D1PreparedStatement;
  };

  const database = {
    prepare: (sql: string) => prepared({ sql, params: [] }),
    async batch(batch: D1PreparedStatement[]) {
      const wires = batch.map((s) => {
        const wire = statements.get(s);
        if (!wire) throw new TypeError('batch: every statement must come from this database’s prepare()');
        return wire;
      });
      return (await transport(wires, true)).map(d1Result);
    },
    async exec(sql: string) {
      const started = Date.now();
      const results = await transport(splitStatements(sql), false);
      return { count: results.length, duration: Date.now() - started };
    },
    dump: () => Promise.reject(new Error('dump() is not supported on a Durable Object database')),
    withSession: () => database,
  };
  return database as unknown as D1Database;
}

/** A failure as D1 reports it: `D1_ERROR: ` before the message of SQLite (or of the object). */
function asD1Error(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith('D1_') ? (error as Error) : new Error(`D1_ERROR: ${message}`, { cause: error });
}

/** `toSqlValue`, refusing as D1 does (`D1_TYPE_ERROR`). */
function boundValue(value: unknown): SqlValue {
  try {
    return toSqlValue(value);
  } catch (error) {
    throw new TypeError(`D1_TYPE_ERROR: ${(error as Error).message}`, { cause: error });
  }
}

function rowObject(columns: readonly string[], row: readonly SqlValue[]): Record<string, SqlValue> {
  const object: Record<string, SqlValue> = {};
  columns.forEach((column, i) => (object[column] = row[i]!));
  return object;
}

function d1Result(result: WireResult): D1Result {
  return {
    results: result.rows.map((row) => rowObject(result.columns, row)),
    success: true,
    meta: {
      duration: 0,
      size_after: 0,
      rows_read: result.rowsRead,
      rows_written: result.rowsWritten,
      last_row_id: result.lastRowId,
      changed_db: result.changes > 0,
      changes: result.changes,
    },
  } as D1Result;
}

/**
 * D1's `exec` takes one statement per line (its documented form); each non-empty line is one
 * statement here too.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#exec
 */
function splitStatements(sql: string): WireStatement[] {
  return sql
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => ({ sql: line, params: [] }));
}
