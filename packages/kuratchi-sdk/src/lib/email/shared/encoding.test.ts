import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, base64UrlToBytes, bytesToBase64, bytesToBase64Url, utf8, utf8ByteLength } from './encoding.js';

describe('base64', () => {
  it('round-trips any bytes, and agrees with atob', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = bytesToBase64(bytes);
        expect(base64ToBytes(text)).toEqual(bytes);
        expect(base64ToBytes(text.replace(/=+$/, ''))).toEqual(bytes);
        expect([...base64ToBytes(text)]).toEqual([...atob(text)].map((c) => c.charCodeAt(0)));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what is not base64', () => {
    for (const text of ['A', 'AB=C', 'AB C', '!!!!', 'QUJD===', 'é===', 'AAAA=']) {
      expect(() => base64ToBytes(text), text).toThrow(TypeError);
    }
    // A bad character in any place of a group of four, or of the short last group.
    for (const bad of ['!', ' ', '=', '-', '_', 'é', '\u0100', '\u{1F600}', '\0', '\x7f']) {
      for (let at = 0; at < 11; at++) {
        const text = `${'QUJDREVGSEk'.slice(0, at)}${bad}${'QUJDREVGSEk'.slice(at + 1)}`;
        expect(() => base64ToBytes(text), JSON.stringify(text)).toThrow(TypeError);
      }
    }
  });

  it('accepts and refuses exactly what the one-character-at-a-time decoder did', () => {
    const characters = [...'ABCDQUJwz09+/=', '!', ' ', '-', 'é', '\u0100'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...characters), { maxLength: 24 }), (chars) => {
        const text = chars.join('');
        let expected: number[] | 'throws';
        try {
          expected = referenceBase64ToBytes(text);
        } catch {
          expected = 'throws';
        }
        let actual: number[] | 'throws';
        try {
          actual = [...base64ToBytes(text)];
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
          actual = 'throws';
        }
        expect(actual, JSON.stringify(text)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('base64url', () => {
  it('is base64 with the URL-safe alphabet and no padding, and round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = bytesToBase64Url(bytes);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(text).toBe(bytesToBase64(bytes).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', ''));
        expect(base64UrlToBytes(text)).toEqual(bytes);
        expect(base64UrlToBytes(bytesToBase64(bytes))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what is not base64url', () => {
    for (const text of ['A', '!!!!', 'AB C', 'QUJD===']) {
      expect(() => base64UrlToBytes(text), text).toThrow(TypeError);
    }
  });
});

describe('utf8ByteLength', () => {
  it('equals the encoded length for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(utf8ByteLength(text)).toBe(utf8(text).length);
      }),
    );
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((u) => String.fromCharCode(u)), maxLength: 50 }),
        (text) => {
          expect(utf8ByteLength(text)).toBe(utf8(text).length);
        },
      ),
    );
  });
});

/** The decoder as it was before it read four characters per step: the reference of the equivalence test. */
function referenceBase64ToBytes(base64: string): number[] {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let end = base64.length;
  if (end > 0 && base64.charCodeAt(end - 1) === 61) end--;
  if (end > 0 && base64.charCodeAt(end - 1) === 61) end--;
  if (end % 4 === 1 || (base64.length - end > 0 && base64.length % 4 !== 0)) throw new TypeError('not base64');
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const value = alphabet.indexOf(base64[i]!);
    if (value < 0) throw new TypeError('not base64');
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return bytes;
}
