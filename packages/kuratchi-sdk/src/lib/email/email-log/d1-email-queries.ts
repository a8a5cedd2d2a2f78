import type { D1Database } from '@cloudflare/workers-types';
import type { EmailRecipient, EmailRow, EmailStatus, SesEventSource } from '../model.js';
import { EMAIL_SELECT_LIST, emailFromSql, RECIPIENT_SELECT_LIST, type EmailSqlRow } from '../routing/columns.js';
import { DAY_MS, rollupDay, type RollupMetric } from '../routing/rollups.js';
import { readRollupBackfill } from '../routing/rollup-backfill.js';
import { createD1LinkStats } from './d1-link-stats.js';
import { createD1VerdictStats } from './d1-verdict-stats.js';
import { createD1EventFeed, lastEventSql, type LastEvent } from './d1-event-feed.js';
import { marks } from '../shared/sql-marks.js';
import { createD1SuppressionStore } from '../send/d1-suppression-store.js';
import { decodeEmailLogCursor, encodeEmailLogCursor, type EmailLogCursor } from './email-log-cursor.js';
import { emailSearchSql, parseEmailSearch, type EmailSearchSql } from './email-search.js';
import type { SuppressionListEntry } from '../send/ports.js';

/** Filters of the email log; all optional and combined with AND. */
export interface EmailLogFilter {
  status?: EmailStatus;
  /** Recipients starting with this text (uses the recipient index). */
  recipientPrefix?: string;
  /**
   * Search text, case-insensitive: every whitespace-separated term (literal text, at least three
   * characters, `EMAIL_SEARCH_MIN_TERM_LENGTH`: shorter ones are left out, and a search of only
   * short terms finds nothing) must be part of a recipient address (To, CC or BCC) or of the
   * subject. A whole SES message id finds its email. Served by the FTS5 trigram index
   * `email_search` (migrations/org/0003_search.sql); results keep the log's keyset pagination,
   * newest first (emails of the same millisecond in search-key order). Blank: no search.
   * @see https://www.sqlite.org/fts5.html#the_trigram_tokenizer
   */
  search?: string;
  /** The `emailType` given to `sendEmail` (exactly). */
  emailType?: string;
  /**
   * One of the `tags` given to `sendEmail`, name and value exactly (`email_tags`); without a
   * search, the page is read from the tag's index, newest first.
   */
  tag?: { name: string; value: string };
  /** Created at or after (epoch ms). */
  from?: number;
  /** Created before (epoch ms). */
  to?: number;
  /**
   * `human`: only emails that a person opened or clicked (at least one open or click the
   * engagement rules did not attribute to a machine).
   */
  engagedBy?: 'human';
  /**
   * Canary emails (`emails.canary = 1`, sent by `kuratchi-sdk/internal/canary` to the SES mailbox
   * simulator): `exclude` (default) hides them, `include` lists them with the others, `only`
   * lists nothing else.
   */
  canary?: 'exclude' | 'include' | 'only';
}

/** How many recipients of an email have each status (`{ delivered: 2, bounced: 1 }`). */
export type RecipientOutcomeCounts = Partial<Record<EmailStatus, number>>;

/** A row of the email log: the email and the split of its recipients' outcomes. */
export interface EmailLogRow extends EmailRow {
  recipientOutcomes: RecipientOutcomeCounts;
  /**
   * Its latest event by event time (null: none yet), when the page was asked `withLastEvent`;
   * absent otherwise.
   */
  lastEvent?: LastEvent | null;
}

/** One email with every recipient (To, CC, BCC) and its own outcome, To first. */
export interface EmailDetail extends EmailRow {
  recipients: EmailRecipient[];
}

/** One page of the email log, newest first. */
export interface EmailLogPage {
  emails: EmailLogRow[];
  /** Cursor of the next (older) page, or null on the last page. */
  nextCursor: string | null;
}

/** One event of an email's timeline. */
export interface EmailTimelineEvent {
  snsMessageId: string;
  eventType: string;
  occurredAt: number;
  receivedAt: number;
  /** The event's detail object as SES sent it (bounce, open, click…). */
  detail: Record<string, unknown>;
  /** How the event's first copy reached us (`sns`, `redrive`, `firehose`, `import`, …). */
  source: SesEventSource;
  /** The R2 key of its raw signed SNS message, or null when it was not archived. */
  archiveKey: string | null;
  /** Opens and clicks: `human` or `machine`; null for other types (or not classified yet). */
  engagement: 'human' | 'machine' | null;
  /** The rule id of that verdict (`ses-likely-bot` when SES's `isBotEvent` decided, see `verdictBy`). */
  engagementRule: string | null;
}

