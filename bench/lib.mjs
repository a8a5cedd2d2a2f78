// Shared helpers of the benchmarks: alternating rounds, medians, and the result record.

/** Median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs each contender once to warm up, then `rounds` rounds in which every contender runs once in
 * turn (so drift of a noisy machine hits all alike); returns the median of `measure(run)` for each.
 */
export async function compareInRounds(contenders, { rounds = 7, measure }) {
  for (const run of Object.values(contenders)) await run();
  const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(contenders)) samples[name].push(await measure(run));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/**
 * One line of bench/results.json: `ratio` is ours / baseline; `target` says which way it reads
 * (`≥ 3`: higher is better, `≤ 1.5`: lower is better). `digits`: decimals kept of ours and baseline.
 */
export function result(name, unit, ours, baseline, baselineName, target, digits = 1) {
  return {
    name,
    unit,
    ours: round(ours, digits),
    baseline: round(baseline, digits),
    baselineName,
    ratio: round(ours / baseline, 3),
    target,
  };
}

function round(value, digits = 1) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Prints the results of one benchmark as the last stdout line, for bench/run.mjs to collect. */
export function report(results) {
  console.log(`RESULTS ${JSON.stringify(results)}`);
}
