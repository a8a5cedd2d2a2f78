// The built dashboard Worker for node tests: the bundle `wrangler deploy --dry-run` makes, served
// by miniflare on 127.0.0.1 with local D1 (migrated), exactly as it would run deployed; and the
// built `kuratchi-ses` CLI as a process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { ADMIN_MIGRATIONS, applyMigrationFiles, ORG_MIGRATIONS } from '../../../../scripts/d1-migration-files.mjs';
import {
  DEMO_D1_ORGANIZATIONS,
  demoOrganization,
  registerOrganization,
} from '../../../../scripts/lib/demo-organizations.mjs';
import { ROOT } from '../../../../scripts/lib/wrangler.mjs';
import { dryRunBundle } from './dry-run-bundle.mjs';
import { d1Database, sqlWorkerOptions } from './sql-worker.mjs';

export { d1Database, onDurableObject } from './sql-worker.mjs';

export const root = ROOT;

/**
 * Builds and starts the Worker with `bindings` (and more miniflare `options`: R2 buckets, an
 * outbound service, a port); the admin and Acme databases migrated, Acme registered.
 */
export async function startBuiltWorker(bindings, options = {}) {
  const { dir: outdir } = dryRunBundle();
  const d1Databases = ['ADMIN_DB', ...DEMO_D1_ORGANIZATIONS.map((o) => o.binding)];
  // Options of the whole miniflare; the others are the Worker's.
  const { host = '127.0.0.1', port = 0, r2Persist, ...workerOptions } = options;
  const mf = new Miniflare({
    host,
    port,
    cf: false, // the fallback `request.cf`: nothing fetched from Cloudflare
    d1Persist: false,
    durableObjectsPersist: false,
    ...(r2Persist === undefined ? {} : { r2Persist }),
    workers: [
      {
        name: 'dashboard',
        modules: [
          {
            type: 'ESModule',
            path: join(outdir, 'worker.js'),
            contents: readFileSync(join(outdir, 'worker.js'), 'utf8'),
          },
        ],
        modulesRoot: outdir,
        compatibilityDate: '2026-05-01',
        d1Databases,
        // ORG_DO, as the wrangler configurations bind it: organisations on SQLite-backed Durable Objects.
        durableObjects: { ORG_DO: { className: 'OrganizationDatabase', useSQLite: true } },
        bindings: { KURATCHI_ENVIRONMENT: 'production', KURATCHI_ALLOWED_TOPIC_ARNS: '', ...bindings },
        ...workerOptions,
      },
      sqlWorkerOptions(d1Databases, 'dashboard'),
    ],
  });
  const url = (await mf.ready).origin;
  const admin = d1Database(mf, 'ADMIN_DB');
  const acme = d1Database(mf, 'ORG_DB_ACME');
  await applyMigrationFiles(admin, ADMIN_MIGRATIONS);
  await applyMigrationFiles(acme, ORG_MIGRATIONS);
  // Named `Acme` here (the CLI tests read that name), not the demo's `Acme Corp`.
  await registerOrganization(admin, { ...demoOrganization('org-acme'), name: 'Acme' });
  return { mf, url, admin, acme };
}

/**
 * Registers Globex on its own D1 database (ORG_DB_GLOBEX, migrated here) in a started Worker's
 * admin database; returns that database.
 */
export async function registerGlobex(worker) {
  const globex = d1Database(worker.mf, 'ORG_DB_GLOBEX');
  await applyMigrationFiles(globex, ORG_MIGRATIONS);
  await registerOrganization(worker.admin, demoOrganization('org-globex'));
  return globex;
}

/**
 * A POST of JSON to the Worker's operations API with the bearer token `token`.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function opsPost(worker, token, path, body) {
  return fetch(`${worker.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * The Worker's own AWS configuration (`AWS_*`, read by `readConfig(env).ses`) for a local SESv2
 * at `endpoint` (`http://127.0.0.1:PORT`): AWS's documentation example keys, never real ones.
 */
export function localSesBindings(endpoint) {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL: endpoint,
  };
}

/** The built `kuratchi-ses` as a process, with the SDK's test environment (nothing reaches AWS). */
export { runCli } from '../../../../packages/kuratchi-sdk/test/node/cli-run.mjs';
