import type { D1Database } from '@cloudflare/workers-types';
import { ApiProblem } from './problem';

/** The length of a rate-limit window. */
export const RATE_WINDOW_MS = 60_000;

/** The policy's name in the RateLimit and RateLimit-Policy fields. */
const POLICY = '"per-key"';

/** Where a key stands in its current window, and the header fields that say so. */
export interface RateLimitState {
  allowed: boolean;
  headers: Record<string, string>;
}

/**
 * The statement that counts one request of the key `apiKeyId` in its current fixed window of a
 * minute (one UPSERT in the admin database: concurrent requests each get their own count,
 * returned as `requests`), run in the same batch as the key check (`authenticateApiKey`). It
 * counts only for the key with this `keyHash`, not revoked, so a wrong or revoked key (or the
 * id of another's key) neither writes a window nor uses up the key's limit. A D1 counter rather
 * than Cloudflare's Rate Limiting binding: the binding answers only allowed-or-not (no remaining
 * count for the fields) and takes its limit from wrangler.toml, not from a setting. Old windows
 * are deleted by the cron ({@link purgeRateWindows}).
 * @see https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/
 * @see https://www.sqlite.org/lang_upsert.html (an INSERT ... SELECT upsert needs its WHERE)
 */
export function countRequestStatement(db: D1Database, apiKeyId: string, keyHash: string, now: number) {
  return db
    .prepare(
      `INSERT INTO api_rate_windows (api_key_id, window_start, requests)
       SELECT id, ?, 1 FROM api_keys WHERE id = ? AND key_hash = ? AND revoked_at IS NULL
       ON CONFLICT DO UPDATE SET requests = requests + 1 RETURNING requests`,
    )
    .bind(windowStartOf(now), apiKeyId, keyHash);
}

/**
 * Whether the `requests`-th request of a key's current window is within `limit`, with the
 * answer's `RateLimit-Policy` and `RateLimit` fields after the IETF draft (quota `q`, window `w`,
 * remaining `r`, seconds to reset `t`); past the limit it adds `Retry-After`.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/10/
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function rateLimitState(requests: number, limit: number, now: number): RateLimitState {
  const reset = Math.max(1, Math.ceil((windowStartOf(now) + RATE_WINDOW_MS - now) / 1000));
  const headers: Record<string, string> = {
    'ratelimit-policy': `${POLICY};q=${limit};w=${RATE_WINDOW_MS / 1000}`,
    ratelimit: `${POLICY};r=${Math.max(0, limit - requests)};t=${reset}`,
  };
  if (requests <= limit) return { allowed: true, headers };
  return { allowed: false, headers: { ...headers, 'retry-after': String(reset) } };
}

const windowStartOf = (now: number) => Math.floor(now / RATE_WINDOW_MS) * RATE_WINDOW_MS;

/** The 429 problem of a key past its limit. */
export function rateLimited(state: RateLimitState): ApiProblem {
  return new ApiProblem(
    'rate-limited',
    'this key made too many requests: retry after the Retry-After seconds',
    {},
    state.headers,
  );
}

/** Deletes the windows that have ended (the cron); how many. */
export async function purgeRateWindows(db: D1Database, now: number): Promise<number> {
  return (await db.prepare('DELETE FROM api_rate_windows WHERE window_start < ?').bind(windowStartOf(now)).run()).meta
    .changes;
}
