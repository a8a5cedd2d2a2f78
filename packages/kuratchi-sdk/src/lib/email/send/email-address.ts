import { z } from 'zod';
import { bytesToBase64, utf8 } from '../shared/encoding.js';

/**
 * A plain email address as SES accepts it: ASCII only, since SES does not support SMTPUTF8 (an
 * international domain must be given in Punycode, `xn--…`), no display name, at most 320
 * characters.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Destination.html
 */
export const emailAddressSchema = z
  .string()
  .max(320, 'must be at most 320 characters')
  .pipe(
    z.email(
      'must be a plain ASCII email address like name@example.com (no display name; Punycode for international domains)',
    ),
  );

/** One address or a list of them, as a list. */
export function toList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/**
 * The `From` address with an optional display name, as SES expects it: an ASCII name as a quoted
 * string (`"Acme, Inc." <no-reply@acme.example>`), a name with other characters as RFC 2047
 * encoded-words in UTF-8 and base64 (`=?UTF-8?B?…?= <…>`), each at most 75 characters long.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference/API_Destination.html ("friendly from" name in MIME encoded-word syntax)
 * @see https://www.rfc-editor.org/rfc/rfc2047#section-2
 */
export function formatFromAddress(address: string, name?: string): string {
  if (!name) return address;
  // Printable ASCII only: quote it, escaping backslash and double quote (RFC 5322 quoted-string).
  if (/^[\x20-\x7e]*$/.test(name)) return `"${name.replace(/["\\]/g, (c) => `\\${c}`)}" <${address}>`;
  return `${encodedWords(name).join(' ')} <${address}>`;
}

/** Largest UTF-8 chunk per encoded-word: 45 bytes -> 60 base64 chars + 12 of `=?UTF-8?B??=` = 72 <= 75. */
const MAX_WORD_BYTES = 45;

function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    // Never split a character: a word must hold whole UTF-8 sequences (RFC 2047 section 5).
    if (utf8(chunk + char).length > MAX_WORD_BYTES) {
      words.push(encodedWord(chunk));
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(encodedWord(chunk));
  return words;
}

function encodedWord(text: string): string {
  return `=?UTF-8?B?${bytesToBase64(utf8(text))}?=`;
}
