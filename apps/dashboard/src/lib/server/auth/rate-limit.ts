import type { D1Database } from '@cloudflare/workers-types';

/**
 * Failed sign-ins allowed within {@link FAILURE_WINDOW_MS}: 5 per address (guessing one account),
 * 50 per client IP (spraying many accounts; higher, as offices and NATs share addresses).
 */
export const MAX_FAILURES = { email: 5, ip: 50 } as const;
/** The rate-limit window. */
export const FAILURE_WINDOW_MS = 15 * 60_000;

/**
 * Whether any of the keys has used up its failed attempts in the current window.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#protect-against-automated-attacks
 */
export async function isSignInBlocked(db: D1Database, keys: readonly string[], now: number): Promise<boolean> {
  const { results } = await db
    .prepare(
      `SELECT 1 FROM sign_in_failures WHERE key IN (${keys.map(() => '?').join(', ')}) AND window_started_at > ?
         AND failures >= CASE WHEN key LIKE 'ip:%' THEN ? ELSE ? END`,
    )
    .bind(...keys, now - FAILURE_WINDOW_MS, MAX_FAILURES.ip, MAX_FAILURES.email)
    .all();
  return results.length > 0;
}

/** Counts a failed sign-in against every key (a new window starts when the old one is over). */
export async function recordSignInFailure(db: D1Database, keys: readonly string[], now: number): Promise<void> {
  await db.batch(
    keys.map((key) =>
      db
        .prepare(
          `INSERT INTO sign_in_failures (key, failures, window_started_at) VALUES (?, 1, ?)
           ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN window_started_at <= ? THEN 1 ELSE failures + 1 END,
             window_started_at = CASE WHEN window_started_at <= ? THEN excluded.window_started_at ELSE window_started_at END`,
        )
        .bind(key, now, now - FAILURE_WINDOW_MS, now - FAILURE_WINDOW_MS),
    ),
  );
}

/** Forgets the failures of a key after a successful sign-in. */
export async function clearSignInFailures(db: D1Database, key: string): Promise<void> {
  await db.prepare('DELETE FROM sign_in_failures WHERE key = ?').bind(key).run();
}
