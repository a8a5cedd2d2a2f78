import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr, parseIpAddress } from './cidr.js';

const bytes = (text: string) => [...(parseIpAddress(text) ?? [])];
const inBlock = (block: string, address: string) => cidrContains(parseCidr(block), parseIpAddress(address)!);

describe('parseIpAddress', () => {
  it('reads dotted-quad IPv4', () => {
    expect(bytes('192.0.2.1')).toEqual([192, 0, 2, 1]);
    expect(bytes(' 0.0.0.0 ')).toEqual([0, 0, 0, 0]);
    expect(bytes('255.255.255.255')).toEqual([255, 255, 255, 255]);
  });

  it('refuses what is not strict dotted-quad IPv4 (no octal-looking leading zeros)', () => {
    for (const text of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', '1.2.3.4 x', 'a.b.c.d']) {
      expect(parseIpAddress(text), text).toBeUndefined();
    }
  });

  it('reads IPv6 in full, compressed and with an embedded IPv4 tail', () => {
    expect(bytes('2001:db8:0:0:0:0:0:1')).toEqual(bytes('2001:db8::1'));
    expect(bytes('::')).toEqual(new Array(16).fill(0));
    expect(bytes('::1')).toEqual([...new Array(15).fill(0), 1]);
    expect(bytes('2a01:111:f403:c201::5').slice(0, 6)).toEqual([0x2a, 0x01, 0x01, 0x11, 0xf4, 0x03]);
    expect(bytes('64:ff9b::192.0.2.33').slice(12)).toEqual([192, 0, 2, 33]);
    expect(bytes('FE80::1%eth0')).toEqual(bytes('fe80::1'));
  });

  it('reads an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(bytes('::ffff:192.0.2.1')).toEqual([192, 0, 2, 1]);
    expect(bytes('::ffff:c000:201')).toEqual([192, 0, 2, 1]);
  });

  it('refuses malformed IPv6', () => {
    for (const text of [
      '1::2::3',
      ':1::',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '12345::',
      'g::1',
      '1.2.3.4::',
      '1::2:3:4:5:6:7:8',
    ]) {
      expect(parseIpAddress(text), text).toBeUndefined();
    }
  });
});

describe('parseCidr and cidrContains', () => {
  it('matches IPv4 blocks on their prefix bits', () => {
    expect(inBlock('104.47.0.0/17', '104.47.2.254')).toBe(true);
    expect(inBlock('104.47.0.0/17', '104.47.127.255')).toBe(true);
    expect(inBlock('104.47.0.0/17', '104.47.128.0')).toBe(false);
    expect(inBlock('207.211.31.0/25', '207.211.31.127')).toBe(true);
    expect(inBlock('207.211.31.0/25', '207.211.31.128')).toBe(false);
    expect(inBlock('0.0.0.0/0', '203.0.113.9')).toBe(true);
    expect(inBlock('192.0.2.1/32', '192.0.2.1')).toBe(true);
    expect(inBlock('192.0.2.1/32', '192.0.2.2')).toBe(false);
  });

  it('matches IPv6 blocks, and never an address of the other family', () => {
    expect(inBlock('2a01:111:f403::/48', '2a01:111:f403:c201::5')).toBe(true);
    expect(inBlock('2a01:111:f403::/48', '2a01:111:f404::1')).toBe(false);
    expect(inBlock('::/0', '192.0.2.1')).toBe(false);
    expect(inBlock('0.0.0.0/0', '2001:db8::1')).toBe(false);
    expect(inBlock('192.0.2.0/24', '::ffff:192.0.2.200')).toBe(true);
  });

  it('refuses malformed blocks and blocks with host bits set', () => {
    for (const text of [
      '10.0.0.0',
      '10.0.0.0/33',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      '10.0.0.0/ 8',
      'x/8',
      '::/129',
      'fe80::%1/64',
    ]) {
      expect(() => parseCidr(text), text).toThrow(/not a CIDR block/);
    }
    expect(() => parseCidr('40.107.0.1/16')).toThrow(/host bits set after \/16/);
    expect(() => parseCidr('2a01:111:f403::1/48')).toThrow(/host bits set/);
  });

  it('agrees with a bit-by-bit reference on random IPv4 blocks and addresses', () => {
    const toInt = (b: number[]) => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 255 }), { minLength: 4, maxLength: 4 }),
        fc.nat({ max: 32 }),
        fc.array(fc.nat({ max: 255 }), { minLength: 4, maxLength: 4 }),
        (net, prefix, address) => {
          const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
          const network = (toInt(net) & mask) >>> 0;
          const text = [24, 16, 8, 0].map((s) => (network >>> s) & 255).join('.');
          const expected = (toInt(address) & mask) >>> 0 === network;
          expect(inBlock(`${text}/${prefix}`, address.join('.'))).toBe(expected);
        },
      ),
    );
  });
});
