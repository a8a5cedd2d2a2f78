import { describe, expect, it } from 'vitest';
import { base64ToBytes } from '../shared/encoding.js';
import { emailAddressSchema, formatFromAddress } from './email-address.js';

/** Decodes RFC 2047 `=?UTF-8?B?…?=` words separated by spaces back to text. */
function decodeWords(text: string): string {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  return text
    .split(' ')
    .map((word) => {
      const match = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/.exec(word);
      if (!match) throw new Error(`not an encoded-word: ${word}`);
      // fatal: a word holding half a UTF-8 sequence would throw here.
      return decoder.decode(base64ToBytes(match[1]!));
    })
    .join('');
}

describe('formatFromAddress', () => {
  it('is the bare address without a name', () => {
    expect(formatFromAddress('no-reply@acme.example')).toBe('no-reply@acme.example');
  });

  it('quotes an ASCII name, escaping quotes and backslashes', () => {
    expect(formatFromAddress('a@acme.example', 'Acme, Inc.')).toBe('"Acme, Inc." <a@acme.example>');
    expect(formatFromAddress('a@acme.example', 'The "A\\B" team')).toBe('"The \\"A\\\\B\\" team" <a@acme.example>');
  });

  it('MIME-encodes a non-ASCII name as UTF-8 base64 encoded-words', () => {
    expect(formatFromAddress('a@acme.example', 'Café')).toBe('=?UTF-8?B?Q2Fmw6k=?= <a@acme.example>');
  });

  it('splits a long name into words of at most 75 characters without splitting a character', () => {
    const name = 'Équipe 😀 '.repeat(12);
    const [words, address] = formatFromAddress('a@acme.example', name).split(' <');
    expect(address).toBe('a@acme.example>');
    const list = words!.split(' ');
    expect(list.length).toBeGreaterThan(2);
    for (const word of list) expect(word.length).toBeLessThanOrEqual(75);
    expect(decodeWords(words!)).toBe(name);
  });
});

describe('emailAddressSchema', () => {
  it('accepts plain ASCII addresses', () => {
    expect(emailAddressSchema.safeParse('ana.garcia+news@mail.example.org').success).toBe(true);
    expect(emailAddressSchema.safeParse('a@xn--bcher-kva.example').success).toBe(true);
  });

  it('refuses display names, non-ASCII domains and over-long addresses', () => {
    expect(emailAddressSchema.safeParse('Ana <ana@example.com>').success).toBe(false);
    expect(emailAddressSchema.safeParse('ana@bücher.example').success).toBe(false);
    const longAddress = `${'a'.repeat(64)}@${Array.from({ length: 5 }, () => 'b'.repeat(63)).join('.')}.com`;
    expect(longAddress.length).toBeGreaterThan(320);
    expect(emailAddressSchema.safeParse(longAddress).success).toBe(false);
  });
});
