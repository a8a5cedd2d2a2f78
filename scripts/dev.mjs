// Placeholder main job until the dashboard lands (issue 3): applies the local D1 migrations
// with wrangler, so `pnpm dev` already prepares the databases the Worker will use.
import { spawnSync } from 'node:child_process';

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
for (const binding of ['ADMIN_DB', 'ORG_DB_ACME', 'ORG_DB_GLOBEX']) {
  const run = spawnSync('pnpm', ['exec', 'wrangler', 'd1', 'migrations', 'apply', binding, '--local'], {
    stdio: 'inherit',
    env,
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
console.log('Local D1 databases are migrated (.wrangler/state). The dashboard and live demo arrive with issue 3.');
