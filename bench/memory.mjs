// Benchmark 4: memory while ingesting 1M events. Each event goes through the pure ingestion path
// of kuratchi-sdk/email in this Node process: verifySnsMessage (certificate cache warm) →
// parseSesEvent → applyEvent onto the email's row (kept in a Map, one row per email). The bodies
// are a few thousand distinct signed notifications, cycled (nothing varies per pass that the
// certificate cache would key on). RSS is sampled every 100k events after a 100k-event warm-up,
// after a full GC when run with --expose-gc (bench/run.mjs does); the result is the RSS at the
// end against the RSS after the warm-up (target ≤ 1.2: caches bounded, nothing accumulates).
//   BENCH_MEMORY_EVENTS=1000000   events to ingest (after the warm-up)
import { applyEvent, initialTracking, parseSesEvent } from 'kuratchi-sdk/internal/events';
import { verifySnsMessage } from 'kuratchi-sdk/internal/verify';
import { buildSesEvent, createSnsSigner } from 'kuratchi-sdk/email/testing';
import { report, result } from './lib.mjs';

const EVENTS = Number(process.env.BENCH_MEMORY_EVENTS ?? 1_000_000);
const WARM_UP = 100_000;
const SAMPLE_EVERY = 100_000;
const DISTINCT = 4000;
const EMAILS = 1000;
const IN_FLIGHT = 16;
/** Stop early (and say so) rather than run for ever on a slow machine. */
const TIME_LIMIT_MS = Number(process.env.BENCH_MEMORY_TIME_LIMIT_SECONDS ?? 420) * 1000;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events';
/** @type {import('kuratchi-sdk/email/testing').SesEventSpec['eventType'][]} */
const TYPES = ['Send', 'Delivery', 'Open', 'Click', 'Open', 'DeliveryDelay', 'Bounce', 'Complaint'];

const gc = globalThis.gc ?? (() => {});
if (!globalThis.gc) console.log('• (run with node --expose-gc for a GC before each sample)');

const signer = await createSnsSigner();
const now = Date.now();
const bodies = await Promise.all(
  Array.from({ length: DISTINCT }, async (_, i) => {
    const event = buildSesEvent({
      eventType: TYPES[i % TYPES.length],
      messageId: `ses-${i % EMAILS}`,
      recipient: `user${i % EMAILS}@example.com`,
      time: new Date(now - 600_000 + i * 100),
      link: `https://example.com/p/${i % 7}`,
    });
    const signed = await signer.sign({
      Type: 'Notification',
      MessageId: `sns-${i}`,
      TopicArn: TOPIC,
      Message: JSON.stringify(event),
      Timestamp: new Date(now).toISOString(),
    });
    return JSON.stringify(signed);
  }),
);
const options = { fetchCertificate: signer.fetchCertificate, allowedTopicArns: [TOPIC] };
const rows = new Map();

let done = 0;
async function ingest(count) {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        const body = bodies[(done + next++) % DISTINCT];
        const message = await verifySnsMessage(body, options);
        const event = parseSesEvent(message.Message);
        const id = event.mail.messageId;
        rows.set(id, applyEvent(rows.get(id) ?? initialTracking(), event));
      }
    }),
  );
  done += count;
}

const mb = (bytes) => bytes / 2 ** 20;
function sample() {
  gc();
  const usage = process.memoryUsage();
  return { events: done, rss: mb(usage.rss), heapUsed: mb(usage.heapUsed) };
}

const started = performance.now();
await ingest(WARM_UP);
const warm = sample();
const samples = [warm];
let peak = warm.rss;
console.log(
  `• warm-up: ${WARM_UP.toLocaleString('en')} events, RSS ${warm.rss.toFixed(1)} MB, heap ${warm.heapUsed.toFixed(1)} MB`,
);
const measuredStart = performance.now();
let ingested = 0;
while (ingested < EVENTS) {
  // Peak between samples too: RSS (no GC) every 10k events.
  for (let i = 0; i < SAMPLE_EVERY && ingested < EVENTS; i += 10_000) {
    const count = Math.min(10_000, EVENTS - ingested);
    await ingest(count);
    ingested += count;
    peak = Math.max(peak, mb(process.memoryUsage().rss));
  }
  const s = sample();
  samples.push(s);
  peak = Math.max(peak, s.rss);
  console.log(
    `  ${ingested.toLocaleString('en').padStart(9)} events: RSS ${s.rss.toFixed(1)} MB, heap ${s.heapUsed.toFixed(1)} MB`,
  );
  if (performance.now() - started > TIME_LIMIT_MS) {
    console.log(
      `• stopping after ${ingested.toLocaleString('en')} events: the ${TIME_LIMIT_MS / 1000} s limit was reached`,
    );
    break;
  }
}
const seconds = (performance.now() - measuredStart) / 1000;
const end = samples[samples.length - 1];
console.log(
  `• ${ingested.toLocaleString('en')} events in ${seconds.toFixed(1)} s (${Math.round(ingested / seconds)} events/s, ${IN_FLIGHT} in flight); ` +
    `RSS ${warm.rss.toFixed(1)} → ${end.rss.toFixed(1)} MB, peak ${peak.toFixed(1)} MB; ${rows.size} email rows`,
);

const label = ingested >= 1_000_000 ? `${ingested / 1_000_000}M` : `${Math.round(ingested / 1000)}k`;
report([
  result(
    'memory-rss-end-vs-warm',
    `Memory: RSS after ingesting ${label} events (past the warm-up) vs after the warm-up`,
    'MB',
    end.rss,
    warm.rss,
    `RSS after ${WARM_UP / 1000}k-event warm-up`,
    '≤ 1.2',
  ),
  result(
    'memory-peak-rss-vs-warm',
    `Memory: peak RSS during ${label} events vs after the warm-up`,
    'MB',
    peak,
    warm.rss,
    `RSS after ${WARM_UP / 1000}k-event warm-up`,
    'n/a',
  ),
  result(
    'memory-heap-end-vs-warm',
    `Memory: heap used after ${label} events vs after the warm-up`,
    'MB',
    end.heapUsed,
    warm.heapUsed,
    `heap after ${WARM_UP / 1000}k-event warm-up`,
    'n/a',
  ),
]);