/** Counts of one UTC day, by the day each milestone first happened. */
export interface DailyEmailStats {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  /** Emails. */
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  /**
   * Emails bounced by SES's `bounceType` (an email counts under the type of its first bounce).
   * @see https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html#bounce-types
   */
  bouncedPermanent: number;
  bouncedTransient: number;
  bouncedUndetermined: number;
  complained: number;
  /** Emails SES rejected, and emails that failed (a rendering failure, or SES refusing the send). */
  rejected: number;
  failed: number;
  /** Emails opened (clicked) by a person, on the day of their first open (click) of any kind. */
  humanOpened: number;
  humanClicked: number;
  /** Recipients sent to, bounced and complained: the base of SES's own reputation rates. */
  recipientsSent: number;
  recipientsBounced: number;
  recipientsComplained: number;
}

/**
 * The read queries behind an organisation's email log, email timeline and charts, on that
 * organisation's own D1 database (so no query can reach another organisation's rows).
 * Pagination is keyset (created_at DESC, id DESC): rows inserted meanwhile never shift or repeat
 * a page, and every filter is served by an index of `migrations/org`.
 */
export function createD1EmailQueries(db: D1Database) {
  return {
    /**
     * A page of the email log (at most `limit`, default 50, max 500), after `cursor`; with
     * `withLastEvent`, each row's latest event too, read by the same query (no second round trip).
     */
    async listEmails(
      filter: EmailLogFilter = {},
      options: { cursor?: string | null; limit?: number; withLastEvent?: boolean } = {},
    ): Promise<EmailLogPage> {
      const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 500);
      const cursor = decodeEmailLogCursor(options.cursor);
      let results: LogPageRow[] = [];
      /** The per-row columns counted for the email whose id is `emailId`: outcomes, latest event. */
      const perRow = (emailId: string) =>
        `${recipientOutcomesSql(emailId)} AS recipientOutcomes` +
        (options.withLastEvent ? `, ${lastEventSql(emailId)} AS lastEvent` : '');
      // The page's rows are chosen first (filter, sort and limit on the indexes), and only then are
      // their recipients' outcomes counted: a subquery in the SELECT of a sorted query would run
      // for every matching row before the sort (the same ORDER BY inside and outside also keeps
      // SQLite from flattening the two). A source whose index hands out rows in order (`inOrder`:
      // the search, FTS5 consumes its ORDER BY rowid; the `emails` indexes that end in
      // `created_at DESC, id DESC`) needs no sort, so the same SELECT counts them for the rows the
      // LIMIT keeps only, without copying the page through a nested query and sorting it again.
      // @see https://www.sqlite.org/optoverview.html#flattening
      // @see https://www.sqlite.org/vtab.html#order_by_and_orderbyconsumed
      const page = async (source: LogSource) => {
        const { from, where, params, orderBy } = source;
        const rows = `FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderBy} LIMIT ?`;
        const sql = source.inOrder
          ? `SELECT ${EMAIL_SELECT_LIST}, ${perRow('emails.id')} ${rows}`
          : `SELECT ${LOG_PAGE}.*, ${perRow(`${LOG_PAGE}.id`)}
               FROM (SELECT ${EMAIL_SELECT_LIST}${source.pageKeys ? `, ${source.pageKeys}` : ''} ${rows}) AS ${LOG_PAGE}
               ORDER BY ${source.pageOrderBy}`;
        return (
          await db
            .prepare(sql)
            .bind(...params, limit + 1)
            .all<LogPageRow>()
        ).results;
      };
      // The first source that has rows makes the page (a message id, else the full-text search).
      for (const source of logSources(filter, cursor)) {
        results = await page(source);
        if ('exactIfCanary' in source && source.exactIfCanary && results.some((row) => row.pageCanary))
          results = await page(source.exactIfCanary);
        if (results.length) break;
      }
      const emails = results.slice(0, limit).map(({ recipientOutcomes, pageCanary: _canary, lastEvent, ...row }) => ({
        ...emailFromSql(row),
        recipientOutcomes: JSON.parse(recipientOutcomes) as RecipientOutcomeCounts,
        ...(options.withLastEvent ? { lastEvent: lastEvent ? (JSON.parse(lastEvent) as LastEvent) : null } : {}),
      }));
      const last = emails.at(-1);
      return { emails, nextCursor: results.length > limit && last ? encodeEmailLogCursor(last) : null };
    },

    /**
     * One email with its recipients and their outcomes, or null (also for an id of another
     * organisation: it is not in this database). One round trip.
     */
    async getEmail(id: string): Promise<EmailDetail | null> {
      const [email, recipients] = await db.batch([
        db.prepare(`SELECT ${EMAIL_SELECT_LIST} FROM emails WHERE id = ?`).bind(id),
        db
          .prepare(
            `SELECT ${RECIPIENT_SELECT_LIST} FROM email_recipients WHERE email_id = ?
             ORDER BY CASE kind WHEN 'to' THEN 0 WHEN 'cc' THEN 1 WHEN 'bcc' THEN 2 ELSE 3 END, address`,
          )
          .bind(id),
      ]);
      const row = email?.results[0] as EmailSqlRow | undefined;
      return row ? { ...emailFromSql(row), recipients: (recipients?.results ?? []) as EmailRecipient[] } : null;
    },

    /**
     * The recipients of these emails (at most 100 ids), for the per-recipient CSV export, by email
     * id in the order asked, To first.
     */
    async listRecipients(emailIds: readonly string[]): Promise<Map<string, EmailRecipient[]>> {
      const byEmail = new Map<string, EmailRecipient[]>(emailIds.map((id) => [id, []]));
      if (!emailIds.length) return byEmail;
      const { results } = await db
        .prepare(
          `SELECT email_id AS emailId, ${RECIPIENT_SELECT_LIST} FROM email_recipients
           WHERE email_id IN (${marks(emailIds.length)})
           ORDER BY CASE kind WHEN 'to' THEN 0 WHEN 'cc' THEN 1 WHEN 'bcc' THEN 2 ELSE 3 END, address`,
        )
        .bind(...emailIds)
        .all<EmailRecipient & { emailId: string }>();
      for (const { emailId, ...recipient } of results) byEmail.get(emailId)?.push(recipient);
      return byEmail;
    },

    /** The suppression-list entries of these addresses (case-insensitive). */
    async findSuppressions(emailAddresses: readonly string[]): Promise<SuppressionListEntry[]> {
      return createD1SuppressionStore(db).find(emailAddresses.map((a) => a.toLowerCase()));
    },

    ...createD1LinkStats(db),
    ...createD1VerdictStats(db),
    ...createD1EventFeed(db),

    /** Every recorded event of an email in event-time order. */
    async listEmailEvents(emailId: string): Promise<EmailTimelineEvent[]> {
      const { results } = await db
        .prepare(
          `SELECT sns_message_id AS snsMessageId, event_type AS eventType, occurred_at AS occurredAt,
                  received_at AS receivedAt, detail, source, archive_key AS archiveKey, engagement,
                  engagement_rule AS engagementRule
           FROM email_events WHERE email_id = ? ORDER BY occurred_at, received_at, sns_message_id`,
        )
        .bind(emailId)
        .all<Omit<EmailTimelineEvent, 'detail'> & { detail: string }>();
      return results.map((event) => ({ ...event, detail: JSON.parse(event.detail) as Record<string, unknown> }));
    },

    /**
     * Per-day counts of the `days` UTC days ending with the day of `now` (oldest first, empty days
     * included): emails first sent, delivered, opened, clicked, bounced and complained that day.
     * Canary emails are left out (`emails.canary`, shared/canary-sql.ts). Read from the daily
     * rollups (routing/rollups.ts): one range of `email_rollups`, whatever the number of emails,
     * and still there once retention has deleted the emails.
     */
    async dailyStats(days: number, now: number): Promise<DailyEmailStats[]> {
      const end = rollupDay(now) + 1;
      const start = end - days;
      const { results } = await db
        .prepare(
          `SELECT day, metric, key, count FROM email_rollups
           WHERE day >= ? AND day < ? AND metric IN (${marks(DAILY_METRICS.length)})`,
        )
        .bind(start, end, ...DAILY_METRICS)
        .all<{ day: number; metric: RollupMetric; key: string; count: number }>();
      const stats: DailyEmailStats[] = Array.from({ length: days }, (_, i) => ({
        day: new Date((start + i) * DAY_MS).toISOString().slice(0, 10),
        ...(Object.fromEntries(DAILY_FIELDS.map((name) => [name, 0])) as Omit<DailyEmailStats, 'day'>),
      }));
      for (const row of results) {
        const day = stats[row.day - start];
        if (!day) continue;
        day[DAILY_FIELD_OF[row.metric]!] += row.count;
        const byType = row.metric === 'bounced' ? BOUNCE_TYPE_FIELDS[row.key] : undefined;
        if (byType) day[byType] += row.count;
      }
      return stats;
    },

    /**
     * How far the rollup backfill of the emails already there when the rollups began has come
     * (routing/rollup-backfill.ts), as the share of those emails counted (0 to 1), or null when
     * every email is counted: until then the daily figures and totals are short.
     */
    async rollupBackfillProgress(): Promise<number | null> {
      const marker = await readRollupBackfill(db);
      return marker ? marker.cursor / marker.highWater : null;
    },

    /**
     * What the ingestion health needs from this organisation: when its last SES event was
     * received, and the latest send that no event has followed (null when every sent email has
     * been followed by some event).
     */
    async ingestionActivity(): Promise<{ lastEventReceivedAt: number | null; oldestUnfollowedSendAt: number | null }> {
      const row = await db
        .prepare(
          `SELECT (SELECT max(received_at) FROM email_events) AS lastEventReceivedAt,
                  (SELECT min(created_at) FROM emails
                    WHERE ses_message_id IS NOT NULL
                      AND created_at > coalesce((SELECT max(received_at) FROM email_events), 0)) AS oldestUnfollowedSendAt`,
        )
        .first<{ lastEventReceivedAt: number | null; oldestUnfollowedSendAt: number | null }>();
      return row ?? { lastEventReceivedAt: null, oldestUnfollowedSendAt: null };
    },
  };
}

