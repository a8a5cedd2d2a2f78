import {
  abortOrgMove,
  clearOrgTables,
  compareOrgTablePage,
  copyOrgTablePage,
  countOrgTables,
  DEFAULT_ORG_DURABLE_OBJECT_BINDING,
  forgetOrgMoveVerification,
  MAX_COPY_PAGE,
  openOrgDatabase,
  ORG_MOVE_SETTLE_MS,
  ORG_TABLES,
  orgTable,
  OrgDatabaseError,
  OrgMoveError,
  readOrgDatabaseLocation,
  readMarksBackfill,
  readRollupBackfill,
  recordOrgMoveVerification,
  settledOrgMove,
  startOrgMove,
  switchOrgToDurableObject,
  type OrgDatabaseLocation,
} from 'kuratchi-sdk/internal/d1';
import { drainParkedEvents } from 'kuratchi-sdk/internal/events';
import { z } from 'zod';
import { readJsonBody } from './request';
import type { DashboardConfig } from '../config';
import { d1EventSink } from '../event-sink';

/** Most held events one `drain` step applies: each costs up to 4 D1 queries (1,000 per invocation). */
const DRAIN_MAX = 200;

const tableNames = ORG_TABLES.map((t) => t.name) as [string, ...string[]];

const moveBody = z.discriminatedUnion('step', [
  z.object({ step: z.literal('start'), binding: binding() }).strict(),
  z
    .object({
      step: z.enum(['copy', 'verify']),
      binding: binding(),
      table: z.enum(tableNames),
      after: z.string().max(2000).nullable().default(null),
      limit: z.number().int().min(1).max(MAX_COPY_PAGE).default(200),
    })
    .strict(),
  z.object({ step: z.enum(['status', 'counts', 'switch', 'abort']), binding: binding() }).strict(),
  z
    .object({
      step: z.literal('drain'),
      binding: binding(),
      limit: z.number().int().min(1).max(DRAIN_MAX).default(100),
    })
    .strict(),
]);

function binding() {
  return z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .default(DEFAULT_ORG_DURABLE_OBJECT_BINDING);
}

/**
 * `POST /api/ops/organizations/:id/move`: one step of moving an organisation from its D1 binding
 * to its Durable Object, driven by `kuratchi-ses org migrate`:
 * - `start`: marks it moving (its database is refused to everyone; the webhook and the queue
 *   consumer park its events as `org-moving`) and empties its object; the answer says when
 *   copying may begin (`copyFrom`);
 * - `copy` / `verify`: one page of a table (`table`, `after` cursor, `limit`): copied in one
 *   transaction (which forgets what was verified), or compared (rows and SHA-256 on each side,
 *   `equal`), the comparison recorded in the admin database;
 * - `status`: where it lives, and how long until copying may begin (`retryAfterMs`, 0 when it may);
 * - `counts`: every table's row count on both sides;
 * - `switch`: once every table was verified to its last page since the last copy, and with equal
 *   counts, points the organisation at its object and ends the move (409 `not-verified` otherwise);
 * - `abort`: ends the move on D1 and empties the object;
 * - `drain`: after the switch or the abort, applies one page (`limit`) of the events parked
 *   meanwhile where the organisation now lives (`applied`, `duplicates`, `orphaned`, `expired`, `more`:
 *   call again); 409 `moving` while it still moves. The scheduled sweep applies them too.
 * 409 for a step the organisation's state refuses (`settling` with `retryAfterMs`), 404 for an
 * unknown organisation.
 * @see https://developers.cloudflare.com/durable-objects/api/storage-api/#transactionsync
 */
