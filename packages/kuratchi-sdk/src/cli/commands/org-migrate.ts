import { tty } from '../terminal-text.js';
import { createHash } from 'node:crypto';
import { err, out } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { OpsApiError, type OpsApi } from '../ops-api.js';
import { startProgress } from '../progress.js';

/** A location as the operations API answers it. */
interface Location {
  kind: 'd1' | 'durable-object';
  binding: string;
  movingSince: number | null;
}

interface StartAnswer {
  movingSince: number;
  settleMs: number;
  tables: string[];
  counts: Record<string, number>;
}

interface StatusAnswer {
  location: Location;
  retryAfterMs: number | null;
}

interface CountsAnswer {
  source: Record<string, number>;
  target: Record<string, number>;
}

interface DrainAnswer {
  applied: number;
  duplicates: number;
  orphaned: number;
  /** Older than the organisation's retention: removed, never recorded (absent from older dashboards). */
  expired?: number;
  more: boolean;
}

interface ComparePage {
  sourceRows: number;
  targetRows: number;
  sourceDigest: string;
  targetDigest: string;
  next: string | null;
}

/** What `kuratchi-ses org migrate` was asked to do. */
export interface OrgMigrateOptions {
  organizationId: string;
  /** The Durable Object namespace binding to move to. */
  binding: string;
  pageSize: number;
  /** Go on with a move already started (copying again is harmless: rows already there are kept). */
  resume: boolean;
  /** Ms between two status polls while waiting for the move to settle. */
  pollMs: number;
}

/** One table's verification: rows on each side and a checksum over its page digests. */
interface TableCheck {
  table: string;
  sourceRows: number;
  targetRows: number;
  sourceChecksum: string;
  targetChecksum: string;
  /** The cursor of the first page that differs, when one does. */
  differsAfter?: string | null;
}

/**
 * Drives the move of an organisation from its D1 database to its Durable Object through
 * `POST /api/ops/organizations/:id/move`: start (its events are parked from now on), wait
 * until every isolate has seen that, copy each table page by page, verify each page's rows and
 * SHA-256 on both sides, switch, then drain the events parked meanwhile into the object. A
 * verification that fails aborts the move (the organisation stays on D1, its parked events are
 * drained there, nothing lost) and exits 1.
 * @see https://developers.cloudflare.com/durable-objects/api/storage-api/#transactionsync
 */
export async function migrateOrganization(api: OpsApi, options: OrgMigrateOptions): Promise<number> {
  const path = `/api/ops/organizations/${encodeURIComponent(options.organizationId)}/move`;
  const step = <T>(body: object) => api.post<T>(path, { binding: options.binding, ...body });
  let tables: string[];
  if (options.resume) {
    const status = await step<StatusAnswer>({ step: 'status' });
    if (status.location.movingSince === null) {
      err(
        tty`kuratchi-ses org migrate: ${options.organizationId} is not being moved (it is on ${status.location.kind}); run without --resume`,
      );
      return EXIT.failed;
    }
    tables = ORDERED_TABLES;
    out(tty`Resuming the move of ${options.organizationId} (moving since ${iso(status.location.movingSince)}).`);
  } else {
    const started = await step<StartAnswer>({ step: 'start' });
    tables = started.tables;
    out(
      tty`${options.organizationId} is moving since ${iso(started.movingSince)}: its events are parked, its database refused, until the switch.`,
    );
  }
  await waitUntilSettled(step, options.pollMs);
  const { source: counts } = await step<CountsAnswer>({ step: 'counts' });
  for (const table of tables) await copyTable(step, table, counts[table] ?? 0, options.pageSize);
  const checks: TableCheck[] = [];
  for (const table of tables) checks.push(await verifyTable(step, table, counts[table] ?? 0, options.pageSize));
  printChecks(checks);
  const bad = checks.filter((c) => c.differsAfter !== undefined || c.sourceChecksum !== c.targetChecksum);
  if (bad.length) {
    await abortMove(step, options.organizationId);
    err(
      tty`kuratchi-ses org migrate: the copy differs in ${bad.map((c) => c.table).join(', ')}: move aborted, ${options.organizationId} stays on D1 (the events parked meanwhile were applied there)`,
    );
    return EXIT.failed;
  }
  try {
    await step({ step: 'switch' });
  } catch (error) {
    if (error instanceof OpsApiError && error.status === 409) {
      await abortMove(step, options.organizationId);
      err(tty`kuratchi-ses org migrate: ${error.message}; move aborted, ${options.organizationId} stays on D1`);
      return EXIT.failed;
    }
    throw error;
  }
  out(
    tty`${options.organizationId} now lives on its Durable Object (${options.binding}); its D1 database is left as it was.`,
  );
  await drainParkedEvents(step, options.organizationId);
  return EXIT.ok;
}

