/**
 * D1's queries per Worker invocation on Workers Paid, which its limits page gives as the "read
 * subrequest limits": a call to D1 (one statement, or a `batch()`, sent as one) counts one here,
 * as does a call to an organisation's Durable Object (a subrequest too).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export const D1_QUERIES_PER_INVOCATION = 1_000;

/**
 * Calls the cron's jobs may make together: D1's limit less a tenth as a margin.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export const CRON_QUERY_LIMIT = 900;

/**
 * Thrown before a call that would take a job past its share, or the invocation past its limit,
 * is made: the job fails (logged), nothing more is sent on its behalf.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export class InvocationBudgetError extends Error {
  override name = 'InvocationBudgetError';
}

/**
 * The one query budget of a cron invocation, spent by every job: {@link budgetedEnv} charges
 * each call to a D1 database (a statement, or a batch) and each SQL call to an organisation's
 * Durable Object before it is made. `runScheduledJobs` opens each job's share with
 * {@link InvocationBudget.open}.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @see https://developers.cloudflare.com/workers/platform/limits/#subrequests
 */
export class InvocationBudget {
  /** Calls charged so far, all jobs together. */
  spent = 0;
  /** Calls refused to the open job (a job that catches the error still shows it). */
  refused = 0;
  private job = '';
  private cap = Infinity;

  constructor(readonly limit = CRON_QUERY_LIMIT) {}

  /** Calls the invocation may still make. */
  left(): number {
    return this.limit - this.spent;
  }

  /** Starts `job`'s share: it may make `queries` calls from now on. */
  open(job: string, queries: number): void {
    this.job = job;
    this.cap = this.spent + queries;
    this.refused = 0;
  }

  /** Calls the open job may still make. */
  jobLeft(): number {
    return Math.min(this.cap, this.limit) - this.spent;
  }

  /**
   * Charges `n` calls about to be made.
   * @throws {InvocationBudgetError} when they do not fit the open job's share.
   */
  charge(n: number): void {
    if (n > this.jobLeft()) {
      this.refused += n;
      throw new InvocationBudgetError(
        `${this.job || 'the cron'} would exceed its share of the invocation's D1 queries: ${n} more call(s), ${this.jobLeft()} left (the invocation's limit is ${this.limit})`,
      );
    }
    this.spent += n;
  }
}

const UNWRAP = Symbol('unwrap');

/** Whether a binding is a D1 database. */
function isD1(value: unknown): value is D1Database {
  const v = value as Partial<D1Database> | null;
  return typeof v === 'object' && v !== null && typeof v.prepare === 'function' && typeof v.batch === 'function';
}

/** Whether a binding is a Durable Object namespace. */
function isNamespace(value: unknown): value is DurableObjectNamespace {
  const v = value as Partial<DurableObjectNamespace> | null;
  return typeof v === 'object' && v !== null && typeof v.idFromName === 'function' && typeof v.get === 'function';
}

function chargedStatement(statement: D1PreparedStatement, budget: InvocationBudget): D1PreparedStatement {
  return new Proxy(statement, {
    get(target, property) {
      if (property === UNWRAP) return target;
      if (property === 'bind') return (...values: unknown[]) => chargedStatement(target.bind(...values), budget);
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'run' || property === 'first' || property === 'all' || property === 'raw')
        return (...args: unknown[]) => (budget.charge(1), (value as (...a: unknown[]) => unknown).apply(target, args));
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

function chargedD1(db: D1Database, budget: InvocationBudget): D1Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return (sql: string) => chargedStatement(target.prepare(sql), budget);
      if (property === 'batch')
        return (statements: D1PreparedStatement[]) => {
          budget.charge(1);
          return target.batch(
            statements.map((s) => (s as unknown as Record<symbol, D1PreparedStatement>)[UNWRAP] ?? s),
          );
        };
      if (property === 'exec')
        return (sql: string) => {
          budget.charge(1);
          return target.exec(sql);
        };
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** An organisation's object whose SQL calls (kuratchi-sdk's OrganizationDatabaseRpc) are charged. */
function chargedNamespace(namespace: DurableObjectNamespace, budget: InvocationBudget): DurableObjectNamespace {
  return new Proxy(namespace, {
    get(target, property) {
      if (property === 'get')
        return (...args: Parameters<DurableObjectNamespace['get']>) => {
          const stub = target.get(...args) as unknown as Record<string, (...a: unknown[]) => unknown>;
          return new Proxy(stub, {
            get(s, name) {
              if (name === 'runStatements')
                return (statements: unknown[], atomic: boolean) => (
                  budget.charge(1),
                  s.runStatements!(statements, atomic)
                );
              if (name === 'recordEvents' || name === 'databaseSize')
                return (...a: unknown[]) => (budget.charge(1), s[name]!(...a));
              return Reflect.get(s, name);
            },
          });
        };
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * `env` whose D1 databases and Durable Object namespaces charge `budget` for every call before
 * it is made (a batch and an `exec` are one call each), so that no job can take the invocation
 * past D1's 1,000 queries, whatever it does.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function budgetedEnv<E extends object>(env: E, budget: InvocationBudget): E {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(env, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (!isD1(value) && !isNamespace(value)) return value;
      if (!wrapped.has(property))
        wrapped.set(property, isD1(value) ? chargedD1(value, budget) : chargedNamespace(value, budget));
      return wrapped.get(property);
    },
  });
}
