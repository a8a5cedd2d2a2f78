import {
  MAX_RESET_PAGE,
  UnarchivedEventsError,
  countUnarchivedEvents,
  createR2SnsArchive,
  resetTrackingPage,
} from 'kuratchi-sdk/internal/d1';
import { MAX_REBUILD_PAGE, rebuildFromArchivePage } from 'kuratchi-sdk/internal/events';
import { createD1RetentionStore } from 'kuratchi-sdk/internal/retention';
import { z } from 'zod';
import type { DashboardConfig } from '../config';
import { d1EventSink } from '../event-sink';
import { signingCertificates } from '../tracking';
import { orgDatabase } from './org-database';
import { retentionLookup } from '../retention/lookup';
import { readRetentionSettings } from '../retention/settings';
import { invalidRequest, readJsonBody } from './request';

const organizationId = z.string().min(1).max(256);
/** Epoch ms: only emails created (and archived messages of the hour) since then. */
const since = z.number().int().min(0).optional();
const statusQuery = z.object({ organizationId, since: z.coerce.number().int().min(0).optional() }).strict();
const resetBody = z
  .object({
    organizationId,
    since,
    after: z.string().min(1).max(512).optional(),
    limit: z.number().int().min(1).max(MAX_RESET_PAGE).default(MAX_RESET_PAGE),
    /** Delete the events the archive does not hold too; without it the reset refuses them (409). */
    dropUnarchived: z.boolean().default(false),
  })
  .strict();
const applyBody = z
  .object({
    organizationId,
    since,
    cursor: z.string().min(1).max(2048).optional(),
    limit: z.number().int().min(1).max(MAX_REBUILD_PAGE).default(MAX_REBUILD_PAGE),
    dryRun: z.boolean().default(false),
  })
  .strict();

/**
 * How far the events cutoff may have moved since the plan (`GET`) gave its `from`: a rebuild
 * shorter than a day resets and applies from that same `from` on every page.
 */
const REBUILD_GRACE_MS = 86_400_000;

/**
 * Where a rebuild starts: `since`, but never before the organisation's events cutoff nor its
 * archive's, less `graceMs`: older emails' raw events are purged, or their archived messages
 * expired, so the rebuild leaves them as they are. The archive's cutoff is that of the shorter of
 * its archive days and `KURATCHI_RETENTION_ARCHIVE_DAYS`: its messages archived before a route
 * existed (parked) or before its days were set are kept for the deployment's days (`sns/`).
 */
async function rebuildFrom(env: DashboardEnv, organizationId: string, since: number | undefined, graceMs: number) {
  const now = new Date();
  const cutoffs = (await retentionLookup(env)([organizationId], now)).get(organizationId);
  const override = await createD1RetentionStore(env.ADMIN_DB).readOverride(organizationId);
  const archiveDays = Math.min(readRetentionSettings(env).archiveDays, override?.archiveDays ?? Infinity);
  const archive = now.getTime() - archiveDays * 86_400_000;
  return Math.max(since ?? 0, Math.max(cutoffs?.events ?? 0, archive) - graceMs);
}

/** 409 when the raw archive is not bound: a rebuild has nothing to read (a retry cannot fix it). */
function archiveUnbound(): Response {
  return Response.json(
    {
      error: 'archive-unbound',
      message: 'the raw archive is not bound: add the SES_ARCHIVE R2 bucket (docs/guides/deploy.md)',
    },
    { status: 409 },
  );
}

/**
 * 409 `unarchived-events`: the reset would delete events the archive does not hold; `unarchived`
 * counts them by source. Nothing was changed; `dropUnarchived: true` says to drop them.
 */
function unarchivedEvents(error: UnarchivedEventsError): Response {
  return Response.json({ error: error.code, message: error.message, unarchived: error.counts }, { status: 409 });
}

