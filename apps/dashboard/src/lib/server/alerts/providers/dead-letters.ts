import { createD1DeadLetterStore } from 'kuratchi-sdk/internal/d1';
import { readConfig } from '../../config';
import type { AlertCondition, AlertProvider } from '../condition';

/** Dead letters the sweep drops within this time raise `dead-letters-expiring`. */
export const DEAD_LETTER_EXPIRY_WARNING_MS = 7 * 86_400_000;

/** Dead letters are counted up to this bound (a count equal to it reads "at least"). */
const COUNT_BOUND = 10_000;

/**
 * Dead letters of no known organisation with these reasons are events of mail not sent by
 * `sendEmail` (another sender on the configuration set): their fate is set (counted, kept
 * KURATCHI_DEAD_LETTER_UNROUTED_DAYS, dropped by the park sweep), so they call for no action.
 */
const FOREIGN_REASONS = ['no-route', 'park-full'] as const;

/**
 * Two conditions of the deployment, each its own incident (opened and cleared once each, the
 * alerts job's rule):
 * - `dead-letters`: the dead-letter table holds events that call for action (parked too long or
 *   a full park for a known organisation, queue retries exhausted); cleared once they are
 *   replayed or deleted (`kuratchi-ses dead-letters`). Its title's count follows the table.
 * - `dead-letters-expiring` (critical): some of them are dropped by the park sweep within
 *   {@link DEAD_LETTER_EXPIRY_WARNING_MS} (KURATCHI_DEAD_LETTER_DAYS), lost unless replayed first;
 *   cleared once none is (replayed, deleted or dropped).
 * Those of mail not sent by `sendEmail` ({@link FOREIGN_REASONS}, no known organisation) raise neither.
 */
export function deadLettersAlertProvider(env: DashboardEnv): AlertProvider {
  return async (now) => {
    const store = createD1DeadLetterStore(env.ADMIN_DB);
    const [all, unknown] = await Promise.all([
      store.countByReason(COUNT_BOUND),
      store.countByReason(COUNT_BOUND, null),
    ]);
    const byReason = Object.entries(all)
      .map(([reason, n]) => {
        const foreign = (FOREIGN_REASONS as readonly string[]).includes(reason) ? (unknown[reason as never] ?? 0) : 0;
        return [reason, (n ?? 0) - foreign] as const;
      })
      .filter(([, n]) => n > 0);
    const total = byReason.reduce((sum, [, n]) => sum + n, 0);
    if (total === 0) return [];
    const reasons = byReason.map(([reason, n]) => `${reason} ${n}`).join(', ');
    const conditions: AlertCondition[] = [
      {
        kind: 'dead-letters',
        key: 'dead-letters',
        organizationId: null,
        severity: 'warning',
        title: `${atLeast(total)} SES event${total === 1 ? ' is' : 's are'} in the dead-letter table (${reasons})`,
        detail:
          'They are not lost, but not applied either: list them with `kuratchi-ses dead-letters list` and replay ' +
          'them with `kuratchi-ses dead-letters replay` once their cause is fixed.',
      },
    ];
    const expiring = await expiringSoon(env, now);
    if (expiring > 0) {
      const days = DEAD_LETTER_EXPIRY_WARNING_MS / 86_400_000;
      conditions.push({
        kind: 'dead-letters-expiring',
        key: 'dead-letters-expiring',
        organizationId: null,
        severity: 'critical',
        title: `${atLeast(expiring)} dead letter${expiring === 1 ? ' is' : 's are'} dropped within ${days} days`,
        detail:
          'The park sweep drops a dead letter KURATCHI_DEAD_LETTER_DAYS after it was dead-lettered, and the event is ' +
          'then lost: replay them first with `kuratchi-ses dead-letters replay` (or export them with `list`).',
      });
    }
    return conditions;
  };
}

/** A count read up to {@link COUNT_BOUND}: "at least n" when it reached it. */
function atLeast(n: number): string {
  return n >= COUNT_BOUND ? `at least ${n}` : String(n);
}
/** Dead letters that call for action and that the park sweep drops within the warning time. */
async function expiringSoon(env: DashboardEnv, now: Date): Promise<number> {
  const before = now.getTime() + DEAD_LETTER_EXPIRY_WARNING_MS - readConfig(env).park.deadLetterTtlMs;
  const row = await env.ADMIN_DB.prepare(
    `SELECT count(*) AS n FROM (SELECT 1 FROM email_event_dead_letters
       WHERE dead_lettered_at < ?1 AND NOT (organization_id IS NULL AND reason IN (SELECT value FROM json_each(?2)))
       LIMIT ?3)`,
  )
    .bind(before, JSON.stringify(FOREIGN_REASONS), COUNT_BOUND)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
