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

/** One line of bench/results.json. `higherIsBetter` says which way the ratio reads. */
export function result(name, unit, ours, baseline, baselineName, target) {
  return { name, unit, ours: round(ours), baseline: round(baseline), baselineName, ratio: round(ours / baseline, 3), target };
}

function round(value, digits = 1) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Prints the results of one benchmark as the last stdout line, for bench/run.mjs to collect. */
export function report(results) {
  console.log(`RESULTS ${JSON.stringify(results)}`);
}
