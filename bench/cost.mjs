// Benchmark: what one SES event costs on this stack, COUNTED (not timed), in queued and in direct
// mode: Worker invocations, queue operations, D1 rows read and written (D1's `meta`), R2 Class A
// and B operations and bytes stored, per event; then dollars per million events at the published
// prices below, against the SNS bill for the same events (docs/cost.md explains each figure).
// bench/cost-worker.mjs wires the SDK as the façade does (raw archive on, webhook counting, queue
// consumer in batches of 100) on counted bindings, in workerd (miniflare: local D1 and R2).
// Every stored event is deleted later by the retention purge, which D1 bills as rows written too:
// the purge is run on the events of both modes and its rows per event deleted are added to each.
//   BENCH_COST_EVENTS=300   events counted per mode (Delivery, Open, Click in turn; 2 organisations)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { createSnsSigner } from 'kuratchi-sdk/email/testing';
import { DAY_MS, DEFAULT_RETENTION } from 'kuratchi-sdk/internal/retention';
import { DEMO_D1_ORGANIZATIONS } from '../scripts/lib/demo-organizations.mjs';
import { snsBodySigner } from './events.mjs';
import { bundleWorker, outcomesText, report, result, seedRoutedEmails, workerCaller } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-bench-cost';
const ORGS = DEMO_D1_ORGANIZATIONS;
const EMAILS_PER_ORG = 100;
const EVENTS = Number(process.env.BENCH_COST_EVENTS ?? 300);
const WARM_UP = 6;

/**
 * Prices in USD per unit beyond the Workers Paid plan's included usage, read 2026-12-06:
 * https://developers.cloudflare.com/workers/platform/pricing/ (requests; CPU time not counted here)
 * https://developers.cloudflare.com/queues/platform/pricing/ (an operation per 64 KB written, read, deleted)
 * https://developers.cloudflare.com/d1/platform/pricing/ (rows read, rows written)
 * https://developers.cloudflare.com/r2/pricing/ (Class A, Class B, Standard storage)
 * https://aws.amazon.com/sns/pricing/ (publishes, HTTP/S deliveries)
 */
const PRICE = {
  invocation: 0.3 / 1e6,
  queueOperation: 0.4 / 1e6,
  d1RowRead: 0.001 / 1e6,
  d1RowWritten: 1 / 1e6,
  r2ClassA: 4.5 / 1e6,
  r2ClassB: 0.36 / 1e6,
  r2GbMonth: 0.015,
  snsPublish: 0.5 / 1e6,
  snsHttpDelivery: 0.6 / 1e6,
};
/** Months an archived message is stored: the default archive retention (a GB-month being 30 days). */
const ARCHIVE_MONTHS = DEFAULT_RETENTION.archiveDays / 30;
/** What SNS bills per SES event delivered to an HTTPS endpoint: its publish and its delivery. */
const SNS_PER_EVENT = PRICE.snsPublish + PRICE.snsHttpDelivery;

/**
 * The counted quantities: row id suffix, name, unit, and the dollars of the counts.
 * @type {Array<[string, string, string, (c: any) => number]>}
 */
const QUANTITIES = [
  ['worker-invocations', 'Worker invocations', 'invocations', (c) => c.invocations * PRICE.invocation],
  [
    'queue-operations',
    'queue operations (write + read + delete)',
    'operations',
    (c) => (c.queueWrites + c.queueReads + c.queueDeletes) * PRICE.queueOperation,
  ],
  ['d1-rows-read', 'D1 rows read', 'rows', (c) => c.d1RowsRead * PRICE.d1RowRead],
  ['d1-rows-written', 'D1 rows written', 'rows', (c) => c.d1RowsWritten * PRICE.d1RowWritten],
  [
    'd1-rows-purged',
    'D1 rows written by the retention purge deleting it',
    'rows',
    (c) => c.d1RowsPurged * PRICE.d1RowWritten,
  ],
  ['r2-class-a', 'R2 Class A operations', 'operations', (c) => c.r2ClassA * PRICE.r2ClassA],
  ['r2-class-b', 'R2 Class B operations', 'operations', (c) => c.r2ClassB * PRICE.r2ClassB],
  // The archive's bytes, kept for the default archive retention.
  ['r2-bytes-stored', 'R2 bytes stored', 'bytes', (c) => (c.r2BytesPut / 1e9) * PRICE.r2GbMonth * ARCHIVE_MONTHS],
];
const value = (counts, suffix) =>
  suffix === 'queue-operations'
    ? counts.queueWrites + counts.queueReads + counts.queueDeletes
    : counts[
        {
          'worker-invocations': 'invocations',
          'd1-rows-read': 'd1RowsRead',
          'd1-rows-written': 'd1RowsWritten',
          'd1-rows-purged': 'd1RowsPurged',
          'r2-class-a': 'r2ClassA',
          'r2-class-b': 'r2ClassB',
          'r2-bytes-stored': 'r2BytesPut',
        }[suffix]
      ];

