/**
 * The engagement rules as data: which SES Open and Click events a machine made (a privacy proxy
 * prefetching at delivery, a mail gateway following links, a script) rather than a person. The
 * evidence for each rule, and what is an assumption, is in `fixtures/engagement/README.md`; the
 * code that applies the rules is `engagement.ts`. Every regular expression is a source string
 * compiled with the `i` flag; every IP range is a CIDR string (IPv4 or IPv6).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-click-object
 * @module
 */

/**
 * Who made an Open or Click event: a person, or a machine acting on its own.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-metrics.html
 */
export type Engagement = 'human' | 'machine';

/**
 * The SES event types the rules classify.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export type EngagementEventType = 'Open' | 'Click';

/**
 * One intrinsic rule: it looks at a single event only. It applies to the event types it names
 * and matches when any of its signals does. A matching machine rule makes the event machine; a
 * matching human rule only names why a human verdict is human (Gmail's image proxy, say).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
 */
export interface EngagementRule {
  /** Stable id, recorded with each verdict (`rule`). */
  readonly id: string;
  /** The verdict when the rule matches. */
  readonly engagement: Engagement;
  /** The event types the rule looks at. */
  readonly eventTypes: readonly EngagementEventType[];
  /** Regular expression sources (compiled case-insensitively) tested against `userAgent`. */
  readonly userAgentPatterns?: readonly string[];
  /** CIDR blocks tested against `ipAddress`. */
  readonly ipRanges?: readonly string[];
  /** Matches when the event has no `userAgent`, or a blank one. */
  readonly missingUserAgent?: boolean;
  /**
   * Matches when the event's own timestamp is less than this many ms after `mail.timestamp`
   * (the send time), per event type. An event dated before its send matches too.
   */
  readonly sentWithinMs?: Readonly<Partial<Record<EngagementEventType, number>>>;
}

/**
 * The versioned rules table.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export interface EngagementRules {
  /** Whole number, bumped on every change to the data (see {@link ENGAGEMENT_RULES}). */
  readonly version: number;
  /**
   * The cross-event rule `click-burst`: a Click is machine when another Click of the same
   * message (`mail.messageId`) on a different `link` happened at most this many ms before or after.
   */
  readonly clickBurstWindowMs: number;
  /** Intrinsic rules; among those that match an event, the first machine rule in this order wins. */
  readonly rules: readonly EngagementRule[];
}

/**
 * Exchange Online Protection's mail-flow ranges (`*.mail.protection.outlook.com`, endpoint ID 10
 * of Microsoft 365's worldwide endpoints), where Safe Links' delivery-time URL scans come from.
 * @see https://learn.microsoft.com/en-us/microsoft-365/enterprise/urls-and-ip-address-ranges#exchange-online
 * @see https://learn.microsoft.com/en-us/defender-office-365/safe-links-about
 */
const EXCHANGE_ONLINE_PROTECTION = [
  '40.92.0.0/15',
  '40.107.0.0/16',
  '52.100.0.0/14',
  '104.47.0.0/17',
  '2a01:111:f400::/48',
  '2a01:111:f403::/48',
] as const;

/**
 * The engagement rules, version 1.
 *
 * Version policy: `version` is a whole number and any change to this data (a pattern, a range,
 * a threshold, the window, a rule added, removed or moved) bumps it by one, in the same commit.
 * Each verdict carries the version it was made under, so a CLI can find the events recorded
 * under older versions and classify them again. `engagement-rules.test.ts` holds a fingerprint
 * of the data that fails until the version is bumped with it.
 *
 * Time since send stands in for time since delivery: Open and Click events carry the send time
 * (`mail.timestamp`) but not the delivery time, and SES delivers most mail within seconds.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-mail-object
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-metrics.html (open and click tracking)
 */
