/**
 * `kuratchi-sdk/internal/d1`: email tracking on Cloudflare D1. The admin and organisation databases
 * of a Worker's env (an organisation's on a D1 binding or on its Durable Object, both as a
 * `D1Database`), the D1 adapters of the ports of `kuratchi-sdk/internal/events`, the read queries of
 * the email log, and their errors: re-exports of the slices `organizations/`, `routing/`,
 * `archive/`, `ingest/`, `ses-events/`, `email-log/` and `reconcile/`'s D1 adapter.
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
} from '../organizations/index.js';
export type {
  D1Bindings,
  OrgBindingCache,
  OrgBindingCacheOptions,
  OrgDatabaseKind,
  OrgDatabaseLocation,
} from '../organizations/index.js';
export { durableObjectDatabase } from '../organizations/index.js';
export { createOrgEmailStore } from '../organizations/index.js';
export type { OrganizationDatabaseRpc, SqlValue, WireResult, WireStatement } from '../organizations/index.js';
export { createD1AdminStore } from '../routing/index.js';
export { createD1OrgEmailStore, MAX_STATEMENTS_PER_RECORD_BATCH } from '../routing/index.js';
export type { D1OrgEmailStoreOptions } from '../routing/index.js';
export { createD1DeadLetterStore } from '../routing/index.js';
export { createR2SnsArchive } from '../archive/index.js';
export { resetTrackingPage, MAX_RESET_PAGE } from '../ingest/index.js';
export { listProofEvents } from '../archive/index.js';
export type { ResetTrackingPage } from '../ingest/index.js';
export type { R2SnsArchiveOptions } from '../archive/index.js';
export { createD1EmailQueries } from '../email-log/index.js';
export { EMAIL_SEARCH_MIN_TERM_LENGTH } from '../email-log/index.js';
export type {
  EmailQueries,
  EmailLogFilter,
  EmailLogPage,
  EmailLogRow,
  EmailDetail,
  RecipientOutcomeCounts,
  EmailTimelineEvent,
  DailyEmailStats,
} from '../email-log/index.js';
export type { EmailLinkStats, TopLink } from '../email-log/index.js';
export { reclassifyEngagementPage, countEngagementToReclassify, MAX_RECLASSIFY_PAGE } from '../ses-events/index.js';
export type { ReclassifyPage } from '../ses-events/index.js';
export { OrgDatabaseError } from '../routing/index.js';
export { InvalidOptionsError } from '../shared/invalid-options.js';
export type { OrgDatabaseErrorCode } from '../routing/index.js';
export { MessageBindingError } from '../routing/index.js';
export type { MessageBindingErrorCode } from '../routing/index.js';
export {
  createD1ReconcileStore,
  reconcileCursor,
  parseReconcileCursor,
  MAX_RECONCILE_PAGE,
} from '../reconcile/d1-reconcile-store.js';
export type {
  ReconcileStore,
  ReconcileCandidate,
  ReconcileCandidateQuery,
  ReconcileAsk,
} from '../reconcile/d1-reconcile-store.js';
export {
  createOrganization,
  listOrganizations,
  OrganizationExistsError,
  DEFAULT_ORG_DURABLE_OBJECT_BINDING,
} from '../organizations/index.js';
export type { NewOrganization, OrganizationRecord } from '../organizations/index.js';
export {
  ORG_TABLES,
  DERIVED_ORG_TABLES,
  MAX_COPY_PAGE,
  orgTable,
  copyOrgTablePage,
  compareOrgTablePage,
  countOrgTables,
  clearOrgTables,
} from '../organizations/index.js';
export type { OrgTable, CopyPage, ComparePage } from '../organizations/index.js';
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
} from '../organizations/index.js';
export type { OrgMoveErrorCode } from '../organizations/index.js';