const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-cost-'));
await bundleWorker(join(here, 'cost-worker.mjs'), join(outdir, 'cost-worker.js'));
const mf = new Miniflare({
  modules: true,
  scriptPath: join(outdir, 'cost-worker.js'),
  modulesRoot: outdir,
  compatibilityDate: '2026-05-01',
  compatibilityFlags: ['nodejs_compat'],
  d1Databases: ['ADMIN_DB', ...ORGS.map((o) => o.binding)],
  r2Buckets: ['SES_ARCHIVE'],
  d1Persist: false,
  r2Persist: false,
  handleRuntimeStdio(stdout, stderr) {
    stdout.resume();
    stderr.pipe(process.stderr);
  },
});
const rows = [];
try {
  // Sent now: the purge below deletes their events, not them.
  const emails = await seedRoutedEmails(mf, ORGS, EMAILS_PER_ORG, Date.now());
  const signer = await createSnsSigner();
  const call = workerCaller(mf);
  /** @type {Array<[string, any]>} each mode's summed counts */
  const measured = [];
  for (const mode of ['queued', 'direct']) {
    const sign = snsBodySigner({ signer, topicArn: TOPIC, emails, prefix: `cost-${mode}` });
    /** One run of `n` events through the webhook (and the consumer, queued), its counts summed. */
    const run = async (n) => {
      const input = { bodies: await sign(n), topicArn: TOPIC, pem: signer.certificatePem, queued: mode === 'queued' };
      const posted = await call('/webhook', input);
      const consumed = mode === 'queued' ? await call('/consume', { batchSize: 100 }) : null;
      const counts = {
        ...posted.counts,
        d1RowsWrittenByTable: { ...posted.counts.d1RowsWrittenByTable },
        d1RowsWrittenByStatement: { ...posted.counts.d1RowsWrittenByStatement },
      };
      for (const [k, v] of Object.entries(consumed?.counts ?? {})) {
        if (k === 'd1RowsWrittenByTable' || k === 'd1RowsWrittenByStatement') {
          for (const [key, n] of Object.entries(v)) counts[k][key] = (counts[k][key] ?? 0) + n;
        } else counts[k] += v;
      }
      const outcomes = consumed?.outcomes ?? posted.outcomes;
      if ((outcomes.applied ?? 0) !== n) throw new Error(`${mode}: not every event applied: ${outcomesText(outcomes)}`);
      return counts;
    };
    await run(WARM_UP); // the signing certificate archived, binding caches warm
    measured.push([mode, await run(EVENTS)]);
  }
  // Both modes' events, deleted as the cron's purge deletes them once past the events retention
  // (emails kept): its rows written (deletes, index entries, triggers) per event deleted.
  const purge = await call('/purge', {
    now: Date.now() + 2 * DAY_MS,
    defaults: { eventsDays: 1, emailsDays: 3_650 },
  });
  if (purge.eventsDeleted === 0) throw new Error('the retention purge deleted no event');
  const purgedPerEvent = purge.counts.d1RowsWritten / purge.eventsDeleted;
  console.log(
    `• the retention purge: ${purge.eventsDeleted} events deleted, ${round(purgedPerEvent)} rows written per event ` +
      `(${Object.entries(purge.counts.d1RowsWrittenByStatement)
        .sort(([, a], [, b]) => b - a)
        .map(([head, n]) => `${round(n / purge.eventsDeleted)} «${head}»`)
        .join('; ')})`,
  );
  for (const [mode, counts] of measured) {
    counts.d1RowsPurged = purgedPerEvent * EVENTS;
    const { d1RowsWrittenByTable, d1RowsWrittenByStatement, ...summed } = counts;
    const perEvent = Object.fromEntries(Object.entries(summed).map(([k, v]) => [k, round(v / EVENTS)]));
    const byTable = Object.entries(d1RowsWrittenByTable)
      .sort(([, a], [, b]) => b - a)
      .map(([table, n]) => `${table} ${round(n / EVENTS)}`)
      .join(', ');
    /** @type {Array<[string, number]>} */
    const dollars = QUANTITIES.map(([suffix, , , price]) => [suffix, (price(counts) / EVENTS) * 1e6]);
    // All-in: SNS's own bill for the event, and what the stack adds.
    const total = SNS_PER_EVENT * 1e6 + dollars.reduce((sum, [, d]) => sum + d, 0);
    console.log(`• ${mode}: ${EVENTS} events, per event: ${JSON.stringify(perEvent)}`);
    console.log(`  D1 rows written per event, by table: ${byTable}`);
    console.log(
      `  by statement (its triggers included): ${Object.entries(d1RowsWrittenByStatement)
        .sort(([, a], [, b]) => b - a)
        .map(([head, n]) => `${round(n / EVENTS)} «${head}»`)
        .join('; ')}`,
    );
    console.log(
      `  $ per million events: ${dollars.map(([s, d]) => `${s} ${d.toFixed(3)}`).join(', ')}; all-in ${total.toFixed(2)} ` +
        `vs SNS ${(SNS_PER_EVENT * 1e6).toFixed(2)}`,
    );
    for (const [suffix, name, unit] of QUANTITIES) {
      rows.push(
        result(
          `cost-${mode}-${suffix}`,
          `Cost, ${mode} mode: ${name} per event (counted)`,
          unit,
          value(counts, suffix) / EVENTS,
          value(counts, suffix),
          `in all, ${EVENTS} events`,
          null,
          suffix === 'r2-bytes-stored' ? 0 : 3,
        ),
      );
    }
    rows.push({
      ...result(
        `cost-${mode}-dollars-per-million`,
        `Cost, ${mode} mode: USD per million events all-in (SNS and every counted quantity at list prices)`,
        'USD',
        total,
        SNS_PER_EVENT * 1e6,
        'SNS alone: publish + HTTPS delivery',
        '≤ 2',
        2,
      ),
      note: `${dollars.map(([s, d]) => `${s} $${d.toFixed(3)}`).join(', ')}; D1 rows written per event by table: ${byTable}`,
    });
  }
} finally {
  await mf.dispose();
}
report(rows);

/** @param {number} n */
function round(n) {
  return Math.round(n * 100) / 100;
}
