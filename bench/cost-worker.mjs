// The Worker of the cost benchmark (bench/cost.mjs), bundled by esbuild and run by miniflare in
// workerd next to its local D1 databases and R2 bucket. It wires the SDK as the façade does
// (createEmailTracking: the ingestor with the raw archive, queued or direct, the webhook's
// counting, the queue consumer) on bindings wrapped to COUNT what Cloudflare bills:
// - D1: rows read and written, summed from each result's `meta.rows_read` / `meta.rows_written`
//   https://developers.cloudflare.com/d1/platform/pricing/
// - R2: Class A (put, list) and Class B (get, head) operations, and the bytes put
//   https://developers.cloudflare.com/r2/pricing/
// - Queues: one operation per 64 KB written, read and deleted (acked) per message
//   https://developers.cloudflare.com/queues/platform/pricing/
// - Worker invocations: one per POST, one per consumer batch.
//   POST /webhook { bodies, topicArn, pem, queued }  one invocation per body; queued: the sent
//                                                     messages are kept for /consume
//   POST /consume { batchSize }                        the kept messages, in batches, to the consumer
//   POST /purge { now, defaults }                      the retention purge (runRetentionPurge, as the
//                                                     cron runs it) until it deletes nothing more
// Each answers { counts, outcomes } (/purge: { counts, eventsDeleted, emailsDeleted }).
import {
  consumeSesEventQueue,
  countWebhookAnswer,
  createR2SnsArchive,
  createSesEventIngestor,
} from 'kuratchi-sdk/internal/events';
import {
  createD1AdminStore,
  createD1OrgEmailStore,
  createOrgBindingCache,
  createOrgDatabaseClient,
} from 'kuratchi-sdk/internal/d1';
import { runRetentionPurge } from 'kuratchi-sdk/internal/retention';
import { createSigningKeyCache } from 'kuratchi-sdk/internal/verify';
import { isD1Binding } from './counting-d1.mjs';

/** What Queues bills a message by: one operation per 64 KB (or part). */
const QUEUE_OPERATION_BYTES = 64 * 1024;

const orgBindings = createOrgBindingCache();
const keyCache = createSigningKeyCache();
/** As the façade's: one set per isolate, so each certificate is archived once. */
const knownCertificates = new Set();
/** Queue messages sent by /webhook, waiting for /consume. */
let pending = [];

function newCounts() {
  return {
    invocations: 0,
    d1RoundTrips: 0,
    d1RowsRead: 0,
    d1RowsWritten: 0,
    r2ClassA: 0,
    r2ClassB: 0,
    r2BytesPut: 0,
    queueWrites: 0,
    queueReads: 0,
    queueDeletes: 0,
    /** Rows written by table (where the D1 cost goes). */
    d1RowsWrittenByTable: {},
    /** Rows written by statement (its first words), triggers included in their statement's. */
    d1RowsWrittenByStatement: {},
  };
}

