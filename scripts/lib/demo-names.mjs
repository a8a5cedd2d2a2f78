// The names that generated recipients are made of, written once: the demo seed
// (scripts/demo/seed.mjs) and the benchmarks' large email log (bench/email-rows.mjs) make
// addresses `<first>.<last><number>@<domain>` from them.

/** 16 first names. */
export const FIRST_NAMES = [
  'ana',
  'ben',
  'chloe',
  'dev',
  'emma',
  'farid',
  'grace',
  'hugo',
  'ines',
  'jonas',
  'kim',
  'leo',
  'mia',
  'noah',
  'olga',
  'priya',
];

/** 10 last names. */
export const LAST_NAMES = [
  'garcia',
  'smith',
  'kowalski',
  'nguyen',
  'muller',
  'rossi',
  'tanaka',
  'silva',
  'dubois',
  'jensen',
];

/** 3 domains reserved for examples (RFC 2606). */
export const EXAMPLE_DOMAINS = ['example.com', 'example.org', 'example.net'];
