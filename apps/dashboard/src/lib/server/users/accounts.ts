import type { D1Database } from '@cloudflare/workers-types';
import { z } from 'zod';
import { UserError } from './errors';
import { passwordLinkStatements, passwordLinkUrl, type PasswordLink, type PasswordLinkPurpose } from './password-links';

/** What a user may do: an admin sees their organisation; a superadmin every one, and manages users. */
export type Role = 'admin' | 'superadmin';

/** A user as the Users page and `kuratchi-ses user list` show them (never a hash). */
export interface UserSummary {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** Their organisation; null for a superadmin who has none. */
  organizationId: string | null;
  /** `invited`: no password yet (an invitation, or a reset, is pending); `active`: can sign in. */
  status: 'active' | 'invited';
  createdAt: number;
  /** Their unused link, if any: why it was issued and until when it works. */
  pendingLink: { purpose: PasswordLinkPurpose; expiresAt: number } | null;
}

/**
 * Who manages users: a signed-in superadmin, or the holder of the operations token (the CLI).
 * Named in the links' `created_by` and in the log.
 */
export type Actor = { kind: 'superadmin'; userId: string; email: string } | { kind: 'ops-token' };

/** What a change to users needs: the admin database, who asks, when, and the dashboard's origin (for links). */
export interface UserChange {
  db: D1Database;
  actor: Actor;
  now: number;
  /** `https://dash.example.com`: links point there. */
  origin: string;
}

/** A user and the one-time link just issued for them. */
export interface IssuedLink {
  user: UserSummary;
  link: PasswordLink;
}

/** The longest email address there is (RFC 5321's 256-octet path less its angle brackets). */
const MAX_EMAIL_LENGTH = 254;

/** An email address as users are kept: trimmed, lower-cased. */
export const emailSchema = z
  .string({ error: 'is required' })
  .trim()
  .toLowerCase()
  .max(MAX_EMAIL_LENGTH, `must be at most ${MAX_EMAIL_LENGTH} characters`)
  .pipe(z.email('must be an email address'));

const newUserSchema = z
  .object({
    email: emailSchema,
    name: z.string().trim().max(200, 'must be at most 200 characters').optional(),
    role: z.enum(['admin', 'superadmin'], { error: 'must be admin or superadmin' }),
    organizationId: z.string().trim().min(1, 'must not be empty').max(64).optional(),
  })
  .strict()
  .refine((u) => u.role === 'superadmin' || u.organizationId !== undefined, {
    path: ['organizationId'],
    message: 'is required for an admin (the organisation they see)',
  });

/** A new user as {@link createUser} takes it. */
export type NewUser = z.input<typeof newUserSchema>;

/** Input that a schema refuses, as a {@link UserError} naming each field. */
export function invalidInput(error: z.ZodError): UserError {
  const problems = error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
  return new UserError('invalid-request', problems.join('; '));
}

/**
 * Creates a user without a password and issues their invitation: a one-time link to set it
 * (`password-links.ts`). The user row and the link are written in one D1 batch, or neither.
 * An admin belongs to an existing organisation; a superadmin may belong to none.
 * @throws {UserError} `invalid-request`, `organization-not-found`, `user-exists` (nothing written).
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function createUser(change: UserChange, input: unknown): Promise<IssuedLink> {
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error);
  const { email, role, organizationId } = parsed.data;
  const name = parsed.data.name || email.split('@')[0]!;
  const { db, now } = change;
  if (organizationId !== undefined) {
    const organization = await db
      .prepare('SELECT id FROM organizations WHERE id = ? AND removed_at IS NULL')
      .bind(organizationId)
      .first();
    if (!organization) throw new UserError('organization-not-found', `no organisation ${organizationId}`);
  }
  const id = `user-${crypto.randomUUID()}`;
  const link = await passwordLinkStatements(db, id, 'invitation', actorName(change.actor), now);
  const [inserted] = await db.batch([
    db
      .prepare(
        `INSERT INTO users (id, email, name, organization_id, role, password_hash, created_at)
         VALUES (?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (email) DO NOTHING`,
      )
      .bind(id, email, name, organizationId ?? null, role, now),
    ...link.statements,
  ]);
  if (inserted!.meta.changes !== 1) throw new UserError('user-exists', `a user ${email} already exists`);
  log('user-invited', change, { email, role, organizationId: organizationId ?? null });
  return issued(change, await requireUser(db, email, now), link, 'invitation');
}

/**
 * Every user (of one organisation, when given), by email address.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export async function listUsers(
  db: D1Database,
  now: number,
  filter: { organizationId?: string } = {},
): Promise<UserSummary[]> {
  const { results } = await db
    .prepare(`${SUMMARY_SELECT} WHERE (?2 IS NULL OR u.organization_id = ?2) ORDER BY u.email`)
    .bind(now, filter.organizationId ?? null)
    .all<SummaryRow>();
  return results.map(summary);
}

/** The user with this address, or null. */
export async function findUserSummary(db: D1Database, email: string, now: number): Promise<UserSummary | null> {
  const row = await db.prepare(`${SUMMARY_SELECT} WHERE u.email = ?2`).bind(now, email).first<SummaryRow>();
  return row ? summary(row) : null;
}