type Step = <T>(body: object) => Promise<T>;

/**
 * Ends a move on D1 (`abort`) and applies there what was parked meanwhile.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */
export async function abortMove(step: Step, organizationId: string): Promise<void> {
  await step({ step: 'abort' });
  await drainParkedEvents(step, organizationId);
}

/**
 * Applies, page by page (`drain`), the events the webhook and the queue consumer parked while the
 * organisation moved, where it lives now, and says how many. Anything it leaves (a failed request,
 * an event parked in the last instant) the dashboard's scheduled sweep applies.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 */
async function drainParkedEvents(step: Step, organizationId: string): Promise<void> {
  const total = { applied: 0, duplicates: 0, orphaned: 0, expired: 0 };
  let page: DrainAnswer;
  do {
    page = await step<DrainAnswer>({ step: 'drain', limit: DRAIN_PAGE });
    total.applied += page.applied;
    total.duplicates += page.duplicates;
    total.orphaned += page.orphaned;
    total.expired += page.expired ?? 0;
    if (page.more) err(tty`applying the events parked during the move… ${total.applied + total.duplicates} so far`);
  } while (page.more);
  out(
    tty`events of ${organizationId} parked during the move: ${total.applied} applied, ${total.duplicates} already recorded, ${total.orphaned} orphaned (no such email row)${total.expired ? `, ${total.expired} expired (older than its retention: not recorded)` : ''}`,
  );
}

/** Held events applied per `drain` request (the dashboard allows up to 200). */
const DRAIN_PAGE = 100;

/** The tables in copy order, for a resumed move (the start step names them otherwise). */
const ORDERED_TABLES = ['emails', 'email_recipients', 'email_events', 'email_suppressions', 'email_reconciliation'];

async function waitUntilSettled(step: Step, pollMs: number): Promise<void> {
  for (;;) {
    const status = await step<StatusAnswer>({ step: 'status' });
    if (!status.retryAfterMs) return;
    err(tty`waiting ${Math.ceil(status.retryAfterMs / 1000)} s for every isolate to stop writing to D1…`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(status.retryAfterMs!, pollMs)));
  }
}

async function copyTable(step: Step, table: string, total: number, limit: number) {
  const progress = startProgress(`copy ${table}`, total);
  let after: string | null = null;
  let copied = 0;
  try {
    do {
      const page: { rows: number; next: string | null } = await step({ step: 'copy', table, after, limit });
      for (let i = 0; i < page.rows; i++) progress.tick('rows');
      copied += page.rows;
      after = page.next;
    } while (after !== null);
  } finally {
    progress.stop();
  }
  out(tty`copied ${table}: ${copied} rows`);
}

async function verifyTable(step: Step, table: string, total: number, limit: number): Promise<TableCheck> {
  const progress = startProgress(`verify ${table}`, total);
  const source = createHash('sha256');
  const target = createHash('sha256');
  const check: TableCheck = { table, sourceRows: 0, targetRows: 0, sourceChecksum: '', targetChecksum: '' };
  let after: string | null = null;
  try {
    do {
      const page: ComparePage = await step({ step: 'verify', table, after, limit });
      for (let i = 0; i < page.sourceRows; i++) progress.tick('rows');
      check.sourceRows += page.sourceRows;
      check.targetRows += page.targetRows;
      source.update(page.sourceDigest);
      target.update(page.targetDigest);
      if (page.sourceDigest !== page.targetDigest && check.differsAfter === undefined) check.differsAfter = after;
      after = page.next;
    } while (after !== null);
  } finally {
    progress.stop();
  }
  check.sourceChecksum = source.digest('hex');
  check.targetChecksum = target.digest('hex');
  return check;
}

function printChecks(checks: readonly TableCheck[]): void {
  const rows = [
    ['table', 'rows (D1)', 'rows (object)', 'checksum (D1)', 'checksum (object)', ''],
    ...checks.map((c) => [
      c.table,
      String(c.sourceRows),
      String(c.targetRows),
      c.sourceChecksum.slice(0, 16),
      c.targetChecksum.slice(0, 16),
      c.sourceChecksum === c.targetChecksum && c.differsAfter === undefined ? 'same' : 'DIFFERENT',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    out(
      tty`${row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}`,
    );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
