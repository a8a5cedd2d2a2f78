/** Iterations of PBKDF2 (workerd's maximum). */
export const PBKDF2_ITERATIONS: number;
/** Hashes a password as `pbkdf2-sha256$<iterations>$<salt>$<hash>`. */
export function hashPassword(password: string): Promise<string>;
/** Whether a password matches a stored hash (constant-time comparison). */
export function verifyPassword(password: string, stored: string): Promise<boolean>;
