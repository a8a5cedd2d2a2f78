import type { D1Database } from '@cloudflare/workers-types';
import { recipientCounts, recipientCountsByDay, type RecipientDay } from './d1-recipient-counts.js';
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

/** One day of the trend: its counts and rates (no verdict: a day alone is below any sensible volume; an address that bounced on two days counts on both). */
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
 * judges them with the guard's rule (indexed queries on the organisation's database: the totals,
 * the days, and after a lift the totals since it), and the short window the same way.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export async function reputationReport(
  orgDb: D1Database,
  options: { now: Date; settings: ReputationGuardSettings; rearmAfter?: number | null },
): Promise<ReputationReport> {
  const to = options.now.getTime();
  const from = to - options.settings.windowDays * DAY_MS;
  const days = await recipientCountsByDay(orgDb, from, to);
  const rate = (n: number, of: number) => (of === 0 ? 0 : n / of);
  const rearmAfter = options.rearmAfter ?? null;
  const sinceRearm =
    rearmAfter !== null && rearmAfter > from
      ? reputationVerdict(await recipientCounts(orgDb, { from, countFrom: rearmAfter, to }), options.settings)
      : null;
  let short: ShortWindowReport | null = null;
  const minutes = options.settings.shortWindowMinutes;
  if (minutes > 0) {
    const shortFrom = to - minutes * MINUTE_MS;
    const judge = (range: { from: number; countFrom: number; to: number }) =>
      recipientCounts(orgDb, range).then((c) => reputationVerdict(c, shortWindowSettings(options.settings)));
    short = {
      minutes,
      from: shortFrom,
      verdict: await judge({ from: shortFrom, countFrom: shortFrom, to }),
      sinceRearm: sinceRearm ? await judge({ from, countFrom: Math.max(rearmAfter!, shortFrom), to }) : null,
    };
  }
  return {
    short,
    from,
    to,
    verdict: reputationVerdict(await recipientCounts(orgDb, { from, countFrom: from, to }), options.settings),
    days: days.map((d) => ({
      ...d,
      bounceRate: rate(d.bounced, d.recipients),
      complaintRate: rate(d.complained, d.recipients),
    })),
    sinceRearm,
  };
}
