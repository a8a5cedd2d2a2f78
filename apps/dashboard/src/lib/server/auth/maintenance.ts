import type { D1Database } from '@cloudflare/workers-types';
import { SIGN_IN_THROTTLE } from './sign-in-throttle';

/**
 * Deletes the admin rows sign-in no longer needs, so that they do not grow without bound:
 * sessions that have expired at `now` (`resolveSession` refuses them already) and sign-in
 * throttle rows idle for the throttle's memory (`reserveSignInAttempt` counts them as new
 * already), so a purge never changes an answer. One D1 batch of two statements; for the
 * Worker's cron `scheduled` handler, with the scheduled event's time as `now`.
 * @returns how many rows of each kind were deleted
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-expiration
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function purgeExpiredAuthRows(
  db: D1Database,
  now: number,
): Promise<{ sessions: number; signInAttempts: number }> {
  const [sessions, signInAttempts] = await db.batch([
    db.prepare('DELETE FROM sessions WHERE expires_at <= ?').bind(now),
    db.prepare('DELETE FROM sign_in_throttle WHERE last_attempt_at <= ?').bind(now - SIGN_IN_THROTTLE.memoryMs),
  ]);
  return { sessions: sessions!.meta.changes, signInAttempts: signInAttempts!.meta.changes };
}
