// Persistence of email tracking (D1): re-exports only.
export { createD1AdminStore } from './d1-admin-store.js';
export { createD1OrgEmailStore } from './d1-org-email-store.js';
export { getAdminDb, createOrgDatabaseClient, ADMIN_DB_BINDING } from './org-databases.js';
export type { D1Bindings } from './org-databases.js';
export { OrgDatabaseError } from './errors.js';
export type { OrgDatabaseErrorCode } from './errors.js';
export { compileTrackingEffects } from './tracking-sql.js';
export type { SqlFragment } from './tracking-sql.js';
export type * from './types.js';
