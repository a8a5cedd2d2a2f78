import { commonPasswords } from './common-passwords';

/**
 * The shortest password a user may choose: 15 characters (Unicode code points). NIST SP 800-63B
 * (revision 4, section 3.1.1.2): verifiers "SHALL require passwords that are used as a
 * single-factor authentication mechanism to be a minimum of 15 characters in length"; the
 * dashboard has no second factor.
 * @see https://pages.nist.gov/800-63-4/sp800-63b.html#password
 */
export const MIN_PASSWORD_LENGTH = 15;

/**
 * The longest: 256 characters. NIST asks to permit at least 64; the bound only keeps a form
 * from posting a megabyte to PBKDF2.
 * @see https://pages.nist.gov/800-63-4/sp800-63b.html#password
 */
export const MAX_PASSWORD_LENGTH = 256;

/** The name of the service: a context-specific word no password may be made of. */
const SERVICE_WORDS = ['kuratchi', 'kuratchi-ses', 'kuratchi dashboard'];

/** Whom a new password is for: their email address and name are context-specific words. */
export interface PasswordContext {
  email: string;
  name?: string;
}

/**
 * Why `password` may not be chosen, or null when it may. NIST SP 800-63B (revision 4, section
 * 3.1.1.2) asks for a minimum length, no composition rules, and a blocklist of "commonly used,
 * expected, or compromised" values checked when a password is set, which includes "context-specific
 * words, such as the name of the service, the username, and derivatives thereof". Here:
 * - at least {@link MIN_PASSWORD_LENGTH} and at most {@link MAX_PASSWORD_LENGTH} characters;
 * - not one of the most common passwords ({@link commonPasswords}), compared without regard to case;
 * - not a common password, the service's name or the user's email address or name made longer by
 *   repeating it (`passwordpassword`) or padding it with a run (`password12345678`, `kuratchi!!!!!!!`);
 * - not a repetition of a few characters (`abcabcabcabcabc`) or a sequence (`123456789012345`).
 * No other rule: NIST says verifiers "SHALL NOT impose other composition rules".
 * @see https://pages.nist.gov/800-63-4/sp800-63b.html#password
 */
export async function passwordProblem(password: string, context: PasswordContext): Promise<string | null> {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    return `The password is too short: use at least ${MIN_PASSWORD_LENGTH} characters (a few words make a good one).`;
  }
  if (length > MAX_PASSWORD_LENGTH) return `The password is too long: at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lower = password.toLowerCase();
  const common = await commonPasswords();
  if (common.has(lower)) return 'That is one of the most common passwords: choose another.';
  if (isPattern(lower)) return 'That password is a repeated or sequential pattern: choose another.';
  const words = contextWords(context);
  if (words.has(lower)) return 'That password is the service name, your email address or your name: choose another.';
  for (const core of cores(lower)) {
    if (common.has(core) || words.has(core) || (core !== lower && isPattern(core))) {
      return 'That password is a common password, or the service name, your email address or your name, made longer: choose another.';
    }
  }
  return null;
}

/** The service's name, the email address, its part before the @, and the name (each lower-cased). */
function contextWords({ email, name }: PasswordContext): Set<string> {
  const address = email.trim().toLowerCase();
  const words = new Set([...SERVICE_WORDS, address, address.split('@')[0] ?? '']);
  if (name) {
    const full = name.trim().toLowerCase();
    words.add(full);
    words.add(full.replace(/\s+/g, ''));
  }
  words.delete('');
  return words;
}

/**
 * What `password` (lower-cased) may be made longer from: the unit it repeats, and what is left
 * when a predictable run (digits or symbols that repeat or count) is cut from either end, each
 * again without its repetitions.
 */
function cores(password: string): string[] {
  const found = new Set<string>();
  const add = (text: string) => {
    if (!text) return;
    found.add(text);
    const unit = repeatedUnit(text);
    if (unit) found.add(unit);
  };
  add(repeatedUnit(password) ?? '');
  const head = /^[^\p{L}]+/u.exec(password)?.[0] ?? '';
  const tail = /[^\p{L}]+$/u.exec(password)?.[0] ?? '';
  const headCut = head && head !== password && isPredictableRun(head);
  const tailCut = tail && tail !== password && isPredictableRun(tail);
  if (headCut) add(password.slice(head.length));
  if (tailCut) add(password.slice(0, password.length - tail.length));
  if (headCut && tailCut && head.length + tail.length < password.length) {
    add(password.slice(head.length, password.length - tail.length));
  }
  return [...found];
}

/** The shortest unit that `text` is two or more copies of, or null. */
function repeatedUnit(text: string): string | null {
  const chars = [...text];
  for (let size = 1; size <= chars.length / 2; size++) {
    if (chars.length % size !== 0) continue;
    const unit = chars.slice(0, size).join('');
    if (unit.repeat(chars.length / size) === text) return unit;
  }
  return null;
}

/** A repetition of at most 4 characters, or a sequence (each character one after or before the last). */
function isPattern(text: string): boolean {
  const unit = repeatedUnit(text);
  return (unit !== null && [...unit].length <= 4) || isSequence(text);
}

/** A padding nobody has to guess: one character repeated, or a counting run of 3 or more (`123`, `!!!`). */
function isPredictableRun(text: string): boolean {
  const chars = [...text];
  return chars.every((c) => c === chars[0]) || (chars.length >= 3 && isSequence(text));
}

/** Each character the next or the previous of the one before (`abcdef`, `987654`, digits wrap: `890123`). */
function isSequence(text: string): boolean {
  const codes = [...text].map((c) => c.codePointAt(0)!);
  if (codes.length < 3) return false;
  const step = (a: number, b: number) => {
    const digits = a >= 48 && a <= 57 && b >= 48 && b <= 57;
    const d = b - a;
    return digits && Math.abs(d) === 9 ? -Math.sign(d) : d;
  };
  const first = step(codes[0]!, codes[1]!);
  if (first !== 1 && first !== -1) return false;
  return codes.every((code, i) => i === 0 || step(codes[i - 1]!, code) === first);
}
