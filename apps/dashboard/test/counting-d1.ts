import type { D1Database } from '@cloudflare/workers-types';

/**
 * `db` with the calls that reach the database counted in `calls()` (a statement's `first`, `all`,
 * `run` or `raw`, a `batch` or an `exec`: one round trip each, a batch being one, as on the
 * wire), for tests that count a request's round trips instead of timing it; `reset()` starts
 * over. Hand it to the built Worker in place of a binding.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function countingD1(db: D1Database): { db: D1Database; calls: () => number; reset: () => void } {
  let calls = 0;
  type Statement = ReturnType<D1Database['prepare']>;
  // The real statement objects, their calls counted (a batch reads them as they are).
  const counted = (statement: Statement): Statement => {
    const call = (name: 'first' | 'all' | 'run' | 'raw') => {
      const method = statement[name] as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => (calls++, method.apply(statement, args));
    };
    const bind = statement.bind;
    return Object.assign(statement, {
      bind: (...values: unknown[]) => counted(bind.apply(statement, values)),
      first: call('first'),
      all: call('all'),
      run: call('run'),
      raw: call('raw'),
    });
  };
  const wrapped = {
    prepare: (sql: string) => counted(db.prepare(sql)),
    batch: (statements: Statement[]) => (calls++, db.batch(statements)),
    exec: (sql: string) => (calls++, db.exec(sql)),
  } as unknown as D1Database;
  return { db: wrapped, calls: () => calls, reset: () => void (calls = 0) };
}
