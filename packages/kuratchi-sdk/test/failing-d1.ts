/**
 * A D1 database wrapper for fault injection: it counts every statement the code under test
 * executes (each statement of a batch counts) and every round trip (a batch is one), and makes
 * the k-th statement fail, either before it runs (the database was unavailable: nothing written)
 * or after it ran (committed, but the answer was lost). Batches stay atomic, as in D1: a failure
 * before a batch fails the whole batch.
 */
export interface FaultPlan {
  /** 1-based number of the statement that fails; 0 never fails. */
  failAt: number;
  /** `before`/`after`: that one statement fails; `from`: it and every later one fail before they run (D1 gone, or the consumer killed). */
  mode: 'before' | 'after' | 'from';
  /** Statements executed so far (across every wrapped database). */
  executed: number;
  /** D1 round trips so far: one per `run`/`first`/`all`/`raw` and one per `batch`, whatever its size. */
  calls: number;
  /** Failures injected so far. */
  injected: number;
}

export function createFaultPlan(failAt = 0, mode: FaultPlan['mode'] = 'before'): FaultPlan {
  return { failAt, mode, executed: 0, calls: 0, injected: 0 };
}

const UNWRAP = Symbol('unwrap');

export function failingD1(db: D1Database, plan: FaultPlan): D1Database {
  /** Runs `count` statements through `execute`, failing if the plan's statement is among them. */
  async function guarded<T>(count: number, execute: () => Promise<T>): Promise<T> {
    const first = plan.executed + 1;
    plan.executed += count;
    plan.calls++;
    const hit =
      plan.failAt > 0 &&
      (plan.mode === 'from' ? plan.executed >= plan.failAt : plan.failAt >= first && plan.failAt <= plan.executed);
    if (hit && plan.mode !== 'after') {
      plan.injected++;
      throw new Error(`D1_ERROR: injected failure of statement ${plan.failAt} (before it ran)`);
    }
    const result = await execute();
    if (hit) {
      plan.injected++;
      throw new Error(`D1_ERROR: injected failure of statement ${plan.failAt} (after it ran)`);
    }
    return result;
  }

  function wrapStatement(statement: D1PreparedStatement): D1PreparedStatement {
    return new Proxy(statement, {
      get(target, property) {
        if (property === UNWRAP) return target;
        if (property === 'bind') return (...values: unknown[]) => wrapStatement(target.bind(...values));
        if (property === 'first' || property === 'all' || property === 'run' || property === 'raw') {
          return (...args: unknown[]) =>
            guarded(1, () => (target[property] as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        }
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return (sql: string) => wrapStatement(target.prepare(sql));
      if (property === 'batch') {
        return (statements: D1PreparedStatement[]) =>
          guarded(statements.length, () =>
            target.batch(statements.map((s) => (s as unknown as Record<symbol, D1PreparedStatement>)[UNWRAP] ?? s)),
          );
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
