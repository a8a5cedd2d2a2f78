/** The client of requests that carry no usable address (they share one throttle). */
export const UNKNOWN_CLIENT = 'unknown';

/**
 * Who a sign-in comes from, for throttling: the connecting IP address as Cloudflare reports it
 * in `CF-Connecting-IP` (SvelteKit's `getClientAddress()` on the Cloudflare adapter). Cloudflare's
 * edge sets that header on every request it proxies, replacing whatever the client sent, so a
 * client cannot choose it. An IPv4 address is used as it is (an IPv4-mapped IPv6 address as its
 * IPv4 form); an IPv6 address by its /64 network, since one end site is given a whole /64 and
 * could otherwise rotate addresses at will.
 *
 * With no address, or one that is not an IP address (never on Cloudflare; a Worker called
 * directly, as in tests, or another proxy), the client is {@link UNKNOWN_CLIENT}: all such
 * requests share one per-client throttle, which is stricter, never looser, than giving each its
 * own; so removing the header can never escape the throttle.
 * @see https://developers.cloudflare.com/fundamentals/reference/http-headers/#cf-connecting-ip
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.5.4 (64-bit interface identifiers)
 */
export function signInClient(address: string | null | undefined): string {
  if (!address) return UNKNOWN_CLIENT;
  if (isIpv4(address)) return address;
  const groups = ipv6Groups(address);
  if (!groups) return UNKNOWN_CLIENT;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

function isIpv4(address: string): boolean {
  const parts = address.split('.');
  return parts.length === 4 && parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255);
}

/** The eight 16-bit groups of an IPv6 address, parsed by the WHATWG URL host parser; null if it is not one. */
function ipv6Groups(address: string): number[] | null {
  if (!/^[0-9a-f:.]+$/i.test(address)) return null;
  let host: string;
  try {
    host = new URL(`http://[${address}]/`).hostname;
  } catch {
    return null;
  }
  // The serialisation is hex groups only, the longest run of zero groups written as `::`.
  const [head = '', tail] = host.slice(1, -1).split('::');
  const parse = (text: string) => (text ? text.split(':').map((group) => parseInt(group, 16)) : []);
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}
