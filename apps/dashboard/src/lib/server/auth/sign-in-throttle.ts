import type { D1Database } from '@cloudflare/workers-types';

/**
 * How one kind of throttle key slows down: free attempts, then delays doubling up to a cap.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#account-lockout
 */
export interface ThrottleRule {
  /** Attempts allowed back to back. */
  freeAttempts: number;
  /** The wait after the last free attempt; each further attempt doubles it. */
  firstDelayMs: number;
  /** The longest wait. */
  maxDelayMs: number;
}

/**
 * The sign-in throttle, after the OWASP Authentication Cheat Sheet ("Login Throttling"): rather
 * than a fixed lockout, an exponential one, whose delay starts short and doubles with each failed
 * attempt. Counted per (address, client), so that guesses against one account from one client
 * slow down, and per client across addresses, against spraying (higher, as offices and NATs share
 * an address). Deliberately not per address alone: OWASP warns that a lockout must not become a
 * way to lock other users out, and an address-wide counter lets anyone who knows an admin's
 * address keep that admin out. The price: guesses from many clients are limited only per client
 * (five free guesses, then waits, per account from each client); multi-factor authentication is
 * the defence for that, beyond this throttle.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling
 */
export const SIGN_IN_THROTTLE: { pair: ThrottleRule; client: ThrottleRule; memoryMs: number } = {
  /** One address from one client: 5 attempts, then 1, 2, 4, 8 and at most 15 minutes apart. */
  pair: { freeAttempts: 5, firstDelayMs: 60_000, maxDelayMs: 15 * 60_000 },
  /** Every address from one client: 50 attempts, then 1, 2, 4, 8 and at most 15 minutes apart. */
  client: { freeAttempts: 50, firstDelayMs: 60_000, maxDelayMs: 15 * 60_000 },
  /** A key whose last attempt is this old is forgotten (counts as new; purged by the maintenance job). */
  memoryMs: 24 * 3_600_000,
};

/**
 * The two throttle rows one sign-in attempt counts against.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling
 */
export interface SignInThrottleKeys {
  /** The address from this client: `pair:<client> <address>` (a client never contains a space). */
  pair: string;
  /** Every address from this client: `client:<client>`. */
  client: string;
}

/**
 * The throttle keys of a sign-in attempt for `address` (lower-cased) from `client` (see `signInClient`).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling
 */
export function signInThrottleKeys(address: string, client: string): SignInThrottleKeys {
  return { pair: `pair:${client} ${address}`, client: `client:${client}` };
}

/**
 * The answer of {@link reserveSignInAttempt}; `retryAfterMs` is what the 429's Retry-After says.
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export type SignInReservation = { granted: true } | { granted: false; retryAfterMs: number };

/**
 * Reserves one sign-in attempt before the password is checked: in one statement, so that
 * concurrent attempts cannot all pass a check made before any of them is counted. When neither
 * key has to wait at `now`, both are counted (the attempt is presumed failed until
 * {@link settleSuccessfulSignIn} says otherwise) and the attempt is granted; otherwise neither
 * is counted and the answer says how long the longer wait still is.
 *
 * A D1 database processes queries one at a time, and an SQLite statement is atomic on its own;
 * within it, the CTE is materialised before the first row is written, so both keys are decided
 * on the same state and written together or not at all (INSERT … ON CONFLICT DO UPDATE …
 * RETURNING the rows written).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling
 * @see https://developers.cloudflare.com/d1/platform/limits/ (one query at a time per database)
 * @see https://www.sqlite.org/lang_upsert.html
 * @see https://www.sqlite.org/lang_with.html#materialization_hints
 */
