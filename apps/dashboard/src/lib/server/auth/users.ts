import type { D1Database } from '@cloudflare/workers-types';

/** A dashboard user as sign-in needs it. */
export interface UserRecord {
  id: string;
  email: string;
  /** Null for a superadmin who belongs to no organisation. */
  organizationId: string | null;
  /** Null until the user has set a password (an invitation or a reset is pending). */
  passwordHash: string | null;
}

/** The user with this email address (case-insensitive), or null. */
export function findUserByEmail(db: D1Database, email: string): Promise<UserRecord | null> {
  return db
    .prepare(
      'SELECT id, email, organization_id AS organizationId, password_hash AS passwordHash FROM users WHERE email = ?',
    )
    .bind(email.trim().toLowerCase())
    .first<UserRecord>();
}

/** Every organisation (for a superadmin's switcher). */
export async function listOrganizations(db: D1Database): Promise<Array<{ id: string; name: string }>> {
  const { results } = await db
    .prepare('SELECT id, name FROM organizations WHERE removed_at IS NULL ORDER BY name')
    .all<{ id: string; name: string }>();
  return results;
}