export const ENGAGEMENT_RULES: EngagementRules = {
  version: 1,
  // Scanners follow every link of a message within a second or two; a person does not click two
  // different links two seconds apart.
  clickBurstWindowMs: 2_000,
  rules: [
    // Apple Mail Privacy Protection fetches remote content through Apple's relay at delivery,
    // whether or not the message is read, with a User-Agent of just "Mozilla/5.0".
    // https://help.socketlabs.com/docs/identifying-apple-mpp-opens-in-notification-api-events
    // https://github.com/ua-parser/uap-core/issues/509
    { id: 'apple-mpp', engagement: 'machine', eventTypes: ['Open'], userAgentPatterns: ['^Mozilla/5\\.0$'] },
    // Gmail's prefetch (active session, before the message is shown), from a Google address.
    // https://www.sparkpost.com/blog/gmail-prefetching-images/
    {
      id: 'gmail-prefetch',
      engagement: 'machine',
      eventTypes: ['Open'],
      userAgentPatterns: [
        '^Mozilla/5\\.0 \\(Windows NT 10\\.0; Win64; x64\\) AppleWebKit/537\\.36 \\(KHTML, like Gecko\\) Chrome/42\\.0\\.2311\\.135 Safari/537\\.36 Edge/12\\.246 Mozilla/5\\.0$',
      ],
    },
    // Microsoft Defender for Office 365 Safe Links scans URLs before delivery. Clicks only: Outlook
    // on the web loads images through Microsoft addresses for people too.
    // https://learn.microsoft.com/en-us/defender-office-365/safe-links-about
    { id: 'safe-links', engagement: 'machine', eventTypes: ['Click'], ipRanges: [...EXCHANGE_ONLINE_PROTECTION] },
    // Proofpoint (URL Defense / TAP): its mail-processing networks, and a User-Agent naming it.
    // https://proofpoint.my.site.com/support/PPSup_SupportInfo
    {
      id: 'proofpoint',
      engagement: 'machine',
      eventTypes: ['Open', 'Click'],
      userAgentPatterns: ['proofpoint'],
      ipRanges: ['67.231.144.0/20', '148.163.128.0/19'],
    },
    // Mimecast (URL Protect): its networks (AS30031 and its published gateway ranges).
    // "Mimecast Data Centers and URLs": https://excelmicro.kayako.com/en-us/article/384-mimecast-data-centers-and-urls-north-american
    {
      id: 'mimecast',
      engagement: 'machine',
      eventTypes: ['Open', 'Click'],
      userAgentPatterns: ['mimecast'],
      ipRanges: [
        '170.10.128.0/22',
        '170.10.132.0/23',
        '205.139.110.0/23',
        '207.211.30.0/24',
        '207.211.31.0/25',
        '216.205.24.0/24',
        '63.128.21.0/24',
        '91.220.42.0/24',
        '195.130.217.0/24',
      ],
    },
    // Barracuda (Email Security / Sentinel / link protection): its networks, and its User-Agent
    // ("Barracuda Sentinel (EE)").
    // https://campus.barracuda.com/product/sentinel/doc/498468311/unwanted-link-clicks
    {
      id: 'barracuda',
      engagement: 'machine',
      eventTypes: ['Open', 'Click'],
      userAgentPatterns: ['barracuda'],
      ipRanges: ['64.235.144.0/20', '209.222.80.0/21'],
    },
    // Yahoo/AOL's proxy fetching the page behind a link of a message: not a person clicking.
    // https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html
    { id: 'yahoo-link-fetch', engagement: 'machine', eventTypes: ['Click'], userAgentPatterns: ['YahooMailProxy'] },
    // Every mail client and browser sends a User-Agent; scanners often send none.
    { id: 'no-user-agent', engagement: 'machine', eventTypes: ['Open', 'Click'], missingUserAgent: true },
    // HTTP libraries and command-line clients: a script, not a mail client.
    {
      id: 'http-client-library',
      engagement: 'machine',
      eventTypes: ['Open', 'Click'],
      userAgentPatterns: [
        '^(python-requests|python-urllib\\d?|aiohttp|curl|wget|go-http-client|apache-httpclient|libwww-perl|axios|node-fetch|undici|lua-resty-http|ahc)/',
        '^(python|java)/\\d',
      ],
    },
    // Headless browsers: automation.
    {
      id: 'headless-browser',
      engagement: 'machine',
      eventTypes: ['Open', 'Click'],
      userAgentPatterns: ['HeadlessChrome/', 'PhantomJS/'],
    },
    // Crawlers that say so: "Googlebot/2.1", "+http://…/bot.html".
    {
      id: 'declared-crawler',
      engagement: 'machine',
      eventTypes: ['Open', 'Click'],
      userAgentPatterns: ['(bot|crawler|spider)/\\d', '\\+https?://'],
    },
    // Delivery takes a second or more; a person then has to see, open and read the message. An
    // open within 2 s or a click within 5 s of sending is a prefetch or a scan.
    {
      id: 'too-soon-after-send',
      engagement: 'machine',
      eventTypes: ['Open', 'Click'],
      sentWithinMs: { Open: 2_000, Click: 5_000 },
    },
    // Gmail's image proxy fetches when the recipient opens the message (then caches): a person.
    // https://wordtothewise.com/2013/12/gmail-deploys-image-proxy-servers/
    {
      id: 'gmail-image-proxy',
      engagement: 'human',
      eventTypes: ['Open'],
      userAgentPatterns: ['GoogleImageProxy'],
    },
    // Yahoo/AOL's image cache, like Gmail's, fetches when the recipient opens the message.
    // https://www.validity.com/how-yahoos-image-caching-will-impact-your-email-marketing-metrics/
    { id: 'yahoo-mail-proxy', engagement: 'human', eventTypes: ['Open'], userAgentPatterns: ['YahooMailProxy'] },
  ],
};
