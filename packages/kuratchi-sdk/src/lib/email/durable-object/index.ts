/**
 * `kuratchi-sdk/email/durable-object`: an organisation's email database on a SQLite-backed
 * Durable Object, beside the D1 bindings of `kuratchi-sdk/internal/d1`. Import it only in the
 * Worker (it needs `cloudflare:workers`). Re-exports only.
 * @see https://developers.cloudflare.com/durable-objects/api/sql-storage/
 * @module
 */
export { OrganizationDatabase } from './organization-database.js';
export { applyOrgMigrations, MIGRATIONS_TABLE } from './apply-org-migrations.js';
export { ORG_MIGRATIONS } from './org-migrations.js';
export type { OrgMigration } from './org-migrations.js';
export { recordEventsInObject } from './record-in-object.js';
export { createSqlStorageTransport } from './sql-storage-transport.js';
export type { SqlStorageTransportOptions } from './sql-storage-transport.js';
