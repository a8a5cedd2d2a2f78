import type { ProcessResult } from './processes.js';

/**
 * What `kuratchi-ses deploy` reads in wrangler's answers, as wrangler 4 prints them (the shapes of
 * wrangler 4.86.0, the version the repository pins; JSON where the command has `--json`).
 * @see https://developers.cloudflare.com/workers/wrangler/commands/
 */

/** The JSON of an answer: from its first `{` or `[` (wrangler may print a line before it). */
function json(stdout: string): unknown {
  const start = stdout.search(/[[{]/);
  if (start < 0) throw new Error(`no JSON in wrangler's answer: ${stdout.trim().slice(0, 200)}`);
  return JSON.parse(stdout.slice(start));
}

/** `wrangler --version`: the version number. */
export function parseVersion(stdout: string): string | null {
  return /\d+\.\d+\.\d+/.exec(stdout)?.[0] ?? null;
}

/** Who wrangler acts as. */
export type WhoAmI =
  { loggedIn: true; email: string | undefined; accounts: Array<{ id: string; name: string }> } | { loggedIn: false };

/**
 * `wrangler whoami --json`: `{ loggedIn: true, email, accounts: [{ id, name }], … }`, or
 * `{ loggedIn: false }` with a non-zero exit status. Throws on any other failure.
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#whoami
 */
export function parseWhoAmI(run: ProcessResult): WhoAmI {
  let answer: { loggedIn?: boolean; email?: string; accounts?: Array<{ id: string; name: string }> };
  try {
    answer = json(run.stdout) as typeof answer;
  } catch {
    throw new Error(run.stderr.trim() || run.stdout.trim() || `wrangler whoami exited with ${run.status}`);
  }
  if (answer.loggedIn !== true) return { loggedIn: false };
  return { loggedIn: true, email: answer.email, accounts: answer.accounts ?? [] };
}

/**
 * `wrangler d1 list --json`: the account's databases, `[{ uuid, name, created_at, … }]` (every
 * page: wrangler follows them).
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#d1-list
 */
export function parseD1List(stdout: string): Array<{ uuid: string; name: string }> {
  const list = json(stdout);
  if (!Array.isArray(list)) throw new Error('wrangler d1 list --json did not answer a list');
  return list.map((db: { uuid: string; name: string }) => ({ uuid: db.uuid, name: db.name }));
}

/**
 * `wrangler d1 create <name>`: the new database's id, from the configuration snippet it prints
 * (`database_id = "…"` for a TOML configuration, `"database_id": "…"` for JSON).
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#d1-create
 */
export function parseD1CreateId(stdout: string): string | null {
  return /"?database_id"?\s*[=:]\s*"([0-9a-f-]{36})"/i.exec(stdout)?.[1] ?? null;
}

/**
 * `wrangler d1 migrations list <db> --remote`: the migrations not applied yet (none when it says
 * "No migrations to apply!").
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#d1-migrations-list
 */
export function parsePendingMigrations(stdout: string): string[] {
  if (/No migrations to apply/.test(stdout)) return [];
  return [...new Set(stdout.match(/\b\d+_[\w.-]+\.sql\b/g) ?? [])];
}

/**
 * Whether `wrangler queues info <name>` failed because the queue does not exist ("Queue "…" does
 * not exist. To create it, run: wrangler queues create …").
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#queues-info
 */
export function isMissingQueue(run: ProcessResult): boolean {
  return run.status !== 0 && /does not exist/.test(run.stderr + run.stdout);
}

/**
 * Whether `wrangler r2 bucket info <name>` failed because the bucket does not exist (the R2 API's
 * error 10006, "The specified bucket does not exist.").
 * @see https://developers.cloudflare.com/r2/api/error-codes/
 */
export function isMissingBucket(run: ProcessResult): boolean {
  return run.status !== 0 && /\b10006\b|bucket does not exist/i.test(run.stderr + run.stdout);
}

/**
 * `wrangler secret list` (its default format, JSON): the names of the Worker's secrets; null when
 * the Worker does not exist yet ("Worker "…" not found").
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#secret-list
 */
export function parseSecretNames(run: ProcessResult): string[] | null {
  if (run.status !== 0) {
    if (/not found/i.test(run.stderr + run.stdout)) return null;
    throw new Error(run.stderr.trim() || run.stdout.trim() || `wrangler secret list exited with ${run.status}`);
  }
  const list = json(run.stdout);
  if (!Array.isArray(list)) throw new Error('wrangler secret list did not answer a list');
  return list.map((secret: { name: string }) => secret.name);
}

/**
 * `wrangler deploy`: the URL the Worker answers on, from the targets it prints under "Deployed …
 * triggers": a custom domain (`host (custom domain)`) first, then a route (`host/*`), then the
 * workers.dev URL; null when it printed none (no route and workers.dev off).
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#deploy
 */
export function parseDeployUrl(stdout: string): string | null {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /^Deployed .* triggers/.test(l.trim()));
  if (start < 0) return null;
  const targets: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s/.test(line) || line.trim() === '') break;
    targets.push(line.trim());
  }
  const custom = targets.find((t) => t.endsWith('(custom domain)'));
  if (custom) return `https://${custom.replace(/\s*\(custom domain\)$/, '')}`;
  const route = targets.find((t) => !t.startsWith('https://') && /^[a-z0-9.-]+\.[a-z]{2,}\//i.test(t));
  if (route) return `https://${route.split('/')[0]}`;
  return targets.find((t) => /^https:\/\/\S+\.workers\.dev$/.test(t)) ?? null;
}
