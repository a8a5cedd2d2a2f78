import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { orgObjectDatabase } from '../../../../test/org-database-kinds.js';

/**
 * D1's client API over an organisation's Durable Object (createWireD1Database through
 * durableObjectDatabase) answers as D1 itself does: the same calls on a local D1 database and on
 * an object give the same results, the same write counts and the same refusals.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
const TABLE = 'wire_parity';

/** What each call gives, or the D1 error code it throws, as plain data. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    const value = await call();
    return Array.isArray(value) ? value.map(withoutTimings) : withoutTimings(value);
  } catch (error) {
    return { threw: /^(D1_[A-Z_]+|Error|TypeError)/.exec(String((error as Error).message))?.[1] ?? 'error' };
  }
}

/** A D1 result without what depends on the machine (duration, file size, the serving database). */
function withoutTimings(value: unknown): unknown {
  if (!value || typeof value !== 'object' || !('meta' in value)) return value;
  const { meta, ...rest } = value as { meta: Record<string, unknown> };
  const { changes, last_row_id, changed_db, rows_read, rows_written } = meta;
  return { ...rest, meta: { changes, last_row_id, changed_db, rows_read, rows_written } };
}

async function exercise(db: D1Database): Promise<Record<string, unknown>> {
  await db.exec(
    `DROP TABLE IF EXISTS ${TABLE}\nCREATE TABLE ${TABLE} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, flag INTEGER, score REAL)`,
  );
  const insert = db.prepare(`INSERT INTO ${TABLE} (id, name, flag, score) VALUES (?, ?, ?, ?)`);
  const seen: Record<string, unknown> = {};
  seen.insert = await outcome(() => insert.bind(1, 'ann', true, 1.5).run());
  seen.insertNull = await outcome(() => insert.bind(2, 'bob', null, null).run());
  seen.insertFalse = await outcome(() => insert.bind(3, 'carla', false, -2).run());
  seen.autoId = await outcome(() => db.prepare(`INSERT INTO ${TABLE} (name) VALUES ('dan')`).run());
  seen.firstRow = await outcome(() => db.prepare(`SELECT * FROM ${TABLE} WHERE id = ?`).bind(1).first());
  seen.firstColumn = await outcome(() => db.prepare(`SELECT name, flag FROM ${TABLE} WHERE id = 3`).first('flag'));
  seen.firstMissingColumn = await outcome(() => db.prepare(`SELECT name FROM ${TABLE}`).first('nope'));
  seen.firstNoRow = await outcome(() => db.prepare(`SELECT * FROM ${TABLE} WHERE id = 99`).first());
  seen.all = await outcome(() => db.prepare(`SELECT id, name, flag, score FROM ${TABLE} ORDER BY id`).all());
  seen.raw = await outcome(() => db.prepare(`SELECT id, name FROM ${TABLE} ORDER BY id`).raw());
  seen.rawNames = await outcome(() =>
    db.prepare(`SELECT id, name FROM ${TABLE} ORDER BY id`).raw({ columnNames: true }),
  );
  seen.updateMany = await outcome(() => db.prepare(`UPDATE ${TABLE} SET score = 0 WHERE id < 3`).run());
  seen.updateNone = await outcome(() => db.prepare(`UPDATE ${TABLE} SET score = 0 WHERE id > 99`).run());
  seen.conflict = await outcome(() => insert.bind(1, 'again', 0, 0).run());
  seen.notNull = await outcome(() => insert.bind(9, null, 0, 0).run());
  seen.badSql = await outcome(() => db.prepare(`SELEC nonsense`).all());
  seen.undefinedValue = await outcome(() => insert.bind(10, undefined, 0, 0).run());
  seen.batch = await outcome(() =>
    db.batch([insert.bind(20, 'eve', 1, 1), db.prepare(`SELECT count(*) AS n FROM ${TABLE}`)]),
  );
  // A batch is one transaction: a failing statement undoes the statements before it.
  seen.failedBatch = await outcome(() => db.batch([insert.bind(30, 'fay', 1, 1), insert.bind(1, 'dup', 1, 1)]));
  seen.afterFailedBatch = await outcome(() =>
    db.prepare(`SELECT count(*) AS n FROM ${TABLE} WHERE id = 30`).first('n'),
  );
  seen.final = await outcome(() => db.prepare(`SELECT * FROM ${TABLE} ORDER BY id`).all());
  await db.exec(`DROP TABLE ${TABLE}`);
  return seen;
}

describe('D1 API over an organisation Durable Object', () => {
  it('gives what D1 gives, call by call', async () => {
    const onD1 = await exercise(env.ORG_DB_UNMIGRATED);
    const onObject = await exercise(orgObjectDatabase('org-wire-parity'));
    // The checks are not vacuous: the calls wrote, read and refused.
    expect(onD1.insert).toMatchObject({ meta: { changes: 1, last_row_id: 1 } });
    expect(onD1.firstRow).toEqual({ id: 1, name: 'ann', flag: 1, score: 1.5 });
    expect(onD1.failedBatch).toMatchObject({ threw: expect.any(String) });
    expect(onD1.afterFailedBatch).toBe(0);
    expect(onObject).toEqual(onD1);
  });
});
