// Who reads the demo's emails, as SES reports it on opens and clicks: user agents and IP
// addresses. Machines read mail too: Apple Mail Privacy Protection's proxy fetches the open pixel
// seconds after delivery, Gmail's image proxy fetches it for its reader, and the link scanners of
// mail security gateways follow every link; people open from a mail client and click from a
// browser. Addresses are from the documentation ranges (RFC 5737: 192.0.2.0/24, 198.51.100.0/24,
// 203.0.113.0/24; RFC 3849: 2001:db8::/32), never real ones.

/** User agents of the machines that open and click. */
export const USER_AGENTS = {
  /** Apple's proxy fetching the pixel for Mail Privacy Protection: just this. */
  applePrivacyProtection: 'Mozilla/5.0',
  /** Gmail's image proxy, fetching the pixel for a reader (web or app). */
  gmailImageProxy: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  /** Link scanners of mail security gateways: an old desktop Chrome, or a headless one. */
  linkScanners: [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/103.0.5060.134 Safari/537.36',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.71 Safari/537.36',
  ],
};

/** People, by their device: the mail client that loads the pixel and the browser that follows a link. */
export const PEOPLE = {
  outlookOnWindows: {
    mail: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18129; Pro)',
    browser:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  },
  thunderbirdOnLinux: {
    mail: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.2',
    browser: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  },
  appleMailOnMac: {
    mail: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)',
    browser:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  },
  iPhone: {
    mail: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    browser:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  },
  webmailInChrome: {
    // The browser loads the pixel too.
    mail: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    browser:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  },
  gmailOnAndroid: {
    // The Gmail app fetches images through the proxy too.
    mail: USER_AGENTS.gmailImageProxy,
    browser:
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
  },
};

/**
 * IP addresses, by who fetches: a person (IPv4 or IPv6), Apple's and Google's proxies, scanners.
 * @param {() => number} random
 */
export function ipAddresses(random) {
  const between = (min, max) => min + Math.floor(random() * (max - min));
  const hex = () => between(1, 0xffff).toString(16);
  return {
    person: () => (random() < 0.35 ? `2001:db8:${hex()}::${hex()}` : `192.0.2.${between(1, 255)}`),
    apple: () => `203.0.113.${between(1, 127)}`,
    google: () => `198.51.100.${between(1, 255)}`,
    scanner: () => `203.0.113.${between(128, 255)}`,
  };
}
