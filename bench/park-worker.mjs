// The Worker of the park benchmark (bench/park.mjs): the dashboard Worker exactly as
// `wrangler deploy --dry-run` bundles it (copied next to this file as dashboard.js), with its D1
// bindings wrapped so that every round trip is counted: one per run/first/all/raw/exec of a
// statement, one per batch whatever its size. It answers the dashboard's response, after every
// waitUntil() of the request has settled, with the count in `x-d1-round-trips`.
import { countingD1, isD1Binding } from './counting-d1.mjs';
// @ts-expect-error: the wrangler bundle, copied here by bench/park.mjs when it runs (no types).
import dashboard from './dashboard.js';

export default {
  async fetch(request, env, ctx) {
    const counter = { n: 0 };
    const wrapped = { ...env };
    for (const [name, value] of Object.entries(env)) {
      if (isD1Binding(value)) wrapped[name] = countingD1(value, () => counter.n++);
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
