import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import {
  recipientCountsByDayStatement,
  recipientCountsOf,
  recipientCountsStatement,
  recipientDays,
  type RecipientDay,
} from './d1-recipient-counts.js';
import type { RecipientCounts } from './verdict.js';
import { shortWindowSettings, type ReputationGuardSettings } from './settings.js';
import { reputationVerdict, type ReputationVerdict } from './verdict.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The short window's verdicts (`shortWindowMinutes` before `now`), judged with `shortWindowSettings`. */
export interface ShortWindowReport {
  minutes: number;
  from: number;
  verdict: ReputationVerdict;
  /**
   * After a lift still inside the long window: recipients sent since the later of the lift and
   * the short window's start, and addresses that had not bounced (complained) in the long window
   * before it (what may pause again); null otherwise.
   */
  sinceRearm: ReputationVerdict | null;
}

/** One UTC day of the trend: its counts and rates (no verdict: a day alone is below any sensible volume; an address that bounced on two days counts on both). */
export interface ReputationDay extends RecipientDay {
  bounceRate: number;
  complaintRate: number;
}

/** An organisation's rates over the guard's trailing window, with the trend per day. */
export interface ReputationReport {
  /** The window `[from, to)`: `to` is `now`, `from` is `windowDays` before it. */
  from: number;
  to: number;
  verdict: ReputationVerdict;
  /** The trend: every UTC day the window touches, whole (the first one starts before `from`). */
  days: ReputationDay[];
  /**
   * After a lift whose time is still inside the window: the verdict on recipients sent since
   * `rearmAfter` only, and addresses that had not bounced (complained) before it (what may pause
   * again); null otherwise.
   */
  sinceRearm: ReputationVerdict | null;
  /** The short window; null when `shortWindowMinutes` is 0. */
  short: ShortWindowReport | null;
}

/**
 * Reads an organisation's per-recipient counts over the trailing window ending at `now` and
 * judges them with the guard's rule (the daily rollups and the marks, see `d1-recipient-counts.ts`:
 * the totals, the days, after a lift the totals since it, and the short window the same way), all of them in
 * one batch: one call to the organisation's database (one request to its Durable Object), so the
 * guard's cron makes one call per organisation.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function reputationReport(
  orgDb: D1Database,
  options: { now: Date; settings: ReputationGuardSettings; rearmAfter?: number | null },
): Promise<ReputationReport> {
  const to = options.now.getTime();
  const from = to - options.settings.windowDays * DAY_MS;
  const rate = (n: number, of: number) => (of === 0 ? 0 : n / of);
  const rearmAfter = options.rearmAfter ?? null;
  const rearmed = rearmAfter !== null && rearmAfter > from;
  const minutes = options.settings.shortWindowMinutes;
  const shortFrom = to - minutes * MINUTE_MS;
  // The statements, each read back by its index in the batch.
  const statements: D1PreparedStatement[] = [
    recipientCountsByDayStatement(orgDb, from, to),
    recipientCountsStatement(orgDb, { from, countFrom: from, to }),
  ];
  const counted = (range: { from: number; countFrom: number; to: number }) =>
    statements.push(recipientCountsStatement(orgDb, range)) - 1;
  const sinceRearmAt = rearmed ? counted({ from, countFrom: rearmAfter, to }) : -1;
  const shortAt = minutes > 0 ? counted({ from: shortFrom, countFrom: shortFrom, to }) : -1;
  const shortSinceRearmAt =
    minutes > 0 && rearmed ? counted({ from, countFrom: Math.max(rearmAfter, shortFrom), to }) : -1;
  const results = await orgDb.batch(statements);
  const counts = (at: number) => recipientCountsOf(results[at]?.results[0] as Partial<RecipientCounts> | undefined);
  const sinceRearm = rearmed ? reputationVerdict(counts(sinceRearmAt), options.settings) : null;
  const short: ShortWindowReport | null =
    minutes > 0
      ? {
          minutes,
          from: shortFrom,
          verdict: reputationVerdict(counts(shortAt), shortWindowSettings(options.settings)),
          sinceRearm: rearmed
            ? reputationVerdict(counts(shortSinceRearmAt), shortWindowSettings(options.settings))
            : null,
        }
      : null;
  const days = recipientDays(
    (results[0]?.results ?? []) as Array<{ day: number; recipients: number; bounced: number; complained: number }>,
  );
  return {
    short,
    from,
    to,
    verdict: reputationVerdict(counts(1), options.settings),
    days: days.map((d) => ({
      ...d,
      bounceRate: rate(d.bounced, d.recipients),
      complaintRate: rate(d.complained, d.recipients),
    })),
    sinceRearm,
  };
}
