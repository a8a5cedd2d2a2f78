// Benchmark: rows of the organisation's database read to record one more Click (and one Open) of
// an email that already has 10, 1,000 and 10,000 clicks (issue 31: the click-burst rule and the
// machine counters once re-read every click of the email, so 1,000 clicks made the next one read
// about a million rows). Counted, not timed: D1's `meta.rows_read` of the recording batch
// (bench/clicks-worker.mjs). The clicks are one recipient fetching one tracked link once a
// millisecond, recorded one at a time by the webhook's direct path, so thousands of them sit
// within the click-burst window of the next. Ratio = rows read at 1,000 or 10,000 clicks / at 10;
// target ≤ 1.5.
//   BENCH_CLICKS=10,1000,10000   clicks before the measured event (the first is the baseline)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { ADMIN_MIGRATIONS, applyMigrationFiles, ORG_MIGRATIONS } from '../scripts/d1-migration-files.mjs';
import { registerOrganization, demoOrganization } from '../scripts/lib/demo-organizations.mjs';
import { bundleWorker, outcomesText, report, result, workerCaller } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SIZES = (process.env.BENCH_CLICKS ?? '10,1000,10000').split(',').map(Number);
const LINK = 'https://example.com/offer';
/** The first click, ms after the send. */
const FIRST_CLICK_MS = 600_000;
/** Clicks per request while filling (each one recorded on its own, as the webhook records it). */
const FILL_CHUNK = 500;

const outdir = mkdtempSync(join(tmpdir(), 'kuratchi-bench-clicks-'));
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
  await applyMigrationFiles(admin, ADMIN_MIGRATIONS);
  await applyMigrationFiles(await mf.getD1Database('ORG_DB_ACME'), ORG_MIGRATIONS);
  await registerOrganization(admin, demoOrganization('org-acme'));
  const call = workerCaller(mf);

  /** @type {Record<number, { click: number, open: number }>} */
  const rows = {};
  for (const size of SIZES) {
    const sesMessageId = `ses-bench-clicks-${size}`;
    await call('/email', { emailId: `email-clicks-${size}`, sesMessageId });
    const started = performance.now();
    for (let from = 0; from < size; from += FILL_CHUNK) {
      const events = Array.from({ length: Math.min(FILL_CHUNK, size - from) }, (_, i) => ({
        eventType: 'Click',
        at: FIRST_CLICK_MS + from + i,
        link: LINK,
      }));
      const { outcomes } = await call('/record', { sesMessageId, events });
      if (outcomes.applied !== events.length) throw new Error(`filling ${size} clicks: ${outcomesText(outcomes)}`);
    }
    const filled = ((performance.now() - started) / 1000).toFixed(1);
    // The next click of the same link and an open, within the burst window of the last clicks.
    const next = { at: FIRST_CLICK_MS + size, link: LINK };
    const click = await call('/record', { sesMessageId, events: [{ eventType: 'Click', ...next }] });
    const open = await call('/record', { sesMessageId, events: [{ eventType: 'Open', ...next }] });
    if (click.outcomes.applied !== 1 || open.outcomes.applied !== 1)
      throw new Error(`the measured events were not applied: ${outcomesText({ ...click.outcomes, ...open.outcomes })}`);
    rows[size] = { click: click.rowsRead, open: open.rowsRead };
    console.log(
      `  ${size.toLocaleString('en').padStart(6)} clicks (recorded in ${filled} s): ` +
        `${click.rowsRead} rows read per Click, ${open.rowsRead} per Open` +
        (size === SIZES[0]
          ? ''
          : ` (${(click.rowsRead / rows[SIZES[0]].click).toFixed(2)} × and ` +
            `${(open.rowsRead / rows[SIZES[0]].open).toFixed(2)} × those at ${SIZES[0].toLocaleString('en')})`),
    );
  }
  const base = SIZES[0];
  const results = SIZES.slice(1).flatMap((size) =>
    ['click', 'open'].map((kind) =>
      result(
        `clicks-rows-read-per-${kind}-${size}`,
        `Recording one ${kind === 'click' ? 'Click' : 'Open'} of an email with ${size.toLocaleString('en')} clicks: rows read`,
        'rows read/event',
        rows[size][kind],
        rows[base][kind],
        `same event with ${base.toLocaleString('en')} clicks`,
        '≤ 1.5',
        0,
      ),
    ),
  );
  report(results);
} finally {
  await mf.dispose();
  rmSync(outdir, { recursive: true, force: true });
}
