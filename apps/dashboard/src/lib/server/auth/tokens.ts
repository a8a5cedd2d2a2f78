import { bytesToBase64Url } from 'kuratchi-sdk/internal/encoding';

/**
 * A new bearer token: 256 random bits, base64url (43 characters), for a session cookie or a
 * set-password link. Its holder is whoever has it, so only {@link hashToken} of it is stored.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-id-entropy
 */
export function newToken(): string {
  return bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * The SHA-256 of a token, in hex: what the database keeps instead of the token, so that a leaked
 * database cannot be replayed as cookies or links. A plain hash suffices (no salt, no stretching):
 * the token is 256 random bits, not a password a dictionary could guess.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html#url-tokens
 */
export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