/** The field of {@link DailyEmailStats} each rollup metric adds to. */
const DAILY_FIELD_OF: Partial<Record<RollupMetric, Exclude<keyof DailyEmailStats, 'day'>>> = {
  sent: 'sent',
  delivered: 'delivered',
  opened: 'opened',
  clicked: 'clicked',
  bounced: 'bounced',
  complained: 'complained',
  rejected: 'rejected',
  failed: 'failed',
  human_opened: 'humanOpened',
  human_clicked: 'humanClicked',
  recipients_sent: 'recipientsSent',
  recipients_bounced: 'recipientsBounced',
  recipients_complained: 'recipientsComplained',
};
const DAILY_METRICS = Object.keys(DAILY_FIELD_OF) as RollupMetric[];
/** Emails bounced, split by SES's `bounceType` (the `bounced` metric's key). */
const BOUNCE_TYPE_FIELDS: Record<string, Exclude<keyof DailyEmailStats, 'day'>> = {
  Permanent: 'bouncedPermanent',
  Transient: 'bouncedTransient',
  Undetermined: 'bouncedUndetermined',
};
const DAILY_FIELDS = [...Object.values(DAILY_FIELD_OF), ...Object.values(BOUNCE_TYPE_FIELDS)];

/** Name of the subquery of one page of the log, before its recipients' outcomes are counted. */
const LOG_PAGE = 'log_page';

