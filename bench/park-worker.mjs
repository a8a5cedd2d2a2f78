// The Worker of the park benchmark (bench/park.mjs): the dashboard Worker exactly as
// `wrangler deploy --dry-run` bundles it (copied next to this file as dashboard.js), with its D1
// bindings wrapped so that every round trip is counted: one per run/first/all/raw/exec of a
// statement, one per batch whatever its size. It answers the dashboard's response, after every
// waitUntil() of the request has settled, with the count in `x-d1-round-trips`.
import dashboard from './dashboard.js';

function counting(db, counter) {
  const UNWRAP = Symbol('unwrap');
  const statement = (target) =>
    new Proxy(target, {
      get(t, property) {
        if (property === UNWRAP) return t;
        if (property === 'bind') return (...values) => statement(t.bind(...values));
        if (['run', 'first', 'all', 'raw'].includes(property)) return (...args) => (counter.n++, t[property](...args));
        const value = Reflect.get(t, property);
        return typeof value === 'function' ? value.bind(t) : value;
      },
    });
  return new Proxy(db, {
    get(t, property) {
      if (property === 'prepare') return (sql) => statement(t.prepare(sql));
      if (property === 'batch') return (statements) => (counter.n++, t.batch(statements.map((s) => s[UNWRAP] ?? s)));
      if (property === 'exec') return (sql) => (counter.n++, t.exec(sql));
      const value = Reflect.get(t, property);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

export default {
  async fetch(request, env, ctx) {
    const counter = { n: 0 };
    const wrapped = { ...env };
    for (const [name, value] of Object.entries(env)) {
      if (value && typeof value.prepare === 'function' && typeof value.batch === 'function')
        wrapped[name] = counting(value, counter);
    }
    const pending = [];
    const context = {
      waitUntil: (promise) => pending.push(promise),
      passThroughOnException: () => ctx.passThroughOnException(),
    };
    const response = await dashboard.fetch(request, wrapped, context);
    const body = await response.text();
    await Promise.allSettled(pending);
    return new Response(body, {
      status: response.status,
      headers: { 'content-type': 'application/json', 'x-d1-round-trips': String(counter.n) },
    });
  },
};
