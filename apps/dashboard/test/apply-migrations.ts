import { env } from 'cloudflare:test';
import { applyOrgMigrations, ORG_MIGRATIONS } from 'kuratchi-sdk/email/durable-object';
import {
  emptyDatabase,
  migrateEmptyDatabase,
  resetDurableObjects,
} from '../../../packages/kuratchi-sdk/test/empty-storage.js';

// Runs before each test file. Test files share one workerd (vitest `isolate: false`: loading the
// Worker's bundle once per file cost seconds each), so each file starts from empty storage: the
// D1 databases emptied and migrated again (in one batch each), every organisation Durable Object written since emptied and
// migrated, the archive bucket emptied.
for (const db of [env.ADMIN_DB, env.ORG_DB_ACME, env.ORG_DB_GLOBEX]) await emptyDatabase(db);
// The test env types ORG_DO without its class (OrganizationDatabase, the SDK's).
await resetDurableObjects(env.ORG_DO as unknown as DurableObjectNamespace, (storage) =>
  applyOrgMigrations(storage, ORG_MIGRATIONS, Date.now()),
);
for (let listed = await env.TEST_SES_ARCHIVE.list(); listed.objects.length; listed = await env.TEST_SES_ARCHIVE.list())
  await env.TEST_SES_ARCHIVE.delete(listed.objects.map((o) => o.key));
await migrateEmptyDatabase(env.ADMIN_DB, env.ADMIN_MIGRATIONS);
await migrateEmptyDatabase(env.ORG_DB_ACME, env.ORG_MIGRATIONS);
await migrateEmptyDatabase(env.ORG_DB_GLOBEX, env.ORG_MIGRATIONS);
