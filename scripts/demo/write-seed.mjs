// Writes a demo seed (scripts/demo/seed.mjs buildDemoSeed) into the local D1 databases that
// `wrangler dev` serves, through the SDK's own code: seed-worker.js, bundled here with esbuild and
// run in miniflare on wrangler's persist directory, sends each email with `sendEmail` and applies
// each SES event with the queue consumer, in time order, in batches as the queue would form them.
// The health panel's ingestion figures (counters, lag histogram) start at zero: the consumer's
// caller writes those for the batches it is handed, and the seeded history came before this run.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { sesEventQueueMessage } from 'kuratchi-sdk/internal/events';
import { Miniflare } from 'miniflare';
import { applyMigrationFiles } from '../d1-migration-files.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** Emails per `sendEmail` request to the seed Worker (each request also prints a progress line). */
const EMAILS_PER_STEP = 40;
/** The SES events queue's batching (wrangler.dev.toml): at most 100 messages, after at most 1 s. */
const QUEUE_BATCH = { maxMessages: 100, timeoutMs: 1000 };

/**
 * The D1 databases of a wrangler configuration (default the demo's): binding, database id (what names its local SQLite file)
 * and migrations directory.
 * @param {string} configPath
 * @returns {Array<{binding: string, id: string, migrationsDir: string | null}>}
 * @see https://developers.cloudflare.com/workers/wrangler/configuration/#d1-databases
 */
