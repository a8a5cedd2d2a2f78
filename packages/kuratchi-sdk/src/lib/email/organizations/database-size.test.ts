import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { orgDatabaseSize } from './database-size.js';
import { durableObjectDatabase } from './durable-object-database.js';
import type { OrganizationDatabaseRpc } from './sql-wire.js';

/** A run of rows big enough to add pages to any database: 400 rows of 4 KB. */
async function grow(db: D1Database) {
  await db.exec('CREATE TABLE IF NOT EXISTS size_probe (id INTEGER PRIMARY KEY, filler TEXT NOT NULL)');
  await db
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
       INSERT INTO size_probe (filler) SELECT hex(randomblob(2048)) FROM n`,
    )
    .run();
}

describe('orgDatabaseSize', () => {
  it('reads a D1 database’s size from D1’s own result meta, and follows its growth', async () => {
    const db = env.ORG_DB_GLOBEX;
    const before = await orgDatabaseSize(db);
    expect(before).toBeGreaterThan(0);
    await grow(db);
    const after = await orgDatabaseSize(db);
    expect(after - before).toBeGreaterThanOrEqual(400 * 4096);
    await db.exec('DROP TABLE size_probe');
  });

  it('reads a Durable Object’s size through its RPC (ctx.storage.sql.databaseSize), and follows its growth', async () => {
    const stub = env.ORG_DO.get(env.ORG_DO.idFromName(`size-${crypto.randomUUID()}`));
    const db = durableObjectDatabase(stub as unknown as OrganizationDatabaseRpc);
    const before = await orgDatabaseSize(db);
    expect(before).toBeGreaterThan(0); // the org schema, migrated on first use
    await grow(db);
    const after = await orgDatabaseSize(db);
    expect(after - before).toBeGreaterThanOrEqual(400 * 4096);
    expect(await (stub as unknown as OrganizationDatabaseRpc).databaseSize()).toBe(after);
  });
});
