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
