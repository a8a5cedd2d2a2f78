import type { DurableObjectStorage } from '@cloudflare/workers-types';
import type { OrgMigration } from './org-migrations.js';

/**
 * The table inside each organisation's Durable Object that records which migrations it has,
 * by file name (as `d1_migrations` does for a D1 database).
 */
export const MIGRATIONS_TABLE = 'kuratchi_migrations';

/**
 * Brings an object's SQLite up to date: applies, in order, each migration it has not applied yet,
 * each in its own transaction together with its row in {@link MIGRATIONS_TABLE} (so a migration
 * that fails leaves neither a half-applied schema nor a record of it). Returns the names applied
 * now. Run it in the object's constructor under `blockConcurrencyWhile`, so that no request sees
 * the old schema after an upgrade.
 * @see https://developers.cloudflare.com/durable-objects/api/state/#blockconcurrencywhile
 * @see https://developers.cloudflare.com/durable-objects/api/storage-api/#transactionsync
 */
export function applyOrgMigrations(
  storage: DurableObjectStorage,
  migrations: readonly OrgMigration[],
  now: number,
): string[] {
  storage.sql.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
    name TEXT PRIMARY KEY,
    applied_at INTEGER NOT NULL
  ) WITHOUT ROWID`);
  const applied = new Set(
    storage.sql
      .exec<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`)
      .toArray()
      .map((row) => row.name),
  );
  const pending = migrations.filter((migration) => !applied.has(migration.name));
  for (const migration of pending) {
    storage.transactionSync(() => {
      storage.sql.exec(migration.sql);
      storage.sql.exec(`INSERT INTO ${MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)`, migration.name, now);
    });
  }
  return pending.map((migration) => migration.name);
}
