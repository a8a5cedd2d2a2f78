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
 * Counts one request of `apiKeyId` in its current fixed window of a minute (one UPSERT in the
 * admin database: concurrent requests each get their own count) and says whether it is within
 * `limit`. The answer's `RateLimit-Policy` and `RateLimit` fields follow the IETF draft (quota
 * `q`, window `w`, remaining `r`, seconds to reset `t`); past the limit it adds `Retry-After`.
 * A D1 counter rather than Cloudflare's Rate Limiting binding: the binding answers only
 * allowed-or-not (no remaining count for the fields) and takes its limit from wrangler.toml, not
 * from a setting. Old windows are deleted by the cron ({@link purgeRateWindows}).
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/10/
 * @see https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export async function countRequest(
  db: D1Database,
  apiKeyId: string,
  limit: number,
  now: number,
): Promise<RateLimitState> {
  const windowStart = Math.floor(now / RATE_WINDOW_MS) * RATE_WINDOW_MS;
  const row = await db
    .prepare(
      `INSERT INTO api_rate_windows (api_key_id, window_start, requests) VALUES (?, ?, 1)
       ON CONFLICT DO UPDATE SET requests = requests + 1 RETURNING requests`,
    )
    .bind(apiKeyId, windowStart)
    .first<{ requests: number }>();
  const requests = row?.requests ?? 1;
  const reset = Math.max(1, Math.ceil((windowStart + RATE_WINDOW_MS - now) / 1000));
  const headers: Record<string, string> = {
    'ratelimit-policy': `${POLICY};q=${limit};w=${RATE_WINDOW_MS / 1000}`,
    ratelimit: `${POLICY};r=${Math.max(0, limit - requests)};t=${reset}`,
  };
  if (requests <= limit) return { allowed: true, headers };
  return { allowed: false, headers: { ...headers, 'retry-after': String(reset) } };
}

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
  const current = Math.floor(now / RATE_WINDOW_MS) * RATE_WINDOW_MS;
  return (await db.prepare('DELETE FROM api_rate_windows WHERE window_start < ?').bind(current).run()).meta.changes;
}
