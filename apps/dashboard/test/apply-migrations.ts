import { applyD1Migrations, env } from 'cloudflare:test';

await applyD1Migrations(env.ADMIN_DB, env.ADMIN_MIGRATIONS);
await applyD1Migrations(env.ORG_DB_ACME, env.ORG_MIGRATIONS);
await applyD1Migrations(env.ORG_DB_GLOBEX, env.ORG_MIGRATIONS);
