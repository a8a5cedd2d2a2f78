import type { D1Database } from '@cloudflare/workers-types';
import { bytesToBase64Url } from 'kuratchi-sdk/internal/encoding';

/** Name of the session cookie (HttpOnly, Secure, SameSite=Lax). */
export const SESSION_COOKIE = 'kuratchi_session';
/** How long a session lasts. */
export const SESSION_TTL_MS = 7 * 86_400_000;

/** A signed-in user and the organisation whose emails they are looking at. */
export interface Session {
  tokenHash: string;
  user: { id: string; email: string; name: string; role: 'admin' | 'superadmin'; organizationId: string };
  organization: { id: string; name: string };
  expiresAt: number;
}

/**
 * Starts a session: a random 256-bit token for the cookie; only its SHA-256 is stored, so a
 * leaked database cannot be replayed as cookies.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html
 */
export async function createSession(db: D1Database, user: { id: string; organizationId: string }, now: number) {
  const token = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const expiresAt = now + SESSION_TTL_MS;
  await db
    .prepare(
      'INSERT INTO sessions (token_hash, user_id, active_organization_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    )
    .bind(await hashToken(token), user.id, user.organizationId, now, expiresAt)
    .run();
  return { token, expiresAt };
}

/** The session of a cookie token, or null when it is unknown or expired. */
export async function resolveSession(db: D1Database, token: string | undefined, now: number): Promise<Session | null> {
  if (!token || token.length > 100) return null;
  const tokenHash = await hashToken(token);
  const row = await db
    .prepare(
      `SELECT s.expires_at AS expiresAt, u.id AS userId, u.email, u.name, u.role, u.organization_id AS userOrganizationId,
              o.id AS organizationId, o.name AS organizationName
       FROM sessions s JOIN users u ON u.id = s.user_id JOIN organizations o ON o.id = s.active_organization_id
       WHERE s.token_hash = ? AND s.expires_at > ?`,
    )
    .bind(tokenHash, now)
    .first<{
      expiresAt: number;
      userId: string;
      email: string;
      name: string;
      role: 'admin' | 'superadmin';
      userOrganizationId: string;
      organizationId: string;
      organizationName: string;
    }>();
  if (!row) return null;
  // An admin only ever sees their own organisation, whatever the session row says.
  if (row.role !== 'superadmin' && row.organizationId !== row.userOrganizationId) return null;
  return {
    tokenHash,
    user: { id: row.userId, email: row.email, name: row.name, role: row.role, organizationId: row.userOrganizationId },
    organization: { id: row.organizationId, name: row.organizationName },
    expiresAt: row.expiresAt,
  };
}

/** Ends a session (sign-out). */
export async function deleteSession(db: D1Database, tokenHash: string): Promise<void> {
  await db.prepare('DELETE FROM sessions WHERE token_hash = ?').bind(tokenHash).run();
}

/** Points a superadmin's session at another organisation; false when not allowed or unknown. */
export async function switchOrganization(db: D1Database, session: Session, organizationId: string): Promise<boolean> {
  if (session.user.role !== 'superadmin') return false;
  const result = await db
    .prepare(
      'UPDATE sessions SET active_organization_id = ? WHERE token_hash = ? AND EXISTS (SELECT 1 FROM organizations WHERE id = ?)',
    )
    .bind(organizationId, session.tokenHash, organizationId)
    .run();
  return result.meta.changes === 1;
}

async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
