import { env } from 'cloudflare:test';
import { applyOrgMigrations } from '../src/lib/email/durable-object/apply-org-migrations.js';
import { ORG_MIGRATIONS } from '../src/lib/email/durable-object/org-migrations.js';
import { emptyBucket, emptyDatabase, migrateEmptyDatabase, resetDurableObjects } from './empty-storage.js';

// Runs before each test file. Test files share one workerd (vitest `isolate: false`: starting
// one per file cost seconds each), so each file starts from empty storage: the D1 databases
// emptied and migrated again (in one batch each, recorded in d1_migrations), and every organisation
// Durable Object written since emptied and migrated as its constructor does, and the raw archive's bucket emptied.
for (const db of [env.ADMIN_DB, env.ORG_DB_ACME, env.ORG_DB_GLOBEX, env.ORG_DB_UNMIGRATED]) await emptyDatabase(db);
await emptyBucket(env.SES_ARCHIVE);
await resetDurableObjects(env.ORG_DO, (storage) => applyOrgMigrations(storage, ORG_MIGRATIONS, Date.now()));
await migrateEmptyDatabase(env.ADMIN_DB, env.ADMIN_MIGRATIONS);
await migrateEmptyDatabase(env.ORG_DB_ACME, env.ORG_MIGRATIONS);
await migrateEmptyDatabase(env.ORG_DB_GLOBEX, env.ORG_MIGRATIONS);
