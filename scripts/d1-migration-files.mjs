// Applies a directory of D1 migration files to a miniflare D1 database from Node (the benchmarks
// and the dashboard's Node tests): D1's exec() splits on lines, so statements are split here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The SDK's migrations of the admin database. */
export const ADMIN_MIGRATIONS = fileURLToPath(new URL('../packages/kuratchi-sdk/migrations/admin', import.meta.url));
/** The SDK's migrations of an organisation's database (D1; a Durable Object runs them itself). */
export const ORG_MIGRATIONS = fileURLToPath(new URL('../packages/kuratchi-sdk/migrations/org', import.meta.url));

/**
 * Runs every `*.sql` file of `dir` in name order, each file as one D1 batch (one transaction),
 * its `--` comment lines dropped and its statements split at a `;` that ends a line.
 * @param {import('@cloudflare/workers-types').D1Database} db
 * @param {string} dir
 * @see https://developers.cloudflare.com/d1/reference/migrations/
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function applyMigrationFiles(db, dir) {
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()) {
    const statements = readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .filter((line) => !line.trim().startsWith('--'))
      .join('\n')
      .split(/;\s*$/m)
      .map((statement) => statement.trim())
      .filter(Boolean);
    await db.batch(statements.map((statement) => db.prepare(statement)));
  }
}
