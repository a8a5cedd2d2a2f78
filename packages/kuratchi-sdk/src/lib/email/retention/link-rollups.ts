import type { D1Database } from '@cloudflare/workers-types';
import { DAY_MS } from './policy.js';

/** Links kept per day and metric (`link_human`, `link_machine`) once the day is trimmed. */
export const LINK_ROLLUPS_TOP_N = 10;

/**
 * The overview's period of top links, in UTC days up to today: every link of these days is kept,
 * so its top links are exact whatever the events retention.
 */
export const TOP_LINKS_DAYS = 30;

/**
 * The first UTC day whose link rollups are kept whole: the day of the events cutoff (the days
 * before it have no raw event left, and the retention gate refuses new ones there), or the first
 * of the overview's {@link TOP_LINKS_DAYS}, whichever is earlier.
 */
export function linkRollupsTrimDay(eventsCutoff: number, now: Date): number {
  return Math.min(Math.floor(eventsCutoff / DAY_MS), Math.floor(now.getTime() / DAY_MS) - TOP_LINKS_DAYS + 1);
}

/** The purge's budget as the step sees it. */
export interface LinkTrimBudget {
  canSpend: (queries: number) => boolean;
  spend: (queries: number) => void;
}

/** What {@link trimLinkRollups} did. */
export interface LinkTrim {
  deleted: number;
  /** Every day before the trim day is done. */
  done: boolean;
}

const LINKS = `metric IN ('link_human', 'link_machine')`;
const LAST_KEPT = (metric: string) =>
  `(SELECT json_array(count, key) FROM email_rollups WHERE day = d.day AND metric = '${metric}'
    ORDER BY count DESC, key LIMIT 1 OFFSET ${LINK_ROLLUPS_TOP_N - 1})`;

/**
 * Keeps, of each UTC day before `before` (see {@link linkRollupsTrimDay}), the
 * {@link LINK_ROLLUPS_TOP_N} links with the most clicks (ties by link) of `link_human` and of
 * `link_machine`, and deletes the others, oldest day first, at most `slice` rows a statement.
 * Per day: one query finds it and the last link kept of each metric, then each statement deletes
 * rows after that one in key order (reading about N + slice rows). `email_rollups_links_trimmed`
 * (org migration 0020) remembers the days done, so a caught-up run costs one query. Stops when the
 * budget is spent; the next call redoes the day it was in (idempotent: the top links stay).
 * The other metrics, and so the overview's totals, are untouched.
 * @see https://www.sqlite.org/lang_select.html#limitoffset
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function trimLinkRollups(
  db: D1Database,
  before: number,
  slice: number,
  budget: LinkTrimBudget,
): Promise<LinkTrim> {
  const result: LinkTrim = { deleted: 0, done: false };
  let from = 0;
  let marker: number | null = null;
  // A find, and the marker's update at the end.
  while (budget.canSpend(2)) {
    budget.spend(1);
    const found: { day: number | null; marker: number; human: string | null; machine: string | null } | null = await db
      .prepare(
        `SELECT d.day AS day, d.marker AS marker, ${LAST_KEPT('link_human')} AS human, ${LAST_KEPT('link_machine')} AS machine
         FROM (SELECT (SELECT before_day FROM email_rollups_links_trimmed) AS marker,
                      (SELECT min(day) FROM email_rollups WHERE day >= max(?1, (SELECT before_day FROM email_rollups_links_trimmed))
                       AND day < ?2 AND ${LINKS}) AS day) AS d`,
      )
      .bind(from, before)
      .first();
    marker ??= found?.marker ?? 0;
    if (found?.day === null || found?.day === undefined) {
      from = before;
      result.done = true;
      break;
    }
    const day = found.day;
    let finished = true;
    for (const [metric, last] of [
      ['link_human', found.human],
      ['link_machine', found.machine],
    ] as const) {
      if (last === null) continue;
      const [count, key] = JSON.parse(last) as [number, string];
      for (;;) {
        if (!budget.canSpend(2)) {
          finished = false;
          break;
        }
        budget.spend(1);
        const { results } = await db
          .prepare(
            `DELETE FROM email_rollups WHERE day = ?1 AND metric = ?2 AND key IN
               (SELECT key FROM email_rollups WHERE day = ?1 AND metric = ?2
                AND (count < ?3 OR (count = ?3 AND key > ?4)) LIMIT ?5)
             RETURNING 1 AS gone`,
          )
          .bind(day, metric, count, key, slice)
          .all();
        result.deleted += results.length;
        if (results.length < slice) break;
      }
      if (!finished) break;
    }
    if (!finished) break;
    from = day + 1;
  }
  if (marker !== null && from > marker) {
    budget.spend(1);
    await db.prepare('UPDATE email_rollups_links_trimmed SET before_day = max(before_day, ?1)').bind(from).run();
  }
  return result;
}