export function wranglerD1Databases(configPath = join(root, 'wrangler.dev.toml')) {
  const text = readFileSync(configPath, 'utf8');
  return text
    .split(/^\[\[d1_databases\]\]\s*$/m)
    .slice(1)
    .map((block) => block.split(/^\[/m)[0])
    .map((block) => {
      const value = (key) => new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm').exec(block)?.[1] ?? null;
      const migrations = value('migrations_dir');
      const binding = value('binding');
      const id = value('database_id');
      if (!binding || !id) throw new Error(`${configPath}: a [[d1_databases]] block without binding or database_id`);
      return {
        binding,
        id,
        migrationsDir: migrations ? resolve(dirname(configPath), migrations) : null,
      };
    });
}

/**
 * SES events as the queue hands them to the consumer: in order of their SNS Timestamp, a batch
 * closing after `timeoutMs` or `maxMessages`, applied (`now`) just after its last message arrived.
 * @param {Array<{snsMessageId: string, snsTimestamp: number, event: object}>} events
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/
 */
export function queueBatches(events, { maxMessages, timeoutMs } = QUEUE_BATCH) {
  const sorted = [...events].sort((a, b) => a.snsTimestamp - b.snsTimestamp);
  const batches = [];
  for (const e of sorted) {
    const open = batches.at(-1);
    const delivery = {
      id: e.snsMessageId,
      attempts: 1,
      body: sesEventQueueMessage({
        MessageId: e.snsMessageId,
        Timestamp: new Date(e.snsTimestamp).toISOString(),
        Message: JSON.stringify(e.event),
      }),
    };
    if (open && open.deliveries.length < maxMessages && e.snsTimestamp - open.opened <= timeoutMs) {
      open.deliveries.push(delivery);
      open.now = e.snsTimestamp + 150;
    } else batches.push({ opened: e.snsTimestamp, now: e.snsTimestamp + 150, deliveries: [delivery] });
  }
  return batches.map(({ now, deliveries }) => ({ now, deliveries }));
}

/** The seed Worker as one ES module (the SDK and its dependencies bundled in, as wrangler would). */
async function bundleSeedWorker() {
  const result = await build({
    entryPoints: [join(here, 'seed-worker.js')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    // The Workers runtime's own modules (the Durable Object base class).
    external: ['cloudflare:*'],
    target: 'es2022',
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/**
 * Writes `seed` into the local D1 state at `stateDir` (wrangler's `--persist-to`; its databases
 * live under `v3/d1`), replacing whatever rows were there. The databases must be migrated
 * (`wrangler d1 migrations apply --local`), or pass `migrate: true` for a fresh directory.
 * Throws when any email or event does not end as planned (sent or refused; applied).
 * @param {Awaited<ReturnType<typeof import('./seed.mjs').buildDemoSeed>>} seed
 * @param {{stateDir?: string, migrate?: boolean, configPath?: string, log?: (line: string) => void}} [options]
 * @returns {Promise<{emails: number, events: number, batches: number, ms: number}>}
 */
export async function writeDemoSeed(seed, options = {}) {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const stateDir = options.stateDir ?? join(root, '.wrangler', 'state');
  const databases = wranglerD1Databases(options.configPath);
  const mf = await openDemoState(stateDir, options.configPath);
  /** @type {(path: string, body: object) => Promise<any>} */
  const call = async (path, body) => {
    const response = await mf
      .dispatchFetch(`http://seed.local${path}`, { method: 'POST', body: JSON.stringify(body) })
      .catch((error) => {
        // undici's "fetch failed" says why only in its cause.
        throw new Error(`seed worker ${path}: ${error.message} (${error.cause?.message ?? 'no cause given'})`, {
          cause: error,
        });
      });
    const answer = /** @type {any} */ (await response.json());
    if (!response.ok) throw new Error(`seed worker ${path}: ${answer.error}`);
    return answer;
  };
  try {
    if (options.migrate) {
      for (const d of databases) {
        if (!d.migrationsDir) throw new Error(`wrangler.toml names no migrations_dir for ${d.binding}`);
        await applyMigrationFiles(await mf.getD1Database(d.binding), d.migrationsDir);
      }
    }
    const organizations = seed.organizations.map(({ id, kind, binding }) => ({ id, kind, binding }));
    await call('/reset', { bindings: databases.map((d) => d.binding), organizations });
    await call('/admin', {
      organizations: seed.organizations,
      users: seed.users,
      apiKeys: seed.apiKeys ?? [],
      now: seed.now,
    });
    log(`  local D1 emptied, ${seed.organizations.length} organisations and ${seed.users.length} users written`);
    const totals = { events: 0, batches: 0 };
    // The organisations' databases in parallel (the admin database is shared; D1 serialises it).
    await Promise.all(
      seed.organizations.map(async (organization) => {
        const emails = seed.emails.filter((e) => e.organizationId === organization.id);
        let events = 0;
        for (let from = 0; from < emails.length; from += EMAILS_PER_STEP) {
          const step = emails.slice(from, from + EMAILS_PER_STEP);
          const { results } = await call('/send', { organizations, emails: step.map(({ events: _, ...e }) => e) });
          checkSends(step, results);
          const queued = queueBatches(step.flatMap((e) => e.events));
          const { outcomes, problems } = await call('/ingest', { organizations, batches: queued });
          const count = step.reduce((n, e) => n + e.events.length, 0);
          if (problems.length || outcomes.applied !== count) {
            throw new Error(`events not applied as planned: ${JSON.stringify({ outcomes, problems })}`);
          }
          events += count;
          totals.events += count;
          totals.batches += queued.length;
          log(`  ${organization.name}: ${from + step.length}/${emails.length} emails sent, ${events} events applied`);
        }
      }),
    );
    return { emails: seed.emails.length, ...totals, ms: Date.now() - started };
  } finally {
    await mf.dispose();
  }
}

/**
 * The seed Worker in miniflare on `wrangler dev`'s local state at `stateDir`: its D1 databases
 * (`v3/d1`) and the organisation Durable Objects (`v3/do`), hosted under the dashboard Worker's
 * name so that they are the objects `wrangler dev` serves (miniflare keys an object's storage by
 * `<worker name>-<class name>` and derives `idFromName` from that key). Dispose it when done.
 * @param {string} stateDir
 * @param {string} [configPath] the wrangler configuration (default the demo's, wrangler.dev.toml)
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#dev (--persist-to)
 */
export async function openDemoState(stateDir, configPath = join(root, 'wrangler.dev.toml')) {
  const text = readFileSync(configPath, 'utf8');
  const workerName = /^name\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  const durableObject =
    /^\[\[durable_objects\.bindings\]\]\s*\nname\s*=\s*"([^"]+)"\s*\nclass_name\s*=\s*"([^"]+)"/m.exec(text);
  if (!workerName || !durableObject) throw new Error(`${configPath}: no worker name or Durable Object binding`);
  const [, binding, className] = durableObject;
  return new Miniflare({
    name: workerName,
    // The fallback `request.cf`, never fetched from workers.cloudflare.com: the demo stays offline.
    cf: false,
    modules: [{ type: 'ESModule', path: join(here, 'seed-worker.js'), contents: await bundleSeedWorker() }],
    modulesRoot: here,
    compatibilityDate: '2026-05-01',
    compatibilityFlags: ['nodejs_compat'],
    d1Databases: Object.fromEntries(wranglerD1Databases(configPath).map((d) => [d.binding, d.id])),
    d1Persist: join(stateDir, 'v3', 'd1'),
    durableObjects: { [binding]: { className, useSQLite: true } },
    durableObjectsPersist: join(stateDir, 'v3', 'do'),
  });
}

/** Every email got its row, and SES's planned answer: its MessageId, or its error on the row. */
function checkSends(planned, results) {
  planned.forEach((email, i) => {
    const result = results[i];
    const ses = email.ses;
    const asPlanned =
      result.emailId === email.id &&
      !result.warnings?.length &&
      (ses.messageId
        ? result.success && result.id === ses.messageId
        : !result.success && result.error === `${ses.error.name}: ${ses.error.message}`);
    if (!asPlanned) throw new Error(`sending ${email.id} did not go as planned: ${JSON.stringify(result)}`);
  });
}