/**
 * Resets the password of the user `{ email }`: the password is cleared (the old one stops working at once), every
 * session of theirs ends, and a new one-time link is issued (their other links stop working);
 * one D1 batch.
 * @throws {UserError} `invalid-request` for a malformed address, `user-not-found`.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 */
export async function resetPassword(change: UserChange, input: unknown): Promise<IssuedLink> {
  const { db, now } = change;
  const user = await requireUser(db, parseEmail(input), now);
  const link = await passwordLinkStatements(db, user.id, 'reset', actorName(change.actor), now);
  await db.batch([
    db.prepare('UPDATE users SET password_hash = NULL WHERE id = ?').bind(user.id),
    db.prepare('DELETE FROM sessions WHERE user_id = ?').bind(user.id),
    ...link.statements,
  ]);
  log('password-reset', change, { email: user.email });
  return issued(change, await requireUser(db, user.email, now), link, 'reset');
}

/**
 * Removes the user `{ email }`, their sessions and their links (one D1 batch). A superadmin cannot remove
 * themselves from the dashboard (another superadmin, or the operations token, can).
 * @throws {UserError} `invalid-request`, `user-not-found`, `own-account`.
 */
export async function removeUser(change: UserChange, input: unknown): Promise<UserSummary> {
  const { db, actor, now } = change;
  const user = await requireUser(db, parseEmail(input), now);
  if (actor.kind === 'superadmin' && actor.userId === user.id) {
    throw new UserError('own-account', 'you cannot remove your own account: ask another superadmin');
  }
  const [, , deleted] = await db.batch([
    db.prepare('DELETE FROM sessions WHERE user_id = ?').bind(user.id),
    db.prepare('DELETE FROM password_links WHERE user_id = ?').bind(user.id),
    db.prepare('DELETE FROM users WHERE id = ?').bind(user.id),
  ]);
  if (deleted!.meta.changes !== 1) throw new UserError('user-not-found', `no user ${user.email}`);
  log('user-removed', change, { email: user.email });
  return user;
}

/** `created_by` of a link and `by` of a log line. */
function actorName(actor: Actor): string {
  return actor.kind === 'ops-token' ? 'ops-token' : actor.email;
}

const whichUserSchema = z.object({ email: emailSchema }).strict();

/** `{ email }` of a reset or a removal, validated. */
function parseEmail(input: unknown): string {
  const parsed = whichUserSchema.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error);
  return parsed.data.email;
}

async function requireUser(db: D1Database, email: string, now: number): Promise<UserSummary> {
  const user = await findUserSummary(db, email, now);
  if (!user) throw new UserError('user-not-found', `no user ${email}`);
  return user;
}

function issued(
  change: UserChange,
  user: UserSummary,
  link: { token: string; expiresAt: number },
  purpose: PasswordLinkPurpose,
): IssuedLink {
  return { user, link: { url: passwordLinkUrl(change.origin, link.token), purpose, expiresAt: link.expiresAt } };
}

/** An audit line in the Worker's log (Workers Logs): who changed which user. */
function log(msg: string, change: UserChange, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ msg, by: actorName(change.actor), ...fields }));
}

/** ?1: now (a link counts as pending until it expires). */
const SUMMARY_SELECT = `SELECT u.id, u.email, u.name, u.role, u.organization_id AS organizationId,
         u.password_hash IS NOT NULL AS active, u.created_at AS createdAt,
         l.purpose AS linkPurpose, l.expires_at AS linkExpiresAt
  FROM users u LEFT JOIN password_links l
    ON l.user_id = u.id AND l.used_at IS NULL AND l.expires_at > ?1`;

interface SummaryRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  organizationId: string | null;
  active: number;
  createdAt: number;
  linkPurpose: PasswordLinkPurpose | null;
  linkExpiresAt: number | null;
}

function summary(row: SummaryRow): UserSummary {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    organizationId: row.organizationId,
    status: row.active ? 'active' : 'invited',
    createdAt: row.createdAt,
    pendingLink:
      row.linkPurpose && row.linkExpiresAt !== null ? { purpose: row.linkPurpose, expiresAt: row.linkExpiresAt } : null,
  };
}
