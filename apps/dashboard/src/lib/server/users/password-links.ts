import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import { hashToken, newToken } from '../auth/tokens';

/**
 * How long a set-password link works: 72 hours from when it is issued, long enough for an
 * invitation sent on a Friday to be opened on Monday, short enough that a link forgotten in a
 * mailbox soon stops being a way in. One lifetime for invitations and resets alike.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html#url-tokens
 */
export const PASSWORD_LINK_TTL_MS = 72 * 3_600_000;

/** The page a link opens (public: the link is the credential). */
export const SET_PASSWORD_PATH = '/auth/set-password';

/** Why a link was issued: a new user's invitation, or a superadmin's reset of a password. */
export type PasswordLinkPurpose = 'invitation' | 'reset';

/** A link as shown to whoever issued it (and mailed to its user when mail is configured). */
export interface PasswordLink {
  url: string;
  purpose: PasswordLinkPurpose;
  expiresAt: number;
}

/** What a link is: valid (for this user), or why not. */
export type PasswordLinkState =
  | {
      state: 'valid';
      user: { id: string; email: string; name: string };
      purpose: PasswordLinkPurpose;
      expiresAt: number;
    }
  | { state: 'expired' | 'used' | 'unknown' };

/** What the person holding a link is told when it does not work. */
export const PASSWORD_LINK_REFUSALS: Record<Exclude<PasswordLinkState['state'], 'valid'>, string> = {
  expired: 'This link has expired. Ask a superadmin for a new one.',
  used: 'This link was already used. Sign in with the password you set, or ask a superadmin for a new link.',
  unknown: 'This link is not valid (it may have been replaced by a newer one). Ask a superadmin for a new one.',
};

/**
 * A new link for `userId`: its token (for the URL only; never stored) and the statements that
 * store its hash, deleting the user's other unused links (only the newest works), to run in the
 * caller's batch. `userSelect`: SQL that yields the user's id, so that the link is written only
 * if the user row is (`SELECT id FROM users WHERE id = ?`).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html#url-tokens
 */
export async function passwordLinkStatements(
  db: D1Database,
  userId: string,
  purpose: PasswordLinkPurpose,
  createdBy: string,
  now: number,
): Promise<{ token: string; expiresAt: number; statements: D1PreparedStatement[] }> {
  const token = newToken();
  const tokenHash = await hashToken(token);
  const expiresAt = now + PASSWORD_LINK_TTL_MS;
  return {
    token,
    expiresAt,
    statements: [
      db.prepare('DELETE FROM password_links WHERE user_id = ? AND used_at IS NULL').bind(userId),
      db
        .prepare(
          `INSERT INTO password_links (token_hash, user_id, purpose, created_by, created_at, expires_at)
           SELECT ?, id, ?, ?, ?, ? FROM users WHERE id = ?`,
        )
        .bind(tokenHash, purpose, createdBy, now, expiresAt, userId),
    ],
  };
}

/** The URL of a link on the dashboard at `origin` (`https://dash.example.com`). */
export function passwordLinkUrl(origin: string, token: string): string {
  const url = new URL(SET_PASSWORD_PATH, origin);
  url.searchParams.set('token', token);
  return url.href;
}

/**
 * What the link of `token` is at `now`. Reading it is not throttled (the set-password page shows
 * whose account it is): a token has 256 random bits, beyond guessing; setting a password with
 * one is throttled like a sign-in.
 */
export async function inspectPasswordLink(
  db: D1Database,
  token: string | null | undefined,
  now: number,
): Promise<PasswordLinkState> {
  if (!token || token.length > 100) return { state: 'unknown' };
  const row = await db
    .prepare(
      `SELECT l.purpose, l.expires_at AS expiresAt, l.used_at AS usedAt, u.id, u.email, u.name
       FROM password_links l JOIN users u ON u.id = l.user_id WHERE l.token_hash = ?`,
    )
    .bind(await hashToken(token))
    .first<{
      purpose: PasswordLinkPurpose;
      expiresAt: number;
      usedAt: number | null;
      id: string;
      email: string;
      name: string;
    }>();
  if (!row) return { state: 'unknown' };
  if (row.usedAt !== null) return { state: 'used' };
  if (row.expiresAt <= now) return { state: 'expired' };
  return {
    state: 'valid',
    user: { id: row.id, email: row.email, name: row.name },
    purpose: row.purpose,
    expiresAt: row.expiresAt,
  };
}

/**
 * Sets the password of the link's user to `passwordHash` and uses the link up, in one D1 batch
 * (one transaction): every statement is conditioned on the link being unused and unexpired as
 * the batch starts, and the last one marks it used, so that of two concurrent uses exactly one
 * sets a password. The user's sessions end and their other links are deleted.
 * @returns `set`, or why nothing was written
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html#url-tokens
 */
export async function setPasswordWithLink(
  db: D1Database,
  token: string,
  passwordHash: string,
  now: number,
): Promise<'set' | 'expired' | 'used' | 'unknown'> {
  const tokenHash = await hashToken(token);
  const linkUser = '(SELECT user_id FROM password_links WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2)';
  const results = await db.batch([
    db.prepare(`UPDATE users SET password_hash = ?3 WHERE id = ${linkUser}`).bind(tokenHash, now, passwordHash),
    db.prepare(`DELETE FROM sessions WHERE user_id = ${linkUser}`).bind(tokenHash, now),
    db.prepare(`DELETE FROM password_links WHERE user_id = ${linkUser} AND token_hash != ?1`).bind(tokenHash, now),
    db
      .prepare('UPDATE password_links SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2')
      .bind(tokenHash, now),
  ]);
  if (results[3]!.meta.changes === 1) return 'set';
  const state = await inspectPasswordLink(db, token, now);
  // Valid now but not a moment ago cannot happen: a link is never made valid again.
  return state.state === 'valid' ? 'unknown' : state.state;
}
