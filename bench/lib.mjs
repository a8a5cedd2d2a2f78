// Shared helpers of the benchmarks: alternating rounds, medians, the result record, seeding.
import { ADMIN_MIGRATIONS, applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { registerOrganization } from '../scripts/lib/demo-organizations.mjs';

// Every benchmark imports this file before it starts Miniflare: its `request.cf` is the fallback,
// never fetched from workers.cloudflare.com (nothing here may leave 127.0.0.1), unless told otherwise.
// https://developers.cloudflare.com/workers/testing/miniflare/
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';

/**
 * Median of numbers (the upper one of an even count); throws for none.
 * @param {number[]} values
 * @returns {number}
 */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error('the median of no values');
  return middle;
}

/**
 * Runs each contender once to warm up, then `rounds` rounds in which every contender runs once in
 * turn (so drift of a noisy machine hits all alike); returns the median of `measure(run)` for each.
 * @template {string} Name
 * @template {() => Promise<any>} Run
 * @param {Record<Name, Run>} contenders
 * @param {{ rounds?: number, measure: (run: Run) => Promise<number> }} options
 * @returns {Promise<Record<Name, number>>}
 */
export async function compareInRounds(contenders, { rounds = 7, measure }) {
  const entries = /** @type {Array<[Name, Run]>} */ (Object.entries(contenders));
  for (const [, run] of entries) await run();
  /** @type {Map<Name, number[]>} */
  const samples = new Map(entries.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of entries) samples.get(name)?.push(await measure(run));
  }
  return /** @type {Record<Name, number>} */ (
    Object.fromEntries([...samples].map(([name, values]) => [name, median(values)]))
  );
}

/** What a row id must look like: kebab-case (lower-case words and digits joined by `-`). */
export const RESULT_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * One line of bench/results.json: `id` names the row for good (kebab-case, the same every run: never
 * made of measured numbers); `ratio` is ours / baseline; `target` says which way it reads
 * (`≥ 3`: higher is better, `≤ 1.5`: lower is better). `digits`: decimals kept of ours and baseline.
 * @param {string} id
 * @param {string} name
 * @param {string} unit
 * @param {number} ours
 * @param {number} baseline
 * @param {string} baselineName
 * @param {string | null} target `null`: none (the table says n/a)
 * @param {number} [digits]
 */
export function result(id, name, unit, ours, baseline, baselineName, target, digits = 1) {
  if (!RESULT_ID.test(id)) throw new Error(`result id ${JSON.stringify(id)} is not kebab-case`);
  return {
    id,
    name,
    unit,
    ours: round(ours, digits),
    baseline: round(baseline, digits),
    baselineName,
    ratio: round(ours / baseline, 3),
    target,
  };
}

/** @param {number} value @param {number} [digits] */
function round(value, digits = 1) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * The problems of a set of rows: a row without a kebab-case `id`, or an id used twice. bench/run.mjs
 * fails on any.
 * @param {any[]} rows
 * @returns {string[]}
 */
export function idProblems(rows) {
  const problems = [];
  const seen = new Set();
  for (const row of rows) {
    if (typeof row?.id !== 'string' || !RESULT_ID.test(row.id)) {
      problems.push(`row ${JSON.stringify(row?.name ?? row)} has no kebab-case id (${JSON.stringify(row?.id)})`);
    } else if (seen.has(row.id)) problems.push(`id ${row.id} is used by two rows`);
    else seen.add(row.id);
  }
  return problems;
}

/**
 * Prints the results of one benchmark as the last stdout line, for bench/run.mjs to collect.
 * @param {object[]} results
 */
export function report(results) {
  console.log(`RESULTS ${JSON.stringify(results)}`);
}

/**
 * Bundles a benchmark's Worker `entry` (with the built SDK it imports) into one ES module at
 * `outfile`, as wrangler would: workerd resolves relative imports only. The Workers runtime's own
 * modules (`cloudflare:*`, and with `node: true` Node's `node:*`, for a Worker run with
 * `nodejs_compat`) stay imports.
 * @param {string} entry
 * @param {string} outfile
 * @param {{ node?: boolean }} [options]
 * @see https://developers.cloudflare.com/workers/wrangler/bundling/
 */
export async function bundleWorker(entry, outfile, options = {}) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: options.node ? ['cloudflare:*', 'node:*'] : ['cloudflare:*'],
    outfile,
    logLevel: 'error',
  });
}

/**
 * `call(path, input)`: POSTs `input` as JSON to a benchmark Worker served by miniflare `mf` and
 * answers its JSON, or throws with the status and body of any answer but 200.
 * @param {import('miniflare').Miniflare} mf
 * @returns {(path: string, input: unknown) => Promise<any>}
 * @see https://developers.cloudflare.com/workers/testing/miniflare/
 */
export function workerCaller(mf) {
  return async (path, input) => {
    const response = await mf.dispatchFetch(`http://127.0.0.1${path}`, { method: 'POST', body: JSON.stringify(input) });
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return response.json();
  };
}

/**
 * Outcome → count as `applied 100, duplicate 2`, for a benchmark's log and errors.
 * @param {Record<string, number>} outcomes
 */
export function outcomesText(outcomes) {
  return Object.entries(outcomes)
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(', ');
}

/**
 * Migrates the admin database and each organisation's D1 (miniflare `mf`), registers the
 * organisations and gives each `perOrg` sent emails with their routes. Returns the emails
 * interleaved, so that every batch of 100 holds events of every organisation.
 * @param {import('miniflare').Miniflare} mf
 * @param {Array<import('../scripts/lib/demo-organizations.mjs').OrganizationRow>} orgs
 * @param {number} perOrg
 * @param {number} [createdAt] the emails' `created_at` (epoch ms)
 */
export async function seedRoutedEmails(mf, orgs, perOrg, createdAt = 1) {
  const admin = await mf.getD1Database('ADMIN_DB');
  await applyMigrationFiles(admin, ADMIN_MIGRATIONS);
  const emails = [];
  for (const org of orgs) {
    const db = await mf.getD1Database(org.binding);
    await applyMigrationFiles(db, ORG_MIGRATIONS);
    await registerOrganization(admin, org);
    const rowsOf = Array.from({ length: perOrg }, (_, i) => ({
      id: `${org.id}-email-${i}`,
      sesMessageId: `ses-${org.id}-${i}`,
      recipient: `user${i}@example.com`,
    }));
    await db.batch(
      rowsOf.map((e) =>
        db
          .prepare(
            "INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES (?, ?, 'bench@example.com', 'Hi', 'sent', ?, ?, ?)",
          )
          .bind(e.id, e.recipient, e.sesMessageId, createdAt, createdAt),
      ),
    );
    await admin.batch(
      rowsOf.map((e) =>
        admin.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)').bind(e.sesMessageId, org.id, e.id),
      ),
    );
    emails.push(...rowsOf);
  }
  return emails.map((_, i) => emails[(i % orgs.length) * perOrg + Math.floor(i / orgs.length)]);
}