/**
 * `GET /api/ops/rebuild?organizationId=&since=`: where the rebuild starts (`from`: `since`, but
 * not before the events retention's nor the archive's cutoff; send it as `since` to every page),
 * how many of the organisation's sent emails it resets, how many older ones since `since` it
 * leaves as they are (`keptOut`), how many events they have now (what the archive should give
 * back), how many of those the archive does not hold by source (`unarchived`: a reset deletes
 * them only when told), and whether the archive is bound (for `kuratchi-ses rebuild`'s plan and
 * progress bar).
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export async function rebuildStatus(env: DashboardEnv, url: URL): Promise<Response> {
  const query = statusQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) return invalidRequest(query.error);
  const db = await orgDatabase(env, query.data.organizationId);
  if (db instanceof Response) return db;
  const from = await rebuildFrom(env, query.data.organizationId, query.data.since, 0);
  const row = await db
    .prepare(
      `SELECT count(*) AS emails,
              (SELECT count(*) FROM email_events WHERE email_id IN
                 (SELECT id FROM emails WHERE ses_message_id IS NOT NULL AND created_at >= ?1)) AS events,
              (SELECT count(*) FROM emails WHERE ses_message_id IS NOT NULL
                 AND created_at >= ?2 AND created_at < ?1) AS keptOut
       FROM emails WHERE ses_message_id IS NOT NULL AND created_at >= ?1`,
    )
    .bind(from, query.data.since ?? 0)
    .first<{ emails: number; events: number; keptOut: number }>();
  const unarchived = await countUnarchivedEvents(db, { since: from });
  return Response.json({
    archiveBound: Boolean(env.SES_ARCHIVE),
    from,
    emails: row?.emails ?? 0,
    events: row?.events ?? 0,
    keptOut: row?.keptOut ?? 0,
    unarchived,
  });
}

/**
 * `POST /api/ops/rebuild/reset` with JSON `{ organizationId, since?, after?, limit?, dropUnarchived? }`:
 * one page (at most 500 emails, one D1 batch) of the SDK's `resetTrackingPage` from `since`, but
 * not before the events cutoff less a day (the plan's `from` passes), answered as
 * `{ emails, events, next }`; `kuratchi-ses rebuild` loops on `next`, then applies the archive.
 * Without `dropUnarchived: true`, 409 `unarchived-events` (nothing changed) when the reset would
 * delete events the archive does not hold: of the whole scope on the first page, of the page after.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function rebuildReset(env: DashboardEnv, request: Request): Promise<Response> {
  const body = await readJsonBody(request, resetBody);
  if ('refusal' in body) return body.refusal;
  if (!env.SES_ARCHIVE) return archiveUnbound();
  const db = await orgDatabase(env, body.data.organizationId);
  if (db instanceof Response) return db;
  const { after, since, limit, dropUnarchived } = body.data;
  const from = await rebuildFrom(env, body.data.organizationId, since, REBUILD_GRACE_MS);
  try {
    return Response.json(await resetTrackingPage(db, { after: after ?? null, since: from, limit, dropUnarchived }));
  } catch (error) {
    if (error instanceof UnarchivedEventsError) return unarchivedEvents(error);
    throw error;
  }
}

/**
 * `POST /api/ops/rebuild/apply` with JSON `{ organizationId, since?, cursor?, limit?, dryRun? }`:
 * one page (at most 100 archived messages) of the SDK's `rebuildFromArchivePage`, answered as
 * `{ listed, matched, outcomes, refused, skipped, retry, next }`, applying only the events of the
 * emails the reset covers (`skipped`: the others'); 503 when some event met a database error
 * (the page is idempotent: the CLI sends the same cursor again). An archived object the webhook
 * would not accept now (certificate from the SNS host, topic allowlist, redrive window at its
 * upload time) is in `refused`, never applied.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#r2listoptions
 */
export async function rebuildApply(env: DashboardEnv, config: DashboardConfig, request: Request): Promise<Response> {
  const body = await readJsonBody(request, applyBody);
  if ('refusal' in body) return body.refusal;
  if (!env.SES_ARCHIVE) return archiveUnbound();
  const db = await orgDatabase(env, body.data.organizationId);
  if (db instanceof Response) return db;
  const { organizationId: org, since, cursor, limit, dryRun } = body.data;
  const from = await rebuildFrom(env, org, since, REBUILD_GRACE_MS);
  // The webhook's trust: its topic allowlist and its certificate source, never the archive's copy.
  const certificates = signingCertificates(config, new URL(request.url));
  const page = await rebuildFromArchivePage(d1EventSink(env, config), {
    archive: createR2SnsArchive(env.SES_ARCHIVE),
    allowedTopicArns: config.allowedTopicArns,
    ...(certificates ? { certificates } : {}),
    organizationId: org,
    limit,
    dryRun,
    ...(cursor ? { cursor } : {}),
    ...(from > 0 ? { since: new Date(from) } : {}),
    resetScope: { db, since: from },
  });
  return Response.json(page, { status: page.retry > 0 ? 503 : 200 });
}
