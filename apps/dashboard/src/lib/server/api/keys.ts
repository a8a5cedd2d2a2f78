import type { D1Database } from '@cloudflare/workers-types';
import { sameSecret } from 'kuratchi-sdk/internal/tracking';
import { z } from 'zod';
import { hashToken, newToken } from '../auth/tokens';
import { countRequestStatement } from './rate-limit';

/**
 * What a key may do: `read` the organisation's emails, events and suppressions; `send` email and
 * change the suppression list (a `send` key can also read).
 */
export const API_SCOPES = ['read', 'send'] as const;
/** One of {@link API_SCOPES}. */
export type ApiScope = (typeof API_SCOPES)[number];

/** A key as the dashboard lists it (never the key, never its hash). */
export interface ApiKeySummary {
  id: string;
  name: string;
  scopes: ApiScope[];
  createdAt: number;
  /** Recorded at most once a minute ({@link LAST_USE_RESOLUTION_MS}); null until first used. */
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** The key a request presented, once checked: whose it is and what it may do. */
export interface ApiCaller {
  keyId: string;
  organizationId: string;
  scopes: ApiScope[];
}

/** How stale `last_used_at` may be: one write per key per minute at most, never one per request. */
export const LAST_USE_RESOLUTION_MS = 60_000;

/** `kuratchi_<id>_<secret>`: the id names the row, the secret is 256 random bits (base64url). */
const KEY_PATTERN = /^kuratchi_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

/** A new key's name and scopes, as the dashboard's form sends them. */
export const newApiKeySchema = z.object({
  name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
  scopes: z
    .array(z.enum(API_SCOPES, { error: 'must be read or send' }))
    .min(1, 'choose at least one scope')
    .transform((scopes) => [...new Set(scopes)].sort()),
});

/** Why a change to API keys was refused (nothing was written). */
export class ApiKeyError extends Error {
  override readonly name = 'ApiKeyError';
  constructor(
    readonly code: 'invalid-request' | 'key-not-found',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Creates a key of `organizationId`: the key itself is returned once and never stored; the row
 * keeps its SHA-256 (a plain hash suffices for 256 random bits, auth/tokens.ts).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/REST_Security_Cheat_Sheet.html#api-keys
 */
export async function createApiKey(
  db: D1Database,
  input: { organizationId: string; name: unknown; scopes: unknown; createdBy: string | null; now: number },
): Promise<{ key: string; summary: ApiKeySummary }> {
  const parsed = newApiKeySchema.safeParse({ name: input.name, scopes: input.scopes });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ApiKeyError('invalid-request', `${issue.path.join('.') || 'key'} ${issue.message}`);
  }
  const id = [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const key = `kuratchi_${id}_${newToken()}`;
  const { name, scopes } = parsed.data;
  await db
    .prepare(
      `INSERT INTO api_keys (id, organization_id, name, scopes, key_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(id, input.organizationId, name, scopes.join(','), await hashToken(key), input.createdBy, input.now)
    .run();
  return { key, summary: { id, name, scopes, createdAt: input.now, lastUsedAt: null, revokedAt: null } };
}

/** The keys of one organisation, newest first, revoked ones included. */
export async function listApiKeys(db: D1Database, organizationId: string): Promise<ApiKeySummary[]> {
  const { results } = await db
    .prepare(
      `SELECT id, name, scopes, created_at AS createdAt, last_used_at AS lastUsedAt, revoked_at AS revokedAt
       FROM api_keys WHERE organization_id = ? ORDER BY created_at DESC, id`,
    )
    .bind(organizationId)
    .all<Omit<ApiKeySummary, 'scopes'> & { scopes: string }>();
  return results.map((row) => ({ ...row, scopes: row.scopes.split(',') as ApiScope[] }));
}

/**
 * Revokes a key of `organizationId` (a key of another organisation is not found): every request
 * with it is refused from now on. Revoking twice keeps the first time.
 */
export async function revokeApiKey(db: D1Database, organizationId: string, id: string, now: number): Promise<void> {
  const row = await db
    .prepare(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND organization_id = ? RETURNING id`,
    )
    .bind(now, id, organizationId)
    .first();
  if (!row) throw new ApiKeyError('key-not-found', 'no such API key in this organisation');
}

/**
 * Checks a bearer key and counts its request, in ONE batch (one round trip to the admin
 * database, one transaction): the key's row by primary key, its last use recorded when the
 * recorded one is older than {@link LAST_USE_RESOLUTION_MS} (a conditional UPDATE, so concurrent
 * requests write once), and the request counted in the key's rate-limit window
 * ({@link countRequestStatement}). Both writes are conditioned in SQL on the key's hash matching
 * and the key not being revoked, so a malformed, unknown, wrong or revoked key writes nothing; the
 * answer itself is decided here on the row as the batch read it, the SHA-256 of the presented key
 * compared with the stored one in constant time (`sameSecret`, WebCrypto's `timingSafeEqual`).
 * Returns the caller and its request's number in the key's current rate-limit window, or null
 * for a key refused: a revocation, or the removal of the key's organisation, committed before the
 * batch refuses it at once (whatever an isolate has cached of where the organisation lives).
 * `keyHash` is {@link hashToken} of `key` when the caller has it already.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 * @see https://developers.cloudflare.com/workers/runtime-apis/web-crypto/#timingsafeequal
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export async function authenticateApiKey(
  db: D1Database,
  key: string,
  now: number,
  keyHash?: string,
): Promise<{ caller: ApiCaller; requests: number } | null> {
  const id = KEY_PATTERN.exec(key)?.[1];
  if (!id) return null;
  keyHash ??= await hashToken(key);
  const [read, , counted] = await db.batch([
    db
      .prepare(
        `SELECT k.organization_id AS organizationId, k.scopes, k.key_hash AS keyHash, k.revoked_at AS revokedAt,
                o.id IS NULL OR o.removed_at IS NOT NULL AS organizationGone
         FROM api_keys AS k LEFT JOIN organizations AS o ON o.id = k.organization_id WHERE k.id = ?`,
      )
      .bind(id),
    db
      .prepare(
        `UPDATE api_keys SET last_used_at = ?
         WHERE id = ? AND key_hash = ? AND revoked_at IS NULL AND coalesce(last_used_at, 0) <= ?`,
      )
      .bind(now, id, keyHash, now - LAST_USE_RESOLUTION_MS),
    countRequestStatement(db, id, keyHash, now),
  ]);
  const row = read?.results[0] as
    | { organizationId: string; scopes: string; keyHash: string; revokedAt: number | null; organizationGone: number }
    | undefined;
  if (!row || !(await sameSecret(keyHash, row.keyHash)) || row.revokedAt !== null || row.organizationGone) return null;
  return {
    caller: { keyId: id, organizationId: row.organizationId, scopes: row.scopes.split(',') as ApiScope[] },
    requests: (counted?.results[0] as { requests: number } | undefined)?.requests ?? 1,
  };
}
