import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import type {
  AdminStore,
  CountReceipt,
  IngestionCounter,
  IngestionStats,
  MessageRoute,
  RoutedFigures,
} from './ports.js';
import { lagBucket, lagMinute, lagQuantileMs } from '../shared/lag-histogram.js';
import { figuresCorrection, type FiguresCorrection } from './ingestion-figures.js';
import { marks } from '../shared/sql-marks.js';
import { routeOf, type RouteRow } from './d1-route-select.js';

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
  | 'countIngestion'
  | 'recordIngestionStats'
  | 'correctIngestionStats'
  | 'lagPercentiles'
  | 'purgeLagBefore'
  | 'listIngestionCounters'
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

    async correctIngestionStats(receipt, actual) {
      const statements: D1PreparedStatement[] = [];
      const adds: Array<[string, number, number]> = [];
      const orgAdds: unknown[][] = [];
      const lagAdds: number[] = [];
      const orgLagAdds: unknown[][] = [];
      const minute = lagMinute(receipt.at);
      for (const [organizationId, c] of figuresCorrection(receipt, actual)) {
        const tables = organizationId === null ? TABLES.deployment : TABLES.organization;
        const scope = organizationId === null ? [] : [organizationId];
        const previous =
          organizationId === null
            ? receipt.previousLastAt.deployment
            : organizationId === receipt.organizationId
              ? receipt.previousLastAt.organization
              : new Map<string, number>();
        for (const [name, n] of c.add) {
          if (organizationId === null) adds.push([name, n, actual.at]);
          else orgAdds.push([organizationId, name, n, actual.at]);
        }
        for (const lag of c.addLags) {
          if (organizationId === null) lagAdds.push(lag);
          else orgLagAdds.push([organizationId, lag]);
        }
        statements.push(...takeBackStatements(db, tables, scope, c, previous, receipt.at, minute));
      }
      statements.push(
        ...upserts(db, TABLES.deployment.counter, adds),
        ...upserts(
          db,
          TABLES.deployment.lag,
          [...lagHistogram(lagAdds)].map(([bucket, n]) => [lagMinute(actual.at), bucket, n]),
        ),
        ...upserts(db, TABLES.organization.counter, orgAdds),
        ...upserts(
          db,
          TABLES.organization.lag,
          orgLagAdds.map(([id, lag]) => [id, lagMinute(actual.at), lagBucket(lag as number), 1]),
        ),
      );
      if (statements.length) await db.batch(statements);
    },

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

/**
 * Statements taking back one scope's counters and lag buckets counted ahead at `at` (see
 * `AdminStore.correctIngestionStats`); `scope` is `[organizationId]`, or empty for the deployment.
 */
function takeBackStatements(
  db: D1Database,
  tables: { counter: FigureTable; lag: FigureTable },
  scope: readonly string[],
  c: FiguresCorrection,
  previous: ReadonlyMap<string, number>,
  at: number,
  minute: number,
): D1PreparedStatement[] {
  const org = scope.length ? 'organization_id = ? AND ' : '';
  const statements: D1PreparedStatement[] = [];
  for (const [name, n] of c.takeBack) {
    // The receipt set last_at to `at` (max): put the previous value back unless a later write moved it.
    // (No previous value: the row is the receipt's, deleted below once back to zero.)
    const before = previous.get(name) ?? null;
    statements.push(
      db
        .prepare(
          `UPDATE ${tables.counter.table} SET count = count - CAST(? AS INTEGER),
           last_at = CASE WHEN last_at = CAST(? AS INTEGER) THEN coalesce(CAST(? AS INTEGER), last_at) ELSE last_at END
           WHERE ${org}name = ?`,
        )
        .bind(n, at, before, ...scope, name),
    );
    statements.push(
      db.prepare(`DELETE FROM ${tables.counter.table} WHERE ${org}name = ? AND count <= 0`).bind(...scope, name),
    );
  }
  for (const [bucket, n] of c.takeBackLagBuckets) {
    const where = `${org}minute = CAST(? AS INTEGER) AND bucket = CAST(? AS INTEGER)`;
    statements.push(
      db
        .prepare(`UPDATE ${tables.lag.table} SET count = count - CAST(? AS INTEGER) WHERE ${where}`)
        .bind(n, ...scope, minute, bucket),
      db.prepare(`DELETE FROM ${tables.lag.table} WHERE ${where} AND count <= 0`).bind(...scope, minute, bucket),
    );
  }
  return statements;
}

/**
 * The route lookup of direct mode's webhook, counting its expected answer in the same batch (one
 * round trip): the `last_at` of the counters it touches as they were, then the figures, added
 * only when the route exists (the organisation's share to the route's organisation, by a join on
 * `email_message_lookup`), then the route. Returns the route with the receipt, or null (nothing
 * counted).
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 * @see https://www.sqlite.org/lang_upsert.html (an upsert's SELECT needs a WHERE clause)
 */
