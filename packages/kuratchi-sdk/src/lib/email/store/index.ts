/**
 * `kuratchi-sdk/email/d1`: email tracking on Cloudflare D1. The admin and organisation databases
 * of a Worker's env (an organisation's on a D1 binding or on its Durable Object, both as a `D1Database`), the D1 stores that implement the ingestion ports of
 * `kuratchi-sdk/email/events`, the read queries of the email log, and their errors.
 * Re-exports only; no AWS SDK.
 * @see https://developers.cloudflare.com/d1/worker-api/
 * @module
 */
export {
  getAdminDb,
  createOrgDatabaseClient,
  createOrgBindingCache,
  readOrgDatabaseLocation,
  openOrgDatabase,
  ADMIN_DB_BINDING,
  ORG_LOCATION_CACHE_TTL_MS,
} from './org-databases.js';
export type {
  D1Bindings,
  OrgBindingCache,
  OrgBindingCacheOptions,
  OrgDatabaseKind,
  OrgDatabaseLocation,
} from './org-databases.js';
export { durableObjectDatabase } from './durable-object-database.js';
export { createOrgEmailStore } from './org-email-store.js';
export type { OrganizationDatabaseRpc, SqlValue, WireResult, WireStatement } from './sql-wire.js';
export { createD1AdminStore } from './d1-admin-store.js';
export { createD1OrgEmailStore, MAX_STATEMENTS_PER_RECORD_BATCH } from './d1-org-email-store.js';
export type { D1OrgEmailStoreOptions } from './d1-org-email-store.js';
export { createD1DeadLetterStore } from './d1-dead-letter-store.js';
export { createR2SnsArchive } from './r2-sns-archive.js';
export { resetTrackingPage, MAX_RESET_PAGE } from './d1-tracking-reset.js';
export { listProofEvents } from './d1-proof-events.js';
export type { ResetTrackingPage } from './d1-tracking-reset.js';
export type { R2SnsArchiveOptions } from './r2-sns-archive.js';
export { createD1EmailQueries } from './d1-email-queries.js';
export { EMAIL_SEARCH_MIN_TERM_LENGTH } from './email-search.js';
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
export {
  reclassifyEngagementPage,
  countEngagementToReclassify,
  MAX_RECLASSIFY_PAGE,
} from './d1-engagement-reclassify.js';
export type { ReclassifyPage } from './d1-engagement-reclassify.js';
export { OrgDatabaseError } from '../events/errors.js';
export { InvalidOptionsError } from '../shared/invalid-options.js';
export type { OrgDatabaseErrorCode } from '../events/errors.js';
export { MessageBindingError } from './errors.js';
export type { MessageBindingErrorCode } from './errors.js';
export {
  createD1ReconcileStore,
  reconcileCursor,
  parseReconcileCursor,
  MAX_RECONCILE_PAGE,
} from './d1-reconcile-store.js';
export type {
  ReconcileStore,
  ReconcileCandidate,
  ReconcileCandidateQuery,
  ReconcileAsk,
} from './d1-reconcile-store.js';
export {
  createOrganization,
  listOrganizations,
  OrganizationExistsError,
  DEFAULT_ORG_DURABLE_OBJECT_BINDING,
} from './organizations.js';
export type { NewOrganization, OrganizationRecord } from './organizations.js';
export {
  ORG_TABLES,
  DERIVED_ORG_TABLES,
  MAX_COPY_PAGE,
  orgTable,
  copyOrgTablePage,
  compareOrgTablePage,
  countOrgTables,
  clearOrgTables,
} from './org-copy.js';
export type { OrgTable, CopyPage, ComparePage } from './org-copy.js';
export {
  ORG_MOVE_SETTLE_MS,
  OrgMoveError,
  startOrgMove,
  settledOrgMove,
  switchOrgToDurableObject,
  abortOrgMove,
  recordOrgMoveVerification,
  forgetOrgMoveVerification,
  unverifiedOrgTables,
} from './org-move.js';
export type { OrgMoveErrorCode } from './org-move.js';
