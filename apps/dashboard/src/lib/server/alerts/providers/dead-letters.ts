import { createD1DeadLetterStore } from 'kuratchi-sdk/internal/d1';
import type { AlertProvider } from '../condition';

/** Dead letters are counted up to this bound (a count equal to it reads "at least"). */
const COUNT_BOUND = 10_000;

/**
 * `dead-letters`, for the deployment: the dead-letter table holds events (parked too long, a
 * full park, queue retries exhausted). One incident while it holds any, cleared once they are
 * replayed or deleted (`kuratchi-ses dead-letters`); the count in its title follows the table.
 */
export function deadLettersAlertProvider(env: DashboardEnv): AlertProvider {
  return async () => {
    const byReason = await createD1DeadLetterStore(env.ADMIN_DB).countByReason(COUNT_BOUND);
    const total = Object.values(byReason).reduce((sum, n) => sum + (n ?? 0), 0);
    if (total === 0) return [];
    const reasons = Object.entries(byReason)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    return [
      {
        kind: 'dead-letters',
        key: 'dead-letters',
        organizationId: null,
        severity: 'warning',
        title: `${total >= COUNT_BOUND ? `at least ${total}` : total} SES event${total === 1 ? ' is' : 's are'} in the dead-letter table (${reasons})`,
        detail:
          'They are not lost, but not applied either: list them with `kuratchi-ses dead-letters list` and replay ' +
          'them with `kuratchi-ses dead-letters replay` once their cause is fixed.',
      },
    ];
  };
}
