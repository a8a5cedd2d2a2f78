import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import type { AdminStore, IngestionCounter, IngestionStats } from './ports.js';
import { lagBucket, lagMinute, lagQuantileMs } from '../shared/lag-histogram.js';

/** D1 binds at most 100 parameters per query. */
const MAX_PARAMS = 100;

/** A figures table: its columns in bind order, and its key. */
interface FigureTable {
  table: string;
  columns: readonly string[];
  key: readonly string[];
}

/**
 * The figures' tables of each scope (`migrations/admin` 0002, 0006, 0014): the deployment's, and
 * the organisations' (keyed by the organisation's id first).
 */
const TABLES = {
  deployment: {
    counter: { table: 'ingestion_counters', columns: ['name', 'count', 'last_at'], key: ['name'] },
    lag: { table: 'ingestion_lag', columns: ['minute', 'bucket', 'count'], key: ['minute', 'bucket'] },
  },
  organization: {
    counter: {
      table: 'organization_ingestion_counters',
      columns: ['organization_id', 'name', 'count', 'last_at'],
      key: ['organization_id', 'name'],
    },
    lag: {
      table: 'organization_ingestion_lag',
      columns: ['organization_id', 'minute', 'bucket', 'count'],
      key: ['organization_id', 'minute', 'bucket'],
    },
  },
} as const satisfies Record<string, Record<string, FigureTable>>;

/** The figures' text columns; the others hold integers. */
const TEXT_COLUMNS: ReadonlySet<string> = new Set(['organization_id', 'name']);

/**
 * The admin database's ingestion figures on D1 (the part of `AdminStore` the health panel
 * reads): counters and lag histograms of the deployment and of each organisation, added to in
 * one D1 batch per write (never read-modify-write), read per scope.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function createD1IngestionFigures(
  db: D1Database,
): Pick<
  AdminStore,
  'countIngestion' | 'recordIngestionStats' | 'lagPercentiles' | 'purgeLagBefore' | 'listIngestionCounters'
> {
  async function recordIngestionStats({ organizations, at, counts, lagsMs }: IngestionStats): Promise<void> {
    const minute = lagMinute(at);
    const orgCounterRows: unknown[][] = [];
    const orgLagRows: unknown[][] = [];
    for (const [organizationId, figures] of organizations ?? []) {
      for (const [name, n] of figures.counts) orgCounterRows.push([organizationId, name, n, at]);
      for (const [bucket, n] of lagHistogram(figures.lagsMs)) orgLagRows.push([organizationId, minute, bucket, n]);
    }
    const statements = [
      ...upserts(
        db,
        TABLES.deployment.counter,
        [...counts].map(([name, n]) => [name, n, at]),
      ),
      ...upserts(
        db,
        TABLES.deployment.lag,
        [...lagHistogram(lagsMs)].map(([bucket, n]) => [minute, bucket, n]),
      ),
      ...upserts(db, TABLES.organization.counter, orgCounterRows),
      ...upserts(db, TABLES.organization.lag, orgLagRows),
    ];
    if (statements.length) await db.batch(statements);
  }

  return {
    recordIngestionStats,

    async countIngestion(names, at) {
      const counts = new Map<string, number>();
      for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
      await recordIngestionStats({ counts, lagsMs: [], at });
    },

    async purgeLagBefore(before) {
      const results = await db.batch(
        [TABLES.deployment.lag, TABLES.organization.lag].map(({ table }) =>
          db.prepare(`DELETE FROM ${table} WHERE minute < ?`).bind(lagMinute(before)),
        ),
      );
      return results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
    },

    async lagPercentiles(since, organizationId) {
      const { results } = await (
        organizationId === undefined
          ? db
              .prepare('SELECT bucket, sum(count) AS n FROM ingestion_lag WHERE minute >= ? GROUP BY bucket')
              .bind(lagMinute(since))
          : db
              .prepare(
                `SELECT bucket, sum(count) AS n FROM organization_ingestion_lag
                 WHERE organization_id = ? AND minute >= ? GROUP BY bucket`,
              )
              .bind(organizationId, lagMinute(since))
      ).all<{ bucket: number; n: number }>();
      const counts = new Map(results.map((r) => [r.bucket, r.n]));
      const events = results.reduce((sum, r) => sum + r.n, 0);
      return { events, p50Ms: lagQuantileMs(counts, 0.5), p99Ms: lagQuantileMs(counts, 0.99) };
    },

    async listIngestionCounters(organizationId) {
      const { results } = await (
        organizationId === undefined
          ? db.prepare('SELECT name, count, last_at AS lastAt FROM ingestion_counters ORDER BY name')
          : db
              .prepare(
                `SELECT name, count, last_at AS lastAt FROM organization_ingestion_counters
                 WHERE organization_id = ? ORDER BY name`,
              )
              .bind(organizationId)
      ).all<IngestionCounter>();
      return results;
    },
  };
}

/**
 * Multi-row upserts of `rows` into a figures table, in as few statements as D1's 100 bound
 * parameters allow (25 to 33 rows each, so a queue batch over many organisations stays a handful
 * of statements): `count` is added to, `last_at` keeps the latest. Integers are cast in SQL (D1
 * binds JavaScript numbers as REAL).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @see https://www.sqlite.org/lang_upsert.html
 */
function upserts(db: D1Database, { table, columns, key }: FigureTable, rows: ReadonlyArray<readonly unknown[]>) {
  const perStatement = Math.floor(MAX_PARAMS / columns.length);
  const row = `(${columns.map((c) => (TEXT_COLUMNS.has(c) ? '?' : 'CAST(? AS INTEGER)')).join(', ')})`;
  const update = columns.includes('last_at')
    ? 'count = count + excluded.count, last_at = max(last_at, excluded.last_at)'
    : 'count = count + excluded.count';
  const statements: D1PreparedStatement[] = [];
  for (let from = 0; from < rows.length; from += perStatement) {
    const page = rows.slice(from, from + perStatement);
    statements.push(
      db
        .prepare(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${page.map(() => row).join(', ')}
           ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${update}`,
        )
        .bind(...page.flat()),
    );
  }
  return statements;
}

/** Lags (ms) → histogram bucket → how many (see `lag-histogram.ts`). */
function lagHistogram(lagsMs: readonly number[]): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const lag of lagsMs) {
    const bucket = lagBucket(lag);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  }
  return buckets;
}
