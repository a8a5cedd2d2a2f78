/**
 * The `email-log/` slice: the email log's read queries: list, detail, timeline, daily statistics,
 * link statistics and search.
 * Re-exports only.
 * @module
 */
export { createD1EmailQueries } from './d1-email-queries.js';
export { EMAIL_SEARCH_MIN_TERM_LENGTH } from './email-search.js';
export { decodeEmailLogCursor } from './email-log-cursor.js';
export type {
  EmailQueries,
  EmailLogFilter,
  EmailLogPage,
  EmailLogRow,
  EmailDetail,
  RecipientOutcomeCounts,
  EmailTimelineEvent,
  DailyEmailStats,
} from './d1-email-queries.js';
export type { EmailLinkStats, TopLink } from './d1-link-stats.js';
export type { EventFeedPage, FeedEvent, LastEvent } from './d1-event-feed.js';
export type { VerdictCount } from './d1-verdict-stats.js';
