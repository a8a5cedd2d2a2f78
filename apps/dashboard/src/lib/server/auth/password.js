// Password hashing with PBKDF2-HMAC-SHA256 through WebCrypto, so the same code runs in the
// Worker and in Node (the demo seed). Plain JavaScript with JSDoc types so Node scripts can
// import it without a build; base64 is the SDK's (its built package, so Node resolves it too).
import { base64ToBytes, bytesToBase64 } from 'kuratchi-sdk/internal/encoding';

/** Iterations: the most workerd allows for PBKDF2 (100,000), per OWASP's guidance for SHA-256 "as high as is practical". */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;

/**
 * Hashes a password as `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64 parts).
 * @param {string} password
 * @returns {Promise<string>}
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#pbkdf2
 */
export async function hashPassword(password) {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${bytesToBase64(salt)}$${bytesToBase64(hash)}`;
}

/**
 * Whether `password` matches a hash made by {@link hashPassword}, compared in constant time.
 * A malformed stored hash never matches.
 * @param {string} password
 * @param {string} stored
 * @returns {Promise<boolean>}
 */
export async function verifyPassword(password, stored) {
  const [scheme, iterations, salt, hash] = stored.split('$');
  const count = Number(iterations);
  if (
    scheme !== 'pbkdf2-sha256' ||
    !Number.isInteger(count) ||
    count < 1 ||
    count > PBKDF2_ITERATIONS ||
    !salt ||
    !hash
  ) {
    return false;
  }
  const expected = base64ToBytes(hash);
  const actual = await derive(password, base64ToBytes(salt), count);
  if (actual.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < actual.length; i++) difference |= actual[i] ^ expected[i];
  return difference === 0;
}

/**
 * @param {string} password
 * @param {Uint8Array} salt
 * @param {number} iterations
 */
async function derive(password, salt, iterations) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}