/** `db` summing rows read and written of every result into `counts`. */
function countingRows(db, counts) {
  const UNWRAP = Symbol('unwrap');
  const SQL = Symbol('sql');
  const add = (result, sql) => {
    counts.d1RowsRead += result?.meta?.rows_read ?? 0;
    counts.d1RowsWritten += result?.meta?.rows_written ?? 0;
    const written = result?.meta?.rows_written ?? 0;
    if (written) {
      const table = /(?:INSERT(?: OR \w+)? INTO|UPDATE|DELETE FROM)\s+(\w+)/i.exec(sql)?.[1] ?? 'other';
      counts.d1RowsWrittenByTable[table] = (counts.d1RowsWrittenByTable[table] ?? 0) + written;
      const head = sql.replace(/\s+/g, ' ').trim().slice(0, 48);
      counts.d1RowsWrittenByStatement[head] = (counts.d1RowsWrittenByStatement[head] ?? 0) + written;
    }
    return result;
  };
  const statement = (target, sql) =>
    new Proxy(target, {
      get(t, property) {
        if (property === UNWRAP) return t;
        if (property === SQL) return sql;
        if (property === 'bind') return (...values) => statement(t.bind(...values), sql);
        if (property === 'run' || property === 'all')
          return async (...args) => (counts.d1RoundTrips++, add(await t[property](...args), sql));
        // first() and raw() give no meta: the same query through all().
        if (property === 'first')
          return async (column) => {
            counts.d1RoundTrips++;
            const row = add(await t.all(), sql).results[0] ?? null;
            return column === undefined || row === null ? row : row[column];
          };
        if (property === 'raw')
          return async (options) => {
            counts.d1RoundTrips++;
            const { results } = add(await t.all(), sql);
            const rows = results.map((r) => Object.values(r));
            return options?.columnNames ? [Object.keys(results[0] ?? {}), ...rows] : rows;
          };
        const value = Reflect.get(t, property);
        return typeof value === 'function' ? value.bind(t) : value;
      },
    });
  return new Proxy(db, {
    get(t, property) {
      if (property === 'prepare') return (sql) => statement(t.prepare(sql), sql);
      if (property === 'batch')
        return async (statements) => {
          counts.d1RoundTrips++;
          const results = await t.batch(statements.map((s) => s[UNWRAP] ?? s));
          results.forEach((r, i) => add(r, statements[i][SQL]));
          return results;
        };
      const value = Reflect.get(t, property);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

/**
 * `bucket` counting R2's billed operations and the bytes it stores (the methods the archive uses).
 * @returns {any} an R2Bucket to the archive
 */
function countingR2(bucket, counts) {
  return {
    async put(key, value, options) {
      counts.r2ClassA++;
      counts.r2BytesPut += typeof value === 'string' ? new TextEncoder().encode(value).byteLength : value.byteLength;
      return bucket.put(key, value, options);
    },
    async list(options) {
      counts.r2ClassA++;
      return bucket.list(options);
    },
    async head(key) {
      counts.r2ClassB++;
      return bucket.head(key);
    },
    async get(key, options) {
      counts.r2ClassB++;
      return bucket.get(key, options);
    },
  };
}

const queueOperations = (body) =>
  Math.max(1, Math.ceil(new TextEncoder().encode(JSON.stringify(body)).byteLength / QUEUE_OPERATION_BYTES));

/** The admin database and each organisation's, on counted bindings. */
function databases(env, counts) {
  const admin = countingRows(env.ADMIN_DB, counts);
  const orgEnv = Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, isD1Binding(value) ? countingRows(value, counts) : value]),
  );
  return { admin, orgDatabase: createOrgDatabaseClient(admin, orgEnv, orgBindings) };
}

/** The sink on counted bindings, as the façade builds it. */
function sink(env, counts) {
  const { admin, orgDatabase } = databases(env, counts);
  return {
    adminStore: createD1AdminStore(admin),
    resolveOrgEmailStore: async (organizationId) => createD1OrgEmailStore(await orgDatabase(organizationId)),
    maxParkedEventsPerMessage: 100,
  };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const input = await request.json();
    const counts = newCounts();
    const outcomes = {};
    const tally = (outcome, n = 1) => (outcomes[outcome] = (outcomes[outcome] ?? 0) + n);
    if (url.pathname === '/webhook') {
      for (const body of input.bodies) {
        counts.invocations++;
        const ports = sink(env, counts);
        const ingestor = createSesEventIngestor({
          allowedTopicArns: [input.topicArn],
          ...ports,
          fetchCertificate: async () => input.pem,
          keyCache,
          archive: createR2SnsArchive(countingR2(env.SES_ARCHIVE, counts), { knownCertificates }),
          // As the façade's webhook: queued answers are counted by the consumer, direct ones ahead.
          countAnswersAhead: true,
          ...(input.queued
            ? {
                enqueue: async (message) => {
                  counts.queueWrites += queueOperations(message);
                  pending.push(message);
                },
              }
            : {}),
        });
        const result = await ingestor.ingest(body);
        tally(result.body.outcome);
        if (!result.countedByConsumer) await countWebhookAnswer(ports.adminStore, result, Date.now());
      }
    } else if (url.pathname === '/consume') {
      const size = input.batchSize ?? 100;
      const messages = pending;
      pending = [];
      for (let i = 0; i < messages.length; i += size) {
        counts.invocations++;
        const batch = {
          queue: 'kuratchi-ses-events',
          messages: messages.slice(i, i + size).map((body, j) => {
            counts.queueReads += queueOperations(body);
            return {
              id: `m-${i + j}`,
              timestamp: new Date(),
              body,
              attempts: 1,
              ack: () => (counts.queueDeletes += queueOperations(body)),
              retry() {},
            };
          }),
          ackAll() {},
          retryAll() {},
          metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } },
        };
        /** @type {any} the Queue the consumer re-sends deferrals to */
        const resend = {
          send: async (body) => void (counts.queueWrites += queueOperations(body)),
          sendBatch: async (items) => {
            for (const item of items) counts.queueWrites += queueOperations(item.body);
          },
        };
        // The consumer archives the batch's raw messages (queued mode): one R2 object per batch.
        const archive = createR2SnsArchive(countingR2(env.SES_ARCHIVE, counts), { knownCertificates });
        const report = await consumeSesEventQueue(batch, sink(env, counts), resend, archive);
        for (const [name, n] of report.counts) if (name.startsWith('outcome:')) tally(name.slice(8), n);
      }
    } else if (url.pathname === '/purge') {
      const { admin, orgDatabase } = databases(env, counts);
      let eventsDeleted = 0;
      let emailsDeleted = 0;
      for (;;) {
        const run = await runRetentionPurge({
          adminDb: admin,
          orgDatabase,
          defaults: input.defaults,
          now: new Date(input.now),
          budget: { queries: 1000, milliseconds: 30_000 },
        });
        if (run.failures.length) throw new Error(`purge failed: ${run.failures.join('; ')}`);
        eventsDeleted += run.eventsDeleted;
        emailsDeleted += run.emailsDeleted;
        if (run.eventsDeleted + run.emailsDeleted === 0 && run.left === 0) break;
      }
      return Response.json({ counts, eventsDeleted, emailsDeleted });
    } else {
      return new Response('not found', { status: 404 });
    }
    return Response.json({ counts, outcomes });
  },
};
