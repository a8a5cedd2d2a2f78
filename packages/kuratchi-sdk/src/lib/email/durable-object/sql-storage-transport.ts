import type { DurableObjectStorage, SqlStorage } from '@cloudflare/workers-types';
import type { SqlValue, WireResult, WireStatement } from '../organizations/sql-wire.js';
import type { WireTransport } from '../organizations/wire-d1-database.js';

/** Options of {@link createSqlStorageTransport}. */
export interface SqlStorageTransportOptions {
  /**
   * Called before each statement with its index in the call: a fault (a throw, or
   * `ctx.abort()`) injected here lands halfway through a transaction. For tests.
   */
  beforeStatement?: (index: number) => void;
}

/**
 * Runs wire statements on a SQLite-backed Durable Object's own database: `atomic` calls inside
 * `storage.transactionSync` (a throw rolls every statement back, as a failed D1 batch does),
 * the others one by one. Each result carries SQLite's own `changes()` for a statement that wrote,
 * and `last_insert_rowid()`, as D1's `meta` does.
 * @see https://developers.cloudflare.com/durable-objects/api/sql-storage/#exec
 * @see https://developers.cloudflare.com/durable-objects/api/storage-api/#transactionsync
 * @see https://www.sqlite.org/lang_corefunc.html#changes
 */
export function createSqlStorageTransport(
  storage: DurableObjectStorage,
  options: SqlStorageTransportOptions = {},
): WireTransport {
  const runAll = (statements: WireStatement[]): WireResult[] =>
    statements.map((statement, index) => {
      options.beforeStatement?.(index);
      return execute(storage.sql, statement);
    });
  return async (statements, atomic) =>
    atomic ? storage.transactionSync(() => runAll(statements)) : runAll(statements);
}

function execute(sql: SqlStorage, statement: WireStatement): WireResult {
  const cursor = sql.exec(statement.sql, ...statement.params);
  const rows = [...cursor.raw()] as SqlValue[][];
  const columns = cursor.columnNames;
  const written = cursor.rowsWritten;
  // As D1: the connection's last rowid after every statement, a statement's own changes after a write.
  const after = sql.exec('SELECT changes() AS c, last_insert_rowid() AS id').one();
  return {
    columns,
    rows,
    changes: written > 0 ? Number(after.c) : 0,
    lastRowId: Number(after.id),
    rowsRead: cursor.rowsRead,
    rowsWritten: written,
  };
}
