import { applyD1Migrations, env, listDurableObjectIds, runInDurableObject } from 'cloudflare:test';
import { applyOrgMigrations, ORG_MIGRATIONS, type OrganizationDatabase } from 'kuratchi-sdk/email/durable-object';
import { emptyDatabase } from '../../../packages/kuratchi-sdk/test/empty-storage.js';

// Runs before each test file. Test files share one workerd (vitest `isolate: false`: loading the
// Worker's bundle once per file cost seconds each), so each file starts from empty storage: the
// D1 databases emptied and migrated again, every organisation Durable Object emptied and
// migrated, the archive bucket emptied.
for (const db of [env.ADMIN_DB, env.ORG_DB_ACME, env.ORG_DB_GLOBEX]) await emptyDatabase(db);
// The test env types ORG_DO without its class (OrganizationDatabase, the SDK's).
const objects = env.ORG_DO as unknown as DurableObjectNamespace<OrganizationDatabase>;
for (const id of await listDurableObjectIds(objects)) {
  await runInDurableObject(objects.get(id), async (_object, state) => {
    await state.storage.deleteAll();
    applyOrgMigrations(state.storage, ORG_MIGRATIONS, Date.now());
  });
}
for (let listed = await env.TEST_SES_ARCHIVE.list(); listed.objects.length; listed = await env.TEST_SES_ARCHIVE.list())
  await env.TEST_SES_ARCHIVE.delete(listed.objects.map((o) => o.key));
await applyD1Migrations(env.ADMIN_DB, env.ADMIN_MIGRATIONS);
await applyD1Migrations(env.ORG_DB_ACME, env.ORG_MIGRATIONS);
await applyD1Migrations(env.ORG_DB_GLOBEX, env.ORG_MIGRATIONS);
