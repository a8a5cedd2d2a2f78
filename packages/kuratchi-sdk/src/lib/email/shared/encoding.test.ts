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
