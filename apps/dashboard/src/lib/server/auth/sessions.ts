import type { D1Database } from '@cloudflare/workers-types';
import { hashToken, newToken } from './tokens';

/** Name of the session cookie (HttpOnly, Secure, SameSite=Lax). */
export const SESSION_COOKIE = 'kuratchi_session';
/** How long a session lasts. */
export const SESSION_TTL_MS = 7 * 86_400_000;

/**
 * A signed-in user and the organisation whose emails they are looking at, if any: null only for
 * a superadmin while the deployment has no organisation yet (`locals.signedIn`).
 */
export interface SignedIn {
  tokenHash: string;
  /** `organizationId`: the user's own organisation; null for a superadmin who has none. */
  user: { id: string; email: string; name: string; role: 'admin' | 'superadmin'; organizationId: string | null };
  organization: { id: string; name: string } | null;
  expiresAt: number;
}

/** A signed-in user looking at an organisation (`locals.session`): every page but the few that need none. */
export interface Session extends SignedIn {
  organization: { id: string; name: string };
}

/**
 * Starts a session: a random 256-bit token for the cookie; only its SHA-256 is stored, so a
 * leaked database cannot be replayed as cookies.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html
 */
export async function createSession(db: D1Database, user: { id: string; organizationId: string | null }, now: number) {
  const token = newToken();
  const expiresAt = now + SESSION_TTL_MS;
  await db
    .prepare(
      'INSERT INTO sessions (token_hash, user_id, active_organization_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    )
    .bind(await hashToken(token), user.id, user.organizationId, now, expiresAt)
    .run();
  return { token, expiresAt };
}

/**
 * The session of a cookie token, or null when it is unknown or expired. A superadmin's session
 * that names no organisation (or one since gone or removed) looks at the first organisation by
 * id; its `organization` is null only while there is none. An admin of a removed organisation
 * has no session: nothing of it is shown any more.
 */
export async function resolveSession(db: D1Database, token: string | undefined, now: number): Promise<SignedIn | null> {
  if (!token || token.length > 100) return null;
  const tokenHash = await hashToken(token);
  const row = await db
    .prepare(
      `SELECT s.expires_at AS expiresAt, u.id AS userId, u.email, u.name, u.role, u.organization_id AS userOrganizationId,
              o.id AS organizationId, o.name AS organizationName
       FROM sessions s JOIN users u ON u.id = s.user_id
       LEFT JOIN organizations o ON o.id = CASE
         WHEN u.role = 'superadmin' AND NOT EXISTS (SELECT 1 FROM organizations WHERE id = s.active_organization_id AND removed_at IS NULL)
         THEN (SELECT id FROM organizations WHERE removed_at IS NULL ORDER BY id LIMIT 1)
         ELSE s.active_organization_id END AND o.removed_at IS NULL
       WHERE s.token_hash = ? AND s.expires_at > ?`,
    )
    .bind(tokenHash, now)
    .first<{
      expiresAt: number;
      userId: string;
      email: string;
      name: string;
      role: 'admin' | 'superadmin';
      userOrganizationId: string | null;
      organizationId: string | null;
      organizationName: string | null;
    }>();
  if (!row) return null;
  // An admin only ever sees their own organisation, whatever the session row says.
  if (row.role !== 'superadmin' && (row.organizationId === null || row.organizationId !== row.userOrganizationId)) {
    return null;
  }
  return {
    tokenHash,
    user: { id: row.userId, email: row.email, name: row.name, role: row.role, organizationId: row.userOrganizationId },
    organization:
      row.organizationId === null ? null : { id: row.organizationId, name: row.organizationName ?? row.organizationId },
    expiresAt: row.expiresAt,
  };
}

/** Ends a session (sign-out). */
export async function deleteSession(db: D1Database, tokenHash: string): Promise<void> {
  await db.prepare('DELETE FROM sessions WHERE token_hash = ?').bind(tokenHash).run();
}

/** Points a superadmin's session at another organisation; false when not allowed or unknown. */
export async function switchOrganization(db: D1Database, session: SignedIn, organizationId: string): Promise<boolean> {
  if (session.user.role !== 'superadmin') return false;
  const result = await db
    .prepare(
      'UPDATE sessions SET active_organization_id = ? WHERE token_hash = ? AND EXISTS (SELECT 1 FROM organizations WHERE id = ? AND removed_at IS NULL)',
    )
    .bind(organizationId, session.tokenHash, organizationId)
    .run();
  return result.meta.changes === 1;
}
