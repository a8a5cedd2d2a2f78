import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { durableObjectDatabase } from '../organizations/durable-object-database.js';
import { MIGRATIONS_TABLE, applyOrgMigrations } from './apply-org-migrations.js';
import { ORG_MIGRATIONS } from './org-migrations.js';

function objectFor(name: string) {
  return env.ORG_DO.get(env.ORG_DO.idFromName(name));
}

/** The schema objects of a database (tables, indexes, triggers), without D1's and our own bookkeeping. */
async function schemaOf(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT type || ' ' || name AS entry FROM sqlite_master
        WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT IN ('d1_migrations', ?)
        ORDER BY type, name`,
    )
    .bind(MIGRATIONS_TABLE)
    .all<{ entry: string }>();
  return results.map((r) => r.entry);
}

describe('the organisation Durable Object', () => {
  it('carries exactly the migrations of migrations/org (run `npm run generate` after adding one)', () => {
    // readD1Migrations splits each file into statements without their comments.
    const squash = (sql: string) =>
      sql
        .replace(/--[^\n]*/g, '')
        .replace(/\s+/g, ' ')
        .trim();
    expect(ORG_MIGRATIONS.map((m) => m.name)).toEqual(env.ORG_MIGRATIONS.map((m) => m.name));
    ORG_MIGRATIONS.forEach((migration, i) => {
      const generated = squash(migration.sql);
      for (const query of env.ORG_MIGRATIONS[i]!.queries) expect(generated).toContain(squash(query));
    });
  });

  it('has, on first use, the same schema as a D1 database migrated by wrangler', async () => {
    const db = durableObjectDatabase(objectFor('schema-check'));
    expect(await schemaOf(db)).toEqual(await schemaOf(env.ORG_DB_ACME));
    expect(await schemaOf(db)).toContain('table emails');
  });

  it('records each migration once and applies only the new ones on upgrade', async () => {
    const stub = objectFor('upgrade-check');
    await runInDurableObject(stub, (_instance, state) => {
      const names = () =>
        state.storage.sql
          .exec<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY name`)
          .toArray()
          .map((r) => r.name);
      expect(names()).toEqual(ORG_MIGRATIONS.map((m) => m.name));
      expect(applyOrgMigrations(state.storage, ORG_MIGRATIONS, 0)).toEqual([]);
      const next = { name: '9999_next.sql', sql: 'CREATE TABLE upgrade_probe (id TEXT PRIMARY KEY);' };
      expect(applyOrgMigrations(state.storage, [...ORG_MIGRATIONS, next], 0)).toEqual(['9999_next.sql']);
      expect(names()).toContain('9999_next.sql');
    });
  });

  it('rolls a failing migration back whole, leaving it unrecorded', async () => {
    await runInDurableObject(objectFor('failing-migration'), (_instance, state) => {
      const broken = {
        name: '9998_broken.sql',
        sql: 'CREATE TABLE half_made (id TEXT);\nINSERT INTO no_such_table VALUES (1);',
      };
      expect(() => applyOrgMigrations(state.storage, [...ORG_MIGRATIONS, broken], 0)).toThrow(/no_such_table/);
      const tables = state.storage.sql.exec(`SELECT name FROM sqlite_master WHERE name = 'half_made'`).toArray();
      expect(tables).toEqual([]);
      const recorded = state.storage.sql
        .exec(`SELECT name FROM ${MIGRATIONS_TABLE} WHERE name = ?`, broken.name)
        .toArray();
      expect(recorded).toEqual([]);
    });
  });
});
