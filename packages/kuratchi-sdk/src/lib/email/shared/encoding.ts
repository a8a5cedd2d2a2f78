/**
 * `kuratchi-sdk/internal/encoding`: web-standard byte helpers, UTF-8 and the one base64 of the
 * repository, standard and URL-safe (no Buffer, so this runs unchanged in workerd, browsers and
 * Node).
 */

const utf8Encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return utf8Encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/**
 * Number of bytes of a string in UTF-8 (as TextEncoder writes it: a lone surrogate becomes
 * U+FFFD, 3 bytes), without encoding it.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Value of each base64 character by char code, -1 for anything else. */
const BASE64_VALUES = (() => {
  const values = new Int8Array(128).fill(-1);
  for (let i = 0; i < BASE64_ALPHABET.length; i++) values[BASE64_ALPHABET.charCodeAt(i)] = i;
  return values;
})();

/**
 * Decodes standard base64 (RFC 4648 section 4, padding optional, no whitespace) in one pass
 * (this runs for every SNS signature, so it avoids atob's intermediate string and reads four
 * characters per step). Bits after the last whole byte are ignored, as atob ignores them.
 * @throws {TypeError} when the text is not base64.
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-4
 */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  let end = base64.length;
  if (end > 0 && base64.charCodeAt(end - 1) === 61 /* = */) end--;
  if (end > 0 && base64.charCodeAt(end - 1) === 61) end--;
  if (end % 4 === 1 || (base64.length - end > 0 && base64.length % 4 !== 0)) throw new TypeError('not base64');
  const bytes = new Uint8Array(Math.floor((end * 3) / 4));
  const whole = end - (end % 4);
  let out = 0;
  let i = 0;
  for (; i < whole; i += 4) {
    const c0 = base64.charCodeAt(i);
    const c1 = base64.charCodeAt(i + 1);
    const c2 = base64.charCodeAt(i + 2);
    const c3 = base64.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) > 127) throw new TypeError('not base64');
    const v0 = BASE64_VALUES[c0]!;
    const v1 = BASE64_VALUES[c1]!;
    const v2 = BASE64_VALUES[c2]!;
    const v3 = BASE64_VALUES[c3]!;
    // Every value is 0 to 63, or -1: any -1 makes the OR negative.
    if ((v0 | v1 | v2 | v3) < 0) throw new TypeError('not base64');
    const group = (v0 << 18) | (v1 << 12) | (v2 << 6) | v3;
    bytes[out++] = group >> 16;
    bytes[out++] = (group >> 8) & 0xff;
    bytes[out++] = group & 0xff;
  }
  // The last two or three characters (end % 4 is 0, 2 or 3): one or two bytes.
  let buffer = 0;
  let bits = 0;
  for (; i < end; i++) {
    const code = base64.charCodeAt(i);
    const value = code < 128 ? BASE64_VALUES[code]! : -1;
    if (value < 0) throw new TypeError('not base64');
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[out++] = (buffer >> bits) & 0xff;
    }
  }
  return bytes;
}

/**
 * Encodes bytes as standard base64 with padding.
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-4
 */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Encodes bytes as base64url without padding (RFC 4648 section 5): safe in URLs, cookies and
 * file names as it is.
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-5
 */
export function bytesToBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
}

/**
 * Decodes base64url (RFC 4648 section 5), padding optional; the standard alphabet's `+` and `/`
 * are read as well.
 * @throws {TypeError} when the text is not base64.
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-5
 */
export function base64UrlToBytes(base64Url: string): Uint8Array<ArrayBuffer> {
  return base64ToBytes(base64Url.replaceAll('-', '+').replaceAll('_', '/'));
}
