import type { D1Database } from '@cloudflare/workers-types';
import { durableObjectOf } from './durable-object-database.js';

/**
 * The most an organisation's database may hold: 10 GB, for a D1 database and for a SQLite-backed
 * Durable Object alike (both fixed limits). Past it, writes fail.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @see https://developers.cloudflare.com/durable-objects/platform/limits/
 */
export const DATABASE_SIZE_LIMIT_BYTES = 10 * 1000 ** 3;

/**
 * The size in bytes of an organisation's database, of either kind: a Durable Object's from
 * `ctx.storage.sql.databaseSize` (one RPC call); a D1 database's from the `size_after` that D1
 * reports in the meta of every query's result (one trivial query).
 * @see https://developers.cloudflare.com/d1/worker-api/return-object/ (`meta.size_after`)
 * @see https://developers.cloudflare.com/durable-objects/api/sql-storage/#databasesize
 */
export async function orgDatabaseSize(db: D1Database): Promise<number> {
  const object = durableObjectOf(db);
  if (object) return object.databaseSize();
  const { meta } = await db.prepare('SELECT 1').run();
  return meta.size_after;
}
