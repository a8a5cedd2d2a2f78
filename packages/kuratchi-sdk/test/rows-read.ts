import type { D1Database } from '@cloudflare/workers-types';

/**
 * `db` with the rows read and written by each of its batches added up in `rowsRead()` and
 * `rowsWritten()`: D1's `meta.rows_read` / `meta.rows_written` per statement (the Durable
 * Object's `cursor.rowsRead` / `cursor.rowsWritten` through its wire), so a cost is counted, not
 * timed. Single statements (`run`, `first`, `all`) are not counted.
 * @see https://developers.cloudflare.com/d1/worker-api/return-object/
 */
export function countingRowsRead(db: D1Database) {
  let rows = 0;
  let written = 0;
  const counting = new Proxy(db, {
    get(target, property) {
      if (property === 'batch')
        return async (statements: Parameters<D1Database['batch']>[0]) => {
          const results = await target.batch(statements);
          for (const result of results) {
            rows += result.meta.rows_read ?? 0;
            written += result.meta.rows_written ?? 0;
          }
          return results;
        };
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: counting, rowsRead: () => rows, rowsWritten: () => written };
}
