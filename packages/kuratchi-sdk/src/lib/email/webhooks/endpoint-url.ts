import { cidrContains, parseCidr, parseIpAddress } from '../ses-events/cidr.js';
import { WebhookEndpointError } from './errors.js';

/**
 * Address blocks an endpoint may not point at: this network, private (RFC 1918, RFC 4193),
 * shared (carrier-grade NAT, RFC 6598), loopback, link-local (RFC 3927, RFC 4291), multicast and
 * reserved blocks, in both families (an IPv4-mapped IPv6 address is its IPv4 address), and the
 * IPv6 blocks that carry an IPv4 address inside (IPv4-compatible `::/96`, NAT64 `64:ff9b::/96`
 * and `64:ff9b:1::/48`, 6to4 `2002::/16`), which could reach any of the IPv4 blocks.
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.5.5.1
 * @see https://www.rfc-editor.org/rfc/rfc6052#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc3056#section-2
 * @see https://www.iana.org/assignments/iana-ipv4-special-registry/iana-ipv4-special-registry.xhtml
 * @see https://www.iana.org/assignments/iana-ipv6-special-registry/iana-ipv6-special-registry.xhtml
 */
const REFUSED_BLOCKS = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/3',
  '::/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '2002::/16',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
].map(parseCidr);

/** Names that resolve to the machine itself or a local network, whatever DNS says. */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/;

/** What {@link parseWebhookEndpointUrl} allows beyond production's rule. */
export interface WebhookEndpointUrlOptions {
  /**
   * `KURATCHI_ENVIRONMENT=development`: also `http://127.0.0.1:<port>/…` (a receiver on this
   * machine, as `pnpm dev`'s demo runs). Nothing else private, ever.
   */
  readonly development?: boolean;
}

/**
 * The URL an organisation's admin registers for outbound webhooks, checked: `https:`, no
 * credentials, a host that is neither an IP address in a private, loopback, link-local or
 * reserved block nor a local name (`localhost`, `*.local`, `*.internal`). A host name is not
 * resolved (a Worker has no DNS API); Cloudflare's `fetch` does not reach private networks.
 * @throws {WebhookEndpointError} `invalid-url`, with what to change.
 * @see https://www.standardwebhooks.com/ (endpoints are HTTPS)
 * @see https://developers.cloudflare.com/workers/runtime-apis/fetch/
 */
export function parseWebhookEndpointUrl(text: string, options: WebhookEndpointUrlOptions = {}): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new WebhookEndpointError('invalid-url', 'is not a URL: write it as https://host/path');
  }
  if (url.username || url.password) {
    throw new WebhookEndpointError('invalid-url', 'must not carry a user name or password');
  }
  if (options.development && url.protocol === 'http:' && url.hostname === '127.0.0.1') return url;
  if (url.protocol !== 'https:') throw new WebhookEndpointError('invalid-url', 'must use https');
  // A name's trailing dot (`localhost.`, the same name fully qualified) does not make it another.
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '')
    .toLowerCase();
  const address = parseIpAddress(host);
  if (address ? REFUSED_BLOCKS.some((block) => cidrContains(block, address)) : LOCAL_NAMES.test(host)) {
    throw new WebhookEndpointError('invalid-url', 'must not point at a private, loopback or link-local address');
  }
  return url;
}