/** JSON object of the recipient count per status of the email whose id is `emailId` (SQL). */
const recipientOutcomesSql = (emailId: string) => `(SELECT json_group_object(status, n) FROM
  (SELECT status, count(*) AS n FROM email_recipients WHERE email_id = ${emailId} GROUP BY status))`;

/** A row of a page of the log as D1 returns it (`pageCanary`: the email's `canary`, on a candidate page). */
type LogPageRow = EmailSqlRow & {
  recipientOutcomes: string;
  pageCanary?: number;
  /** JSON of a {@link LastEvent}, or null; asked `withLastEvent` only. */
  lastEvent?: string | null;
};

/** The type of {@link createD1EmailQueries}'s result. */
export type EmailQueries = ReturnType<typeof createD1EmailQueries>;

/**
 * FROM, WHERE, ORDER BY and parameters of one query of the email log (see {@link logSources});
 * `pageKeys` (more columns of the page) and `pageOrderBy` (on the page's columns) keep that order
 * once the page is chosen.
 */
interface IndexedSource {
  from: string;
  where: string[];
  params: unknown[];
  orderBy: string;
  pageKeys?: string;
  pageOrderBy: string;
  /**
   * Rows come in `orderBy`'s order from every index SQLite may choose for `where` (no sort), so
   * one SELECT pages them and counts the outcomes of the rows it keeps (see `listEmails`).
   */
  inOrder?: true;
  /**
   * Set on a candidate page that leaves canary emails in: when it has one, this exact query makes
   * the page instead (see {@link logSources}).
   */
  exactIfCanary?: IndexedSource;
}

/** One query of the email log: on the `emails` indexes, or the search's (rows in order, no sort). */
type LogSource = IndexedSource | EmailSearchSql;

/**
 * The queries of one page of the log, tried in order until one has rows: without a search, the
 * `emails` indexes; a search that reads as an SES message id first looks it up whole (unique
 * index); then the search's terms through the FTS5 index, or nothing when no term is long enough.
 */
