import { applySesEventMessages } from './apply-messages.js';
import type { ArchivedSnsMessageEntry, ArchivedSnsMessagePage, SnsArchive } from '../archive/ports.js';
import { ARCHIVE_PREFIXES, DEFAULT_ARCHIVE_PREFIX, archiveDaysOfKey } from '../shared/archive-days.js';
import { sesEventQueueMessage, type SesEventQueueMessage } from './queue-message.js';
import type { EventSinkPorts, SinkOutcome } from '../routing/record.js';
import { snsArchiveHourPrefix } from '../archive/sns-archive.js';
import { verifySnsMessage, type FetchCertificate } from '../sns/sns-verify.js';
import type { SigningKeyCache } from '../sns/signing-key-cache.js';
import { SNS_DEAD_LETTER_RETENTION_SECONDS } from '../sns/redrive.js';
import type { D1Database } from '@cloudflare/workers-types';
import { emailsResetSince } from './d1-tracking-reset.js';

/**
 * Most archived messages one rebuild page reads: one R2 list, one admin query for their routes
 * (at most 100 ids: D1's bound-parameter limit), at most that many R2 reads and the D1 batches of
 * applying them, well within a Worker invocation's subrequest and D1 query limits.
 * @see https://developers.cloudflare.com/workers/platform/limits/#subrequests
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export const MAX_REBUILD_PAGE = 100;

/** Options of {@link rebuildFromArchivePage}. */
export interface RebuildPageOptions {
  archive: SnsArchive;
  organizationId: string;
  /** The previous page's cursor; absent for the first page. */
  cursor?: string;
  /** Only messages of this hour and later (by SNS Timestamp), on the first page. */
  since?: Date;
  /**
   * The reset's scope: only events of the emails it reset (created at or after `since` in `db`,
   * the organisation's database) are applied; the others' are verified, then `skipped`, so an
   * email the reset left alone (older than the events retention: its raw events purged) never
   * gets events back nor counts them twice. Absent: every routed event is applied.
   */
  resetScope?: { db: D1Database; since: number };
  /** Messages listed per page, at most {@link MAX_REBUILD_PAGE} (the default). */
  limit?: number;
  /** List, route and re-verify only: nothing is applied (`matched` says how many would be). */
  dryRun?: boolean;
  /** The webhook's topic allowlist: a message of any other topic is refused. */
  allowedTopicArns: readonly string[];
  /**
   * Where signing certificates come from: the webhook's own fetcher and cache (default: the
   * SNS host over HTTPS, `verifySnsMessage`'s). Never the archive's copy, which whoever can
   * write the bucket can replace.
   */
  certificates?: { fetchCertificate?: FetchCertificate; keyCache?: SigningKeyCache };
}

/** Between an archive prefix and R2's cursor within it, in a rebuild cursor. */
const CURSOR_SEPARATOR = '|';

/**
 * Up to `limit` archived messages from the cursor on, across every archive prefix in key order
 * (`ARCHIVE_PREFIXES`: the deployment's `sns/` and each archive days' `sns-d<days>/`, whatever
 * the organisation's days now, since they may have changed): one R2 list per prefix reached. A
 * prefix is started after `since`'s hour. The cursor is `<prefix>|<R2 cursor>` (empty: the
 * prefix's start); one without the separator (an earlier version's) continues `sns/`.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#r2listoptions
 */
async function listPrefixes(options: RebuildPageOptions, limit: number): Promise<ArchivedSnsMessagePage> {
  const at = options.cursor?.indexOf(CURSOR_SEPARATOR) ?? -1;
  let prefix = !options.cursor ? ARCHIVE_PREFIXES[0]! : at < 0 ? DEFAULT_ARCHIVE_PREFIX : options.cursor.slice(0, at);
  let cursor = !options.cursor ? '' : at < 0 ? options.cursor : options.cursor.slice(at + 1);
  if (!ARCHIVE_PREFIXES.includes(prefix)) throw new RangeError(`not a rebuild cursor: ${options.cursor}`);
  const entries: ArchivedSnsMessageEntry[] = [];
  for (;;) {
    const days = archiveDaysOfKey(prefix)!.days ?? undefined;
    const page = await options.archive.listMessages({
      prefix,
      limit: limit - entries.length,
      ...(cursor ? { cursor } : {}),
      // Keys of that hour sort after its prefix.
      ...(!cursor && options.since ? { startAfter: snsArchiveHourPrefix(options.since, days) } : {}),
    });
    entries.push(...page.entries);
    if (page.cursor) return { entries, cursor: `${prefix}${CURSOR_SEPARATOR}${page.cursor}` };
    const next = ARCHIVE_PREFIXES[ARCHIVE_PREFIXES.indexOf(prefix) + 1];
    if (!next) return { entries };
    [prefix, cursor] = [next, ''];
    if (entries.length >= limit) return { entries, cursor: `${prefix}${CURSOR_SEPARATOR}` };
  }
}

