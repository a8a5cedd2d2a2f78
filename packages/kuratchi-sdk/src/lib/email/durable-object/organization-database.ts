/// <reference types="@cloudflare/workers-types" />
// (the reference brings the `cloudflare:workers` module and the Durable Object globals' types)
import { DurableObject } from 'cloudflare:workers';
import type { RecordEventInput, RecordEventOutcome } from '../routing/ports.js';
import type { OrganizationDatabaseRpc, WireResult, WireStatement } from '../organizations/sql-wire.js';
import { applyOrgMigrations } from './apply-org-migrations.js';
import { ORG_MIGRATIONS } from './org-migrations.js';
import { recordEventsInObject } from './record-in-object.js';
import { createSqlStorageTransport } from './sql-storage-transport.js';

/**
 * One organisation's email database as a SQLite-backed Durable Object (one object per
 * organisation, addressed by `idFromName(organizationId)`): the schema of `migrations/org`,
 * applied inside the object on first use and on upgrade, and the same statements as on D1.
 * Export it from the Worker's entry and bind it (wrangler.toml `[[durable_objects.bindings]]`
 * with a `new_sqlite_classes` migration); `organizations.database_kind = 'durable-object'`
 * sends an organisation here.
 * @see https://developers.cloudflare.com/durable-objects/best-practices/access-durable-objects-storage/#create-sqlite-backed-durable-object-class
 * @see https://developers.cloudflare.com/durable-objects/platform/limits/
 */
export class OrganizationDatabase extends DurableObject implements OrganizationDatabaseRpc {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      applyOrgMigrations(ctx.storage, ORG_MIGRATIONS, Date.now());
    });
  }

  /** Runs D1-style statements on the object's SQLite (`atomic`: one transaction). */
  runStatements(statements: WireStatement[], atomic: boolean): Promise<WireResult[]> {
    return createSqlStorageTransport(this.ctx.storage)(statements, atomic);
  }

  /** Records a batch of SES events in one transaction (see `recordEventsInObject`). */
  recordEvents(inputs: RecordEventInput[]): Promise<RecordEventOutcome[]> {
    return recordEventsInObject(this.ctx.storage, inputs);
  }

  /** The size of the object's SQLite database in bytes (see `OrganizationDatabaseRpc`). */
  databaseSize(): Promise<number> {
    return Promise.resolve(this.ctx.storage.sql.databaseSize);
  }
}
