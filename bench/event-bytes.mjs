// Benchmark: database bytes per SES event (issue 30, docs/capacity.md). BENCH_EVENT_BYTES_EMAILS
// sent emails (each with its To recipient, as sendEmail leaves it), then a Send, a Delivery, an
// Open and a Click of each recorded one at a time as the webhook's direct path records them
// (bench/clicks-worker.mjs: recordSesEvent with the SDK's SES event factory, so each row carries
// the event's detail JSON, its engagement verdict, its content id and its indexes, and the daily
// rollups their counts). Counted, not timed: D1's database size (SQLite's page count × page
// size, `meta.size_after`) after the events minus before, per event; baseline: the bytes per
// email of the same emails before their events. Rows:
// - event-bytes-per-event: bytes per event (no target; docs/capacity.md turns it into days).
// https://developers.cloudflare.com/d1/worker-api/return-object/
//   BENCH_EVENT_BYTES_EMAILS=1000
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { ADMIN_MIGRATIONS, applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { registerOrganization, demoOrganization } from '../scripts/lib/demo-organizations.mjs';
import { bundleWorker, outcomesText, report, result, workerCaller } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const EMAILS = Number(process.env.BENCH_EVENT_BYTES_EMAILS ?? 1_000);
/** The events of each email, ms after its send (the click a person's, minutes after the open). */
const EVENTS = [
  { eventType: 'Send', at: 100 },
  { eventType: 'Delivery', at: 2_000 },
  { eventType: 'Open', at: 600_000 },
  { eventType: 'Click', at: 660_000, link: 'https://example.com/offer' },
];

const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-event-bytes-'));
await bundleWorker(join(here, 'clicks-worker.mjs'), join(outdir, 'clicks-worker.js'));
const mf = new Miniflare({
  modules: true,
  scriptPath: join(outdir, 'clicks-worker.js'),
  modulesRoot: outdir,
  compatibilityDate: '2026-05-01',
  d1Databases: ['ADMIN_DB', 'ORG_DB_ACME'],
  d1Persist: false,
});
try {
  const admin = await mf.getD1Database('ADMIN_DB');
  const db = await mf.getD1Database('ORG_DB_ACME');
  await applyMigrationFiles(admin, ADMIN_MIGRATIONS);
  await applyMigrationFiles(db, ORG_MIGRATIONS);
  await registerOrganization(admin, demoOrganization('org-acme'));
  const call = workerCaller(mf);
  /** The database's size in bytes, as D1 reports it (SQLite's page count × page size). */
  const databaseBytes = async () => Number((await db.prepare('SELECT 1').run()).meta.size_after);

  const empty = await databaseBytes();
  for (let i = 0; i < EMAILS; i++) await call('/email', { emailId: `email-${i}`, sesMessageId: `ses-${i}` });
  // Each email's To recipient (the factory's), as sendEmail writes it.
  await db
    .prepare(
      `INSERT INTO email_recipients (email_id, address, kind, status, sent_at)
       SELECT id, 'recipient@example.com', 'to', 'sent', sent_at FROM emails`,
    )
    .run();
  const withEmails = await databaseBytes();
  const started = performance.now();
  /** @type {Record<string, number>} */
  const outcomes = {};
  for (let i = 0; i < EMAILS; i++) {
    const answer = await call('/record', { sesMessageId: `ses-${i}`, events: EVENTS });
    for (const [outcome, n] of Object.entries(answer.outcomes)) outcomes[outcome] = (outcomes[outcome] ?? 0) + n;
  }
  const events = Number(await db.prepare('SELECT count(*) AS n FROM email_events').first('n'));
  if (outcomes.applied !== EMAILS * EVENTS.length || events !== outcomes.applied)
    throw new Error(`recording ${EMAILS * EVENTS.length} events: ${outcomesText(outcomes)}, ${events} rows`);
  const withEvents = await databaseBytes();
  const perEvent = (withEvents - withEmails) / events;
  const perEmail = (withEmails - empty) / EMAILS;
  console.log(
    `• ${EMAILS.toLocaleString('en')} emails (${Math.round(perEmail)} bytes each with a recipient), ` +
      `${events.toLocaleString('en')} events recorded in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      `${Math.round(perEvent)} bytes per event (${EVENTS.map((e) => e.eventType).join(', ')} of each email)`,
  );
  report([
    result(
      'event-bytes-per-event',
      'Database size per SES event recorded (Send, Delivery, Open, Click; D1 page count × page size)',
      'bytes/event',
      perEvent,
      perEmail,
      'bytes per email with its recipient, before its events',
      null,
      0,
    ),
  ]);
} finally {
  await mf.dispose();
  rmSync(outdir, { recursive: true, force: true });
}
