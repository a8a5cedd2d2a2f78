import type { D1Database } from '@cloudflare/workers-types';
import { hashToken } from '../auth/tokens';
import { ApiProblem, problemResponse } from './problem';
import { invalid } from './route';

/** How long the first answer to an `Idempotency-Key` is kept and replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/** A key clients may send: 1 to 255 printable ASCII characters (a UUID, say). */
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Runs `answer` at most once per API key and `Idempotency-Key` within 24 hours: the first request
 * reserves the key (an INSERT that only one concurrent request wins), runs and stores its answer;
 * a retry with the same body gets that answer again (`Idempotent-Replayed: true`), one with
 * another body 422, one while the first still runs 409. A refusal (an {@link ApiProblem} under
 * 500) is an answer like any other; an answer that throws, or a 5xx, is not kept (the reservation
 * is released), so the client may retry. Without the header, `answer` just runs.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
 */
export async function idempotent(
  db: D1Database,
  input: { apiKeyId: string; key: string | null; body: string; now: number },
  answer: () => Promise<Response>,
): Promise<Response> {
  if (input.key === null) return answer();
  if (!KEY.test(input.key)) {
    throw invalid([{ path: 'header.Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' }]);
  }
  const requestHash = await hashToken(input.body);
  const [, reserved] = await db.batch([
    db
      .prepare('DELETE FROM api_idempotency WHERE api_key_id = ? AND idempotency_key = ? AND created_at <= ?')
      .bind(input.apiKeyId, input.key, input.now - IDEMPOTENCY_TTL_MS),
    db
      .prepare(
        `INSERT INTO api_idempotency (api_key_id, idempotency_key, request_hash, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING RETURNING 1 AS reserved`,
      )
      .bind(input.apiKeyId, input.key, requestHash, input.now),
  ]);
  if (!reserved?.results.length) return replay(db, input.apiKeyId, input.key, requestHash);
  let response: Response | null = null;
  try {
    response = await answer().catch((cause: unknown) => {
      if (cause instanceof ApiProblem) return problemResponse(cause);
      throw cause;
    });
  } finally {
    // A failure, or a 5xx a retry may fix (SES throttling, a database that is moving): not kept.
    if (!response || response.status >= 500) {
      await db
        .prepare('DELETE FROM api_idempotency WHERE api_key_id = ? AND idempotency_key = ?')
        .bind(input.apiKeyId, input.key)
        .run();
    }
  }
  if (response.status >= 500) return response;
  const body = await response.clone().text();
  await db
    .prepare('UPDATE api_idempotency SET status = ?, body = ? WHERE api_key_id = ? AND idempotency_key = ?')
    .bind(response.status, body, input.apiKeyId, input.key)
    .run();
  return response;
}

async function replay(db: D1Database, apiKeyId: string, key: string, requestHash: string): Promise<Response> {
  const row = await db
    .prepare(
      'SELECT request_hash AS requestHash, status, body FROM api_idempotency WHERE api_key_id = ? AND idempotency_key = ?',
    )
    .bind(apiKeyId, key)
    .first<{ requestHash: string; status: number | null; body: string | null }>();
  if (row && row.requestHash !== requestHash) {
    throw new ApiProblem('idempotency-key-reused', 'this Idempotency-Key was used with another request body');
  }
  if (!row || row.status === null || row.body === null) {
    throw new ApiProblem('idempotency-key-in-use', 'a request with this Idempotency-Key is still being answered');
  }
  const type = row.status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(row.body, {
    status: row.status,
    headers: { 'content-type': type, 'idempotent-replayed': 'true' },
  });
}

/** Deletes the answers older than {@link IDEMPOTENCY_TTL_MS} (the cron); how many. */
export async function purgeIdempotencyKeys(db: D1Database, now: number): Promise<number> {
  const result = await db
    .prepare('DELETE FROM api_idempotency WHERE created_at <= ?')
    .bind(now - IDEMPOTENCY_TTL_MS)
    .run();
  return result.meta.changes;
}