/** What one page of the rebuild did. */
export interface RebuildPage {
  /** Archived messages listed on this page (every organisation's, and subscription messages). */
  listed: number;
  /** Of those, the SES events routed to this organisation, re-verified and applied. */
  matched: number;
  /** Outcome → how many (`applied`, `duplicate`, `parked`, `orphaned`, `dead-lettered`, `unreadable`). */
  outcomes: Partial<Record<SinkOutcome | 'unreadable', number>>;
  /** Archived messages refused (not applied), by key, with the rule that refused them. */
  refused: Array<{ key: string; reason: string }>;
  /** Archived events (verified) of this organisation's emails outside `resetScope`: not applied. */
  skipped: number;
  /** Messages a retry of this page can apply (a database error): the caller answers 5xx. */
  retry: number;
  /** The cursor of the next page, or null when the archive has been read to its end. */
  next: string | null;
}

/**
 * One page of `kuratchi-ses rebuild`: lists the raw archive prefix by prefix, each in key order
 * (so SNS Timestamp order; events apply in any order), keeps the SES event Notifications routed to `organizationId` by their route (the
 * only route, as live), reads each archived body and verifies it again with the webhook's trust,
 * as the redrive path would have when the object was stored (the archive is trusted no more than
 * the network): the certificate from the SigningCertURL's SNS host through the webhook's fetcher
 * (never the archived copy), the topic on the allowlist, the Timestamp at most the redrive
 * window (14 days) before the object's R2 upload time and the certificate valid then. A refused
 * object is reported and counted, never applied. Of the rest, those of emails outside
 * `resetScope` are `skipped`; the others are applied through the queue consumer's path, inline,
 * exactly as live ingestion applied it. Idempotent: an event recorded
 * already is a `duplicate`.
 * @throws what the archive or the admin store throws (R2 or D1 unavailable): the caller answers 5xx.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#r2listoptions
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#r2object-definition (uploaded)
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export async function rebuildFromArchivePage(ports: EventSinkPorts, options: RebuildPageOptions): Promise<RebuildPage> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? MAX_REBUILD_PAGE), 1), MAX_REBUILD_PAGE);
  const page = await listPrefixes(options, limit);
  const result: RebuildPage = {
    listed: page.entries.length,
    matched: 0,
    outcomes: {},
    refused: [],
    skipped: 0,
    retry: 0,
    next: page.cursor ?? null,
  };
  const events = page.entries.filter((e) => e.metadata.type === 'Notification' && e.metadata.sesMessageId);
  const sesIds = [...new Set(events.map((e) => e.metadata.sesMessageId!))];
  const routes = sesIds.length ? await ports.adminStore.findMessageRoutes(sesIds) : new Map();
  const mine = events.filter((e) => routes.get(e.metadata.sesMessageId!)?.organizationId === options.organizationId);

  const verified: Array<{ message: SesEventQueueMessage; emailId: string }> = [];
  for (const entry of mine) {
    const archived = await options.archive.getMessage(entry.key);
    if (!archived) continue;
    try {
      const message = await verifySnsMessage(archived.body, {
        // As the redrive path verified it when it was stored: R2's upload time, which the writer
        // of the bucket cannot choose, and the longest window any path accepts.
        now: archived.uploaded,
        maxAgeSeconds: SNS_DEAD_LETTER_RETENTION_SECONDS,
        allowedTopicArns: options.allowedTopicArns,
        ...options.certificates,
      });
      if (message.Type !== 'Notification') throw new Error('not a Notification');
      verified.push({
        message: sesEventQueueMessage(message, { source: 'rebuild', archiveKey: entry.key }),
        emailId: routes.get(entry.metadata.sesMessageId!)!.emailId,
      });
    } catch (error) {
      result.refused.push({ key: entry.key, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  const scope = options.resetScope;
  const reset = scope
    ? await emailsResetSince(
        scope.db,
        verified.map((v) => v.emailId),
        scope.since,
      )
    : null;
  const messages = verified.filter((v) => !reset || reset.has(v.emailId)).map((v) => v.message);
  result.skipped = verified.length - messages.length;
  result.matched = messages.length;
  if (!messages.length || options.dryRun) return result;
  // The queue consumer's path, inline: routing by route, the park, content identity.
  const { outcomes } = await applySesEventMessages(ports, messages);
  for (const outcome of outcomes) {
    if (outcome === 'retry') result.retry++;
    else result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1;
  }
  return result;
}