export async function orgMoveStep(
  env: DashboardEnv,
  config: DashboardConfig,
  id: string,
  request: Request,
  now: Date,
): Promise<Response> {
  const body = await readJsonBody(request, moveBody);
  if ('refusal' in body) return body.refusal;
  const step = body.data;
  try {
    const target = openOrgDatabase(env, id, { kind: 'durable-object', binding: step.binding, movingSince: null });
    const source = (location: OrgDatabaseLocation) => openOrgDatabase(env, id, { ...location, movingSince: null });
    switch (step.step) {
      case 'start': {
        // Not while its rollups are backfilled: the copy would carry their short figures.
        // Nor while the reputation guard's marks are (org migration 0016): the same job does both.
        const orgDb = source(await readOrgDatabaseLocation(env.ADMIN_DB, id));
        const backfill = (await readRollupBackfill(orgDb)) ?? (await readMarksBackfill(orgDb));
        if (backfill)
          throw new OrgMoveError(
            'backfilling',
            `organization ${id}'s daily rollups are still being backfilled (${Math.floor((100 * backfill.cursor) / backfill.highWater)} % done by the cron's rollup-backfill job): move it once they are`,
          );
        const location = await startOrgMove(env.ADMIN_DB, id, now.getTime());
        await clearOrgTables(target);
        return Response.json({
          movingSince: location.movingSince,
          settleMs: ORG_MOVE_SETTLE_MS,
          copyFrom: location.movingSince! + ORG_MOVE_SETTLE_MS,
          tables: ORG_TABLES.map((t) => t.name),
          counts: await countOrgTables(source(location)),
        });
      }
      case 'copy':
      case 'verify': {
        const from = source(await settledOrgMove(env.ADMIN_DB, id, now.getTime()));
        const table = orgTable(step.table);
        if (step.step === 'copy') {
          // A copied page makes what was verified before out of date.
          await forgetOrgMoveVerification(env.ADMIN_DB, id);
          return Response.json(await copyOrgTablePage(from, target, table, step.after, step.limit));
        }
        const page = await compareOrgTablePage(from, target, table, step.after, step.limit);
        const equal = await recordOrgMoveVerification(env.ADMIN_DB, id, table.name, step.after, page);
        return Response.json({ ...page, equal });
      }
      case 'status': {
        const location = await readOrgDatabaseLocation(env.ADMIN_DB, id);
        const copyFrom = location.movingSince === null ? null : location.movingSince + ORG_MOVE_SETTLE_MS;
        return Response.json({
          location,
          copyFrom,
          retryAfterMs: copyFrom === null ? null : Math.max(0, copyFrom - now.getTime()),
        });
      }
      case 'counts': {
        const from = source(await settledOrgMove(env.ADMIN_DB, id, now.getTime()));
        return Response.json({ source: await countOrgTables(from), target: await countOrgTables(target) });
      }
      case 'switch': {
        const from = source(await settledOrgMove(env.ADMIN_DB, id, now.getTime()));
        const counts = { source: await countOrgTables(from), target: await countOrgTables(target) };
        const differ = Object.keys(counts.source).filter((t) => counts.source[t] !== counts.target[t]);
        if (differ.length) {
          return Response.json(
            { error: 'counts-differ', message: `row counts differ in ${differ.join(', ')}: not switched`, ...counts },
            { status: 409 },
          );
        }
        await switchOrgToDurableObject(env.ADMIN_DB, id, step.binding);
        return Response.json({ switched: true, location: await readOrgDatabaseLocation(env.ADMIN_DB, id), ...counts });
      }
      case 'abort': {
        const location = await abortOrgMove(env.ADMIN_DB, id);
        await clearOrgTables(target);
        return Response.json({ aborted: true, location });
      }
      case 'drain': {
        const location = await readOrgDatabaseLocation(env.ADMIN_DB, id);
        if (location.movingSince !== null) {
          return Response.json(
            { error: 'moving', message: `organization ${id} is still being moved: switch or abort first` },
            { status: 409 },
          );
        }
        return Response.json(
          await drainParkedEvents(d1EventSink(env, config), { organizationId: id, now, limit: step.limit }),
        );
      }
    }
  } catch (error) {
    return refusal(error);
  }
}

function refusal(error: unknown): Response {
  if (error instanceof OrgMoveError) {
    return Response.json(
      {
        error: error.code,
        message: error.message,
        ...(error.retryAfterMs ? { retryAfterMs: error.retryAfterMs } : {}),
      },
      { status: 409 },
    );
  }
  if (error instanceof OrgDatabaseError && error.code === 'organization-not-found') {
    return Response.json({ error: error.code, message: error.message }, { status: 404 });
  }
  if (error instanceof OrgDatabaseError && error.code === 'binding-missing') {
    return Response.json({ error: error.code, message: error.message }, { status: 400 });
  }
  throw error;
}
