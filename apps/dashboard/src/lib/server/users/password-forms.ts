import type { D1Database } from '@cloudflare/workers-types';
import { hashPassword, verifyPassword } from '../auth/password';
import { passwordProblem } from '../auth/password-policy';
import {
  reserveSignInAttempt,
  settleSuccessfulSignIn,
  signInThrottleKeys,
  throttleRefusal,
} from '../auth/sign-in-throttle';
import type { SignedIn } from '../auth/sessions';
import { inspectPasswordLink, PASSWORD_LINK_REFUSALS, setPasswordWithLink } from './password-links';

/**
 * What a password form answers: done, or refused with the HTTP status, the sentence shown, and
 * for 429 the Retry-After seconds. Nothing is written when it is refused.
 */
export type PasswordFormResult =
  | { ok: true; email: string }
  | { ok: false; status: 400 | 404 | 409 | 410 | 429; error: string; retryAfterSeconds?: number };

/** The fields of the two forms (strings as posted; missing ones are empty). */
export interface PasswordFields {
  password: string;
  confirm: string;
}

/**
 * The address part of the throttle key of set-password attempts from one client: every link
 * tried from that client counts against it (a guessed token is a failed attempt), as the
 * addresses tried at sign-in do; a client's own key is shared with sign-in.
 */
const SET_PASSWORD_THROTTLE_ADDRESS = 'set-password-link';

const refused = (status: 400 | 404 | 409 | 410, error: string): PasswordFormResult => ({ ok: false, status, error });

/** Compared against when the user has no password (an account whose reset is pending), so both take as long. */
const decoyHash = hashPassword('decoy password');

/**
 * Sets a password with a one-time link (`/auth/set-password`): the two entries must match; the
 * attempt is counted by the sign-in throttle before the link is checked (an unknown, used or
 * expired link is a failed attempt; a valid one gives the attempt back), then the password must
 * pass the policy (`password-policy.ts`), then it is set and the link used up in one batch
 * (`setPasswordWithLink`), which ends the user's sessions.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling
 */
export async function setPasswordFromLink(
  db: D1Database,
  token: string,
  fields: PasswordFields,
  client: string,
  now: number,
): Promise<PasswordFormResult> {
  const mismatch = entriesProblem(fields);
  if (mismatch) return refused(400, mismatch);
  const keys = signInThrottleKeys(SET_PASSWORD_THROTTLE_ADDRESS, client);
  const reservation = await reserveSignInAttempt(db, keys, now);
  if (!reservation.granted) return throttled(reservation.retryAfterMs);
  const link = await inspectPasswordLink(db, token, now);
  if (link.state !== 'valid') return linkRefused(link.state);
  await settleSuccessfulSignIn(db, keys);
  const problem = await passwordProblem(fields.password, link.user);
  if (problem) return refused(400, problem);
  const outcome = await setPasswordWithLink(db, token, await hashPassword(fields.password), now);
  return outcome === 'set' ? { ok: true, email: link.user.email } : linkRefused(outcome);
}

/**
 * A signed-in user changes their password (`/account`): the current one is required and checked
 * under the sign-in throttle of their address (a wrong one is a failed sign-in attempt), the new
 * one must pass the policy, and every other session of theirs ends; the one that changed it goes on.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#change-password-feature
 */
export async function changePassword(
  db: D1Database,
  signedIn: SignedIn,
  fields: PasswordFields & { current: string },
  client: string,
  now: number,
): Promise<PasswordFormResult> {
  if (!fields.current) return refused(400, 'Enter your current password.');
  const mismatch = entriesProblem(fields);
  if (mismatch) return refused(400, mismatch);
  const keys = signInThrottleKeys(signedIn.user.email, client);
  const reservation = await reserveSignInAttempt(db, keys, now);
  if (!reservation.granted) return throttled(reservation.retryAfterMs);
  const row = await db
    .prepare('SELECT password_hash AS passwordHash FROM users WHERE id = ?')
    .bind(signedIn.user.id)
    .first<{ passwordHash: string | null }>();
  const valid = await verifyPassword(fields.current, row?.passwordHash ?? (await decoyHash));
  if (!row?.passwordHash || !valid) return refused(400, 'Your current password is wrong.');
  await settleSuccessfulSignIn(db, keys);
  if (fields.password === fields.current) return refused(400, 'The new password is the one you have: choose another.');
  const problem = await passwordProblem(fields.password, signedIn.user);
  if (problem) return refused(400, problem);
  const [updated] = await db.batch([
    // Only over the hash just checked: a change made meanwhile (another session, a reset) wins.
    db
      .prepare('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?')
      .bind(await hashPassword(fields.password), signedIn.user.id, row.passwordHash),
    db
      .prepare(
        'DELETE FROM sessions WHERE user_id = ? AND token_hash != ? AND EXISTS (SELECT 1 FROM users WHERE id = ? AND password_hash != ?)',
      )
      .bind(signedIn.user.id, signedIn.tokenHash, signedIn.user.id, row.passwordHash),
  ]);
  if (updated!.meta.changes !== 1) return refused(409, 'Your password was changed meanwhile: sign in again.');
  console.log(JSON.stringify({ msg: 'password-changed', email: signedIn.user.email }));
  return { ok: true, email: signedIn.user.email };
}

/** Both entries given and equal, or what is wrong (before anything is counted or read). */
function entriesProblem({ password, confirm }: PasswordFields): string | null {
  if (!password) return 'Enter the new password twice.';
  if (password !== confirm) return 'The two entries of the new password differ.';
  return null;
}

function throttled(retryAfterMs: number): PasswordFormResult {
  const { retryAfterSeconds, message } = throttleRefusal(retryAfterMs);
  return { ok: false, status: 429, error: message, retryAfterSeconds };
}

/** 410 Gone for a link that worked once (used or expired), 404 for one that never did. */
function linkRefused(state: 'expired' | 'used' | 'unknown'): PasswordFormResult {
  return refused(state === 'unknown' ? 404 : 410, PASSWORD_LINK_REFUSALS[state]);
}