export async function reserveSignInAttempt(
  db: D1Database,
  keys: SignInThrottleKeys,
  now: number,
): Promise<SignInReservation> {
  const { pair, client, memoryMs } = SIGN_IN_THROTTLE;
  const { results } = await db
    .prepare(
      `WITH requested (key, free_attempts, first_delay_ms, max_delay_ms) AS (
         VALUES (?1, CAST(?2 AS INTEGER), CAST(?3 AS INTEGER), CAST(?4 AS INTEGER)),
                (?5, CAST(?6 AS INTEGER), CAST(?7 AS INTEGER), CAST(?8 AS INTEGER))
       ),
       existing AS MATERIALIZED (
         SELECT r.key, r.free_attempts, r.first_delay_ms, r.max_delay_ms,
                CASE WHEN t.last_attempt_at > ?9 - ?10 THEN t.failures ELSE 0 END AS failures,
                t.last_attempt_at
         FROM requested r LEFT JOIN sign_in_throttle t ON t.key = r.key
       ),
       waits AS MATERIALIZED (
         SELECT key, failures,
                CASE WHEN failures < free_attempts THEN ?9
                     ELSE last_attempt_at + min(max_delay_ms, first_delay_ms << min(failures - free_attempts, 30)) END AS allowed_at
         FROM existing
       )
       INSERT INTO sign_in_throttle (key, failures, last_attempt_at)
       SELECT key, failures + 1, CAST(?9 AS INTEGER) FROM waits WHERE (SELECT max(allowed_at) FROM waits) <= ?9
       ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_attempt_at = excluded.last_attempt_at
       RETURNING key`,
    )
    .bind(
      keys.pair,
      pair.freeAttempts,
      pair.firstDelayMs,
      pair.maxDelayMs,
      keys.client,
      client.freeAttempts,
      client.firstDelayMs,
      client.maxDelayMs,
      now,
      memoryMs,
    )
    .all();
  if (results.length === 2) return { granted: true };
  if (results.length !== 0) throw new Error(`sign-in throttle wrote ${results.length} of its 2 rows`);
  return { granted: false, retryAfterMs: await remainingWait(db, keys, now) };
}

/**
 * After a successful sign-in: the pair's count starts again (the client proved it knows this
 * password), and the client gets its reserved attempt back (an office signing in many times a
 * day is not spraying). One batch, so both or neither.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function settleSuccessfulSignIn(db: D1Database, keys: SignInThrottleKeys): Promise<void> {
  await db.batch([
    db.prepare('DELETE FROM sign_in_throttle WHERE key = ?').bind(keys.pair),
    db.prepare('UPDATE sign_in_throttle SET failures = failures - 1 WHERE key = ? AND failures > 0').bind(keys.client),
  ]);
}

/**
 * The wait after `failures` attempts under `rule` (0 while free attempts remain), doubling from
 * the first delay up to the cap: OWASP's exponential lockout. The SQL of
 * {@link reserveSignInAttempt} computes the same; the tests hold both to it.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#account-lockout
 */
export function throttleDelayMs(rule: ThrottleRule, failures: number): number {
  if (failures < rule.freeAttempts) return 0;
  return Math.min(rule.maxDelayMs, rule.firstDelayMs * 2 ** Math.min(failures - rule.freeAttempts, 30));
}

/** How long the longer of the two keys' waits still is at `now` (for Retry-After; the decision is the statement's). */
async function remainingWait(db: D1Database, keys: SignInThrottleKeys, now: number): Promise<number> {
  const { results } = await db
    .prepare(
      'SELECT key, failures, last_attempt_at AS lastAttemptAt FROM sign_in_throttle WHERE key IN (?, ?) AND last_attempt_at > ?',
    )
    .bind(keys.pair, keys.client, now - SIGN_IN_THROTTLE.memoryMs)
    .all<{ key: string; failures: number; lastAttemptAt: number }>();
  const waits = results.map((row) => {
    const rule = row.key === keys.pair ? SIGN_IN_THROTTLE.pair : SIGN_IN_THROTTLE.client;
    return row.lastAttemptAt + throttleDelayMs(rule, row.failures) - now;
  });
  // A concurrent success may have shortened the wait since the statement refused: at least 1 s.
  return Math.max(1000, ...waits);
}

/**
 * What a refused attempt answers, on every form the throttle covers (sign-in, set-password,
 * change of password): the Retry-After seconds and the sentence shown.
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function throttleRefusal(retryAfterMs: number): { retryAfterSeconds: number; message: string } {
  const seconds = Math.ceil(retryAfterMs / 1000);
  const minutes = Math.ceil(seconds / 60);
  return {
    retryAfterSeconds: seconds,
    message: `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  };
}
