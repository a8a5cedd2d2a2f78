// Round trips to D1, counted inside a benchmark's Worker (bench/park-worker.mjs,
// bench/queue-worker.mjs, bench/org-kinds-worker.mjs): what a D1 binding sends over the wire is one
// request per run/first/all/raw/exec of a statement and one per batch, whatever its size.
// https://developers.cloudflare.com/d1/worker-api/d1-database/

/** `db` with `count()` called once per round trip it makes. */
export function countingD1(db, count) {
  const UNWRAP = Symbol('unwrap');
  const statement = (target) =>
    new Proxy(target, {
      get(t, property) {
        if (property === UNWRAP) return t;
        if (property === 'bind') return (...values) => statement(t.bind(...values));
        if (typeof property === 'string' && ['run', 'first', 'all', 'raw'].includes(property))
          return (...args) => (count(), t[property](...args));
        const value = Reflect.get(t, property);
        return typeof value === 'function' ? value.bind(t) : value;
      },
    });
  return new Proxy(db, {
    get(t, property) {
      if (property === 'prepare') return (sql) => statement(t.prepare(sql));
      if (property === 'batch') return (statements) => (count(), t.batch(statements.map((s) => s[UNWRAP] ?? s)));
      if (property === 'exec') return (sql) => (count(), t.exec(sql));
      const value = Reflect.get(t, property);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

/** Whether a binding of the env is a D1 database. */
export function isD1Binding(value) {
  return Boolean(value && typeof value.prepare === 'function' && typeof value.batch === 'function');
}

/**
 * A MessageBatch of queue bodies as Queues hands it to a `queue` handler (ack and retry do nothing).
 * @param {unknown[]} bodies
 * @param {number} offset the number of the first message (its id is `m-<offset>`)
 * @param {string} [queue]
 * @returns {import('@cloudflare/workers-types').MessageBatch<unknown>}
 */
export function messageBatch(bodies, offset, queue = 'kuratchi-ses-events') {
  const messages = bodies.map((body, i) => ({
    id: `m-${offset + i}`,
    timestamp: new Date(),
    body,
    attempts: 1,
    ack() {},
    retry() {},
  }));
  return { queue, messages, ackAll() {}, retryAll() {}, metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
}
