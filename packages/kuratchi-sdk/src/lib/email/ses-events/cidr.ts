/**
 * A small pure CIDR matcher for IPv4 and IPv6, in web-standard TypeScript (no node:net): parse an
 * address to its bytes, parse a CIDR block, and test whether the block holds the address. Used by
 * the engagement rules to match the `ipAddress` SES records on Open and Click events.
 * Addresses are written as RFC 4291 section 2.2 allows (`::` compression, an embedded dotted
 * IPv4 tail); an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is the IPv4 address it maps.
 * @see https://www.rfc-editor.org/rfc/rfc4632 (CIDR)
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.2 (text form of IPv6 addresses)
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.5.5.2 (IPv4-mapped IPv6 addresses)
 * @module
 */

/**
 * A parsed CIDR block: the network's bytes (4 for IPv4, 16 for IPv6) and its prefix length.
 * @see https://www.rfc-editor.org/rfc/rfc4632#section-3.1
 */
export interface CidrBlock {
  /** The block as written, e.g. `104.47.0.0/17`. */
  readonly text: string;
  /** Network address bytes; host bits are zero. */
  readonly bytes: Uint8Array;
  /** Prefix length: 0–32 for IPv4, 0–128 for IPv6. */
  readonly prefix: number;
}

/**
 * The bytes of an IPv4 or IPv6 address in text form (4 or 16 bytes), or undefined when the text
 * is not one. IPv4 is strict dotted-quad (no leading zeros, which some parsers read as octal);
 * an IPv6 zone (`%eth0`) is ignored; IPv4-mapped IPv6 yields the 4 IPv4 bytes.
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.2
 */
export function parseIpAddress(text: string): Uint8Array | undefined {
  const address = text.trim();
  if (!address.includes(':')) return parseIpv4(address);
  const v6 = parseIpv6(address.split('%')[0]!);
  if (v6 === undefined) return undefined;
  const mapped = v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

/**
 * Parses a CIDR block such as `40.107.0.0/16` or `2a01:111:f400::/48`.
 * @throws {RangeError} when the text is not a CIDR block, or has host bits set (`40.107.0.1/16`):
 *   a typo in the rules data should fail loudly, not match something else.
 * @see https://www.rfc-editor.org/rfc/rfc4632#section-3.1
 */
export function parseCidr(text: string): CidrBlock {
  const [address, length, ...rest] = text.split('/');
  const bytes = address === undefined || text.includes('%') ? undefined : parseBlockAddress(address);
  const prefix = length !== undefined && /^\d{1,3}$/.test(length) ? Number(length) : NaN;
  if (bytes === undefined || rest.length > 0 || !(prefix >= 0 && prefix <= bytes.length * 8)) {
    throw new RangeError(`not a CIDR block: ${JSON.stringify(text)}`);
  }
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) {
      throw new RangeError(`CIDR block ${JSON.stringify(text)} has host bits set after /${prefix}`);
    }
  }
  return { text, bytes, prefix };
}

/**
 * Whether the block holds the address (bytes from {@link parseIpAddress}); an IPv4 address is
 * never in an IPv6 block nor the other way round.
 * @see https://www.rfc-editor.org/rfc/rfc4632#section-3.1
 */
export function cidrContains(block: CidrBlock, address: Uint8Array): boolean {
  if (address.length !== block.bytes.length) return false;
  const whole = block.prefix >> 3;
  for (let i = 0; i < whole; i++) if (address[i] !== block.bytes[i]) return false;
  const restBits = block.prefix & 7;
  if (restBits === 0) return true;
  const mask = (0xff << (8 - restBits)) & 0xff;
  return (address[whole]! & mask) === block.bytes[whole];
}

/** A block's address keeps its IPv6 form: `::ffff:0:0/96` stays a 16-byte block. */
function parseBlockAddress(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (const [i, part] of parts.entries()) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    bytes[i] = Number(part);
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = groupsOf(halves[0]!, !compressed);
  const tail = compressed ? groupsOf(halves[1]!, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(compressed ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/** The 16-bit groups of one side of `::`; a dotted IPv4 tail (last of the address) counts as two. */
function groupsOf(text: string, endsAddress: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (endsAddress && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}
