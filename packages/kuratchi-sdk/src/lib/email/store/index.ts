// Persistence of email tracking (D1): re-exports only.
export { createD1AdminStore } from './d1-admin-store.js';
export { createD1OrgEmailStore } from './d1-org-email-store.js';
export { getAdminDb, createOrgDatabaseClient, ADMIN_DB_BINDING } from './org-databases.js';
export type { D1Bindings } from './org-databases.js';
export { compileTrackingEffects } from './tracking-sql.js';
export type { SqlFragment } from './tracking-sql.js';
export type * from './types.js';
export { createD1EmailQueries } from './d1-email-queries.js';
export type {
  EmailQueries,
  EmailLogFilter,
  EmailLogPage,
  EmailTimelineEvent,
  DailyEmailStats,
} from './d1-email-queries.js';
export { encodeEmailLogCursor, decodeEmailLogCursor } from './email-log-cursor.js';
export type { EmailLogCursor } from './email-log-cursor.js';
export { createD1OutgoingEmailStore } from './d1-outgoing-email-store.js';
export { createD1SuppressionStore } from './d1-suppression-store.js';
export { MessageBindingError } from './errors.js';
export type { MessageBindingErrorCode } from './errors.js';
export { createD1DeadLetterStore } from './d1-dead-letter-store.js';