export async function findRouteAndCount(
  db: D1Database,
  routeQuery: D1PreparedStatement,
  sesMessageId: string,
  figures: RoutedFigures,
): Promise<(MessageRoute & { counted: CountReceipt }) | null> {
  const names = [...figures.counts.keys()];
  const orgNames = [...figures.organization.counts.keys()];
  const routed = 'EXISTS (SELECT 1 FROM email_message_lookup WHERE ses_message_id = ?)';
  const join = 'JOIN email_message_lookup l WHERE l.ses_message_id = ?';
  const values = (rows: ReadonlyArray<readonly unknown[]>) =>
    `(VALUES ${rows.map((r) => `(${r.map(() => '?').join(', ')})`).join(', ')}) v`;
  const minute = lagMinute(figures.at);
  const counterRows = [...figures.counts].map(([name, n]) => [name, n]);
  const orgCounterRows = [...figures.organization.counts].map(([name, n]) => [name, n]);
  const lagRows = [...lagHistogram(figures.lagsMs)];
  const orgLagRows = [...lagHistogram(figures.organization.lagsMs)];
  const counterSet = 'count = count + excluded.count, last_at = max(last_at, excluded.last_at)';
  const statements: D1PreparedStatement[] = [
    db
      .prepare(`SELECT name, last_at AS lastAt FROM ingestion_counters WHERE name IN (${marks(names.length || 1)})`)
      .bind(...(names.length ? names : [''])),
    db
      .prepare(
        `SELECT c.name, c.last_at AS lastAt FROM organization_ingestion_counters c ${join}
         AND c.organization_id = l.organization_id AND c.name IN (${marks(orgNames.length || 1)})`,
      )
      .bind(sesMessageId, ...(orgNames.length ? orgNames : [''])),
  ];
  if (counterRows.length)
    statements.push(
      db
        .prepare(
          `INSERT INTO ingestion_counters (name, count, last_at)
           SELECT v.column1, CAST(v.column2 AS INTEGER), CAST(? AS INTEGER) FROM ${values(counterRows)} WHERE ${routed}
           ON CONFLICT (name) DO UPDATE SET ${counterSet}`,
        )
        .bind(figures.at, ...counterRows.flat(), sesMessageId),
    );
  if (lagRows.length)
    statements.push(
      db
        .prepare(
          `INSERT INTO ingestion_lag (minute, bucket, count)
           SELECT CAST(? AS INTEGER), CAST(v.column1 AS INTEGER), CAST(v.column2 AS INTEGER) FROM ${values(lagRows)} WHERE ${routed}
           ON CONFLICT (minute, bucket) DO UPDATE SET count = count + excluded.count`,
        )
        .bind(minute, ...lagRows.flat(), sesMessageId),
    );
  if (orgCounterRows.length)
    statements.push(
      db
        .prepare(
          `INSERT INTO organization_ingestion_counters (organization_id, name, count, last_at)
           SELECT l.organization_id, v.column1, CAST(v.column2 AS INTEGER), CAST(? AS INTEGER) FROM ${values(orgCounterRows)} ${join}
           ON CONFLICT (organization_id, name) DO UPDATE SET ${counterSet}`,
        )
        .bind(figures.at, ...orgCounterRows.flat(), sesMessageId),
    );
  if (orgLagRows.length)
    statements.push(
      db
        .prepare(
          `INSERT INTO organization_ingestion_lag (organization_id, minute, bucket, count)
           SELECT l.organization_id, CAST(? AS INTEGER), CAST(v.column1 AS INTEGER), CAST(v.column2 AS INTEGER)
           FROM ${values(orgLagRows)} ${join}
           ON CONFLICT (organization_id, minute, bucket) DO UPDATE SET count = count + excluded.count`,
        )
        .bind(minute, ...orgLagRows.flat(), sesMessageId),
    );
  statements.push(routeQuery);
  const results = await db.batch(statements);
  const row = results.at(-1)!.results[0] as RouteRow | undefined;
  if (!row) return null;
  const route = routeOf(row);
  const lastAt = (i: number) =>
    new Map((results[i]!.results as Array<{ name: string; lastAt: number }>).map((r) => [r.name, r.lastAt]));
  return {
    organizationId: route.organizationId,
    emailId: route.emailId,
    ...(route.archiveDays === undefined ? {} : { archiveDays: route.archiveDays }),
    counted: {
      ...figures,
      organizationId: route.organizationId,
      previousLastAt: { deployment: lastAt(0), organization: lastAt(1) },
    },
  };
}
