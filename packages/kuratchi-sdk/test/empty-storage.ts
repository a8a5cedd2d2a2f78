import { type D1Migration, listDurableObjectIds, runInDurableObject } from 'cloudflare:test';
/**
 * Empties a local D1 database: every view and table of ours dropped (views, then virtual tables,
 * so their shadow tables go with them, then the newest first, so a table goes before the tables its
 * foreign keys name; triggers and indexes go with their tables).
 * @see https://www.sqlite.org/lang_droptable.html
 */
export async function emptyDatabase(db: D1Database): Promise<void> {
  const { results } = await db
    .prepare(
      `SELECT type, name FROM sqlite_master
       WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'
       ORDER BY type = 'view' DESC, sql LIKE 'CREATE VIRTUAL%' DESC, rowid DESC`,
    )
    .all<{ type: string; name: string }>();
  if (results.length === 0) return;
  await db.batch([
    db.prepare('PRAGMA defer_foreign_keys = on'),
    ...results.map(({ type, name }) =>
      db.prepare(`DROP ${type === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS "${name.replaceAll('"', '""')}"`),
    ),
  ]);
}

/**
 * Empties a local R2 bucket: every object listed (a page of up to 1,000 keys at a time) and deleted.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#bucket-method-definitions
 */
export async function emptyBucket(bucket: R2Bucket): Promise<void> {
  for (;;) {
    const { objects, truncated } = await bucket.list({ limit: 1000 });
    if (objects.length) await bucket.delete(objects.map((object) => object.key));
    if (!truncated) return;
  }
}

/** Set on an object's instance when it is reset: its SQLite's `total_changes()` then. */
const RESET_AT_CHANGES = Symbol.for('kuratchi.test.resetAtChanges');

/**
 * Empties every object of a namespace that was written since this function last reset it, and
 * migrates it again as its constructor does. An object whose instance was reset here and whose
 * SQLite connection has made no change since (`total_changes()`, which counts every row a
 * statement inserted, updated or deleted, rolled back or not) is skipped: a test file that
 * touches a few objects does not pay for the hundreds earlier files created. A new instance (the
 * object was evicted) carries no mark, so it is reset.
 * @see https://www.sqlite.org/lang_corefunc.html#total_changes
 */
export async function resetDurableObjects(
  namespace: DurableObjectNamespace,
  migrate: (storage: DurableObjectStorage) => void,
): Promise<void> {
  const changes = (storage: DurableObjectStorage) =>
    storage.sql.exec<{ n: number }>('SELECT total_changes() AS n').one().n;
  for (const id of await listDurableObjectIds(namespace)) {
    await runInDurableObject(namespace.get(id), async (instance: object, state: DurableObjectState) => {
      const marked = instance as Record<symbol, number | undefined>;
      if (marked[RESET_AT_CHANGES] === changes(state.storage)) return;
      await state.storage.deleteAll();
      migrate(state.storage);
      marked[RESET_AT_CHANGES] = changes(state.storage);
    });
  }
}

/**
 * Migrates an emptied local D1 database in one batch (one call, where `applyD1Migrations` makes
 * one per migration): every migration's statements in order, each recorded in `d1_migrations`
 * as wrangler and `applyD1Migrations` record it.
 * @see https://developers.cloudflare.com/d1/reference/migrations/
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function migrateEmptyDatabase(db: D1Database, migrations: readonly D1Migration[]): Promise<void> {
  const record = db.prepare('INSERT INTO d1_migrations (name) VALUES (?)');
  await db.batch([
    db.prepare(`CREATE TABLE d1_migrations (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT UNIQUE,
      applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
    )`),
    ...migrations.flatMap((migration) => [
      ...migration.queries.map((query) => db.prepare(query)),
      record.bind(migration.name),
    ]),
  ]);
}