function logSources(filter: EmailLogFilter, cursor: EmailLogCursor | null): LogSource[] {
  const search = parseEmailSearch(filter.search);
  const plain = (canary = filter.canary ?? 'exclude'): IndexedSource => {
    const { where, params } = filterClause({ ...filter, canary });
    if (cursor) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(cursor.createdAt, cursor.createdAt, cursor.id);
    }
    return {
      from: 'emails',
      where,
      params,
      orderBy: 'created_at DESC, id DESC',
      pageOrderBy: 'createdAt DESC, id DESC',
      // Without a recipient range, SQLite reads emails_by_created, _by_status or _by_type (each
      // ends in created_at DESC, id DESC after its equalities) or one message id: never a sort.
      ...(filter.recipientPrefix ? {} : { inOrder: true as const }),
    };
  };
  if (!search) {
    if (filter.tag) return [tagSource(filter.tag, filter, cursor)];
    // A recipient prefix's rows come in address order and must be sorted by time: SQLite sorts the
    // index's keys and reads only the page's rows, unless a condition needs a column outside the
    // index, as `canary` does (every matching row read: 16 × the bare query at 1M emails). So the
    // page is chosen with canary emails in, and chosen again without them only when it has one.
    if (filter.recipientPrefix && (filter.canary ?? 'exclude') === 'exclude')
      return [{ ...plain('include'), pageKeys: 'emails.canary AS pageCanary', exactIfCanary: plain() }];
    return [plain()];
  }
  const sources: LogSource[] = [];
  if (search.sesMessageId) {
    const byId = plain();
    byId.where.unshift('ses_message_id = ?');
    byId.params.unshift(search.sesMessageId);
    sources.push(byId);
  }
  if (search.match) {
    const { where, params } = filterClause(filter);
    const text = emailSearchSql(search.match, filter, cursor);
    sources.push({ ...text, where: [...text.where, ...where], params: [...text.params, ...params] });
  }
  return sources;
}

/**
 * The page of a tag's emails, read from the tag's index (`email_tags_by_tag`) in the log's order
 * and joined to `emails` (CROSS JOIN: SQLite keeps `email_tags` as the outer loop), so a page
 * reads its own rows and those the other filters leave out, not every email of the tag.
 * @see https://www.sqlite.org/optoverview.html#manual_control_of_query_plans_using_cross_join
 */
function tagSource(
  tag: { name: string; value: string },
  filter: EmailLogFilter,
  cursor: EmailLogCursor | null,
): LogSource {
  const { where, params } = filterClause({ ...filter, tag: undefined });
  where.unshift('email_tags.tag_name = ? AND email_tags.tag_value = ?', 'emails.id = email_tags.email_id');
  params.unshift(tag.name, tag.value);
  if (cursor) {
    where.push('(email_tags.email_created_at < ? OR (email_tags.email_created_at = ? AND email_tags.email_id < ?))');
    params.push(cursor.createdAt, cursor.createdAt, cursor.id);
  }
  return {
    from: 'email_tags CROSS JOIN emails',
    where,
    params,
    orderBy: 'email_tags.email_created_at DESC, email_tags.email_id DESC',
    pageOrderBy: 'createdAt DESC, id DESC',
  };
}

function filterClause(filter: EmailLogFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.tag) {
    where.push('EXISTS (SELECT 1 FROM email_tags WHERE email_id = emails.id AND tag_name = ? AND tag_value = ?)');
    params.push(filter.tag.name, filter.tag.value);
  }
  if (filter.status) {
    where.push('status = ?');
    params.push(filter.status);
  }
  if (filter.emailType !== undefined) {
    where.push('email_type = ?');
    params.push(filter.emailType);
  }
  if (filter.recipientPrefix) {
    // A range, not LIKE: SQLite serves `recipient >= p AND recipient < p || U+10FFFF` from the index.
    where.push('recipient >= ? AND recipient < ?');
    params.push(filter.recipientPrefix, `${filter.recipientPrefix}\u{10FFFF}`);
  }
  if (filter.from !== undefined) {
    where.push('created_at >= ?');
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    where.push('created_at < ?');
    params.push(filter.to);
  }
  if (filter.engagedBy === 'human')
    where.push('(open_count > machine_open_count OR click_count > machine_click_count)');
  const canary = filter.canary ?? 'exclude';
  if (canary !== 'include') where.push(canary === 'only' ? 'emails.canary = 1' : 'emails.canary = 0');
  return { where, params };
}
