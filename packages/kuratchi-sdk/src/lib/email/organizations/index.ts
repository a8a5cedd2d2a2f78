/**
 * The `organizations/` slice: where each organisation's email database lives: the admin registry,
 * the D1 or Durable Object database of each, the wire that speaks D1's client API to a Durable
 * Object, the move of an organisation from D1 to a Durable Object (copy, compare, switch), and
 * its removal (routing stops, its database is kept).
 * Re-exports only.
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
export { orgDatabaseSize, DATABASE_SIZE_LIMIT_BYTES } from './database-size.js';
export { createOrgEmailStore } from './org-email-store.js';
export type { OrganizationDatabaseRpc, SqlValue, WireResult, WireStatement } from './sql-wire.js';
export {
  createOrganization,
  listOrganizations,
  OrganizationExistsError,
  BindingTakenError,
  DEFAULT_ORG_DURABLE_OBJECT_BINDING,
} from './organizations.js';
export type { NewOrganization, OrganizationRecord } from './organizations.js';
export { removeOrganization, listRemovedOrganizations, OrganizationRemoveError } from './org-remove.js';
export type { RemovedOrganization } from './org-remove.js';
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
