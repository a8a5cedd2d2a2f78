import type { D1Database } from '@cloudflare/workers-types';
import { PASSWORD_LINK_TTL_MS } from '../users/password-links';
import { SIGN_IN_THROTTLE } from './sign-in-throttle';

/**
 * Deletes the admin rows sign-in no longer needs, so that they do not grow without bound:
 * sessions that have expired at `now` (`resolveSession` refuses them already), sign-in
 * throttle rows idle for the throttle's memory (`reserveSignInAttempt` counts them as new
 * already), and set-password links a lifetime past their expiry (kept that long only so that
 * an old link answers "expired" or "used" rather than "not valid"), so a purge never lets
 * anything in. One D1 batch; for the Worker's cron `scheduled` handler, with the scheduled
 * event's time as `now`.
 * @returns how many rows of each kind were deleted
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-expiration
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function purgeExpiredAuthRows(
  db: D1Database,
  now: number,
): Promise<{ sessions: number; signInAttempts: number; passwordLinks: number }> {
  const [sessions, signInAttempts, passwordLinks] = await db.batch([
    db.prepare('DELETE FROM sessions WHERE expires_at <= ?').bind(now),
    db.prepare('DELETE FROM sign_in_throttle WHERE last_attempt_at <= ?').bind(now - SIGN_IN_THROTTLE.memoryMs),
    db.prepare('DELETE FROM password_links WHERE expires_at <= ?').bind(now - PASSWORD_LINK_TTL_MS),
  ]);
  return {
    sessions: sessions!.meta.changes,
    signInAttempts: signInAttempts!.meta.changes,
    passwordLinks: passwordLinks!.meta.changes,
  };
}
