import { isSnsHost, snsHostOfTopic } from '../shared/aws-names.js';
import { SnsVerificationError } from './errors.js';

/**
 * Path of an SNS signing certificate: `/SimpleNotificationService-<32 lower-case hex>.pem`.
 * AWS documents no path format (only "from a trusted AWS domain"); this is the path of every
 * genuine SigningCertURL we hold (19 messages, 2012 to 2026, 8 regions: fixtures/genuine, checked
 * by genuine-sns.test.ts). AWS's validators check less: aws/aws-js-sns-message-validator
 * `index.js` and aws/aws-php-sns-message-validator `src/MessageValidator.php` want https, a host
 * matching `^sns\.[a-zA-Z0-9\-]{3,}\.amazonaws\.com(\.cn)?$` and a path ending `.pem`. The stricter
 * rule refuses without a fetch every URL that cannot name a certificate file of SNS's.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message-verify-message-signature.html
 */
export const SNS_CERTIFICATE_PATH = /^\/SimpleNotificationService-[0-9a-f]{32}\.pem$/;

/**
 * Checks the certificate URL of a message before anything is fetched from it: https, no
 * credentials, no port, exactly the SNS host of the topic's region ({@link snsHostOfTopic}) and
 * the path of an SNS signing certificate. The AWS SDK for Java 2.x pins the host the same way, to
 * its region's endpoint (aws/aws-sdk-java-v2, `services-custom/sns-message-manager`,
 * `CertificateUrlValidator.java`). This rules out S3 hosts, look-alike suffixes
 * (`sns.x.amazonaws.com.evil.example`), userinfo tricks
 * (`https://sns.us-east-1.amazonaws.com@evil.example/x.pem`), another region's host and made-up
 * paths. The topic is not verified yet, but it is signed and checked against the allowlist before
 * any fetch, so a forger can only name the host of an allowed topic's region.
 * @returns the URL rebuilt from host and path alone (an empty `?` or `#` is dropped), so one
 *   certificate has one URL.
 * @throws {SnsVerificationError} a `cert-url-*` code: `cert-url-not-sns-host` also for the SNS
 *   host of another region, `cert-url-not-pem` for any path but a signing certificate's.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 *   ("verify that the certificate was received from Amazon SNS")
 */
export function assertSigningCertUrl(raw: string, topicArn: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SnsVerificationError('cert-url-invalid', 'SigningCertURL is not a URL');
  }
  if (url.protocol !== 'https:') {
    throw new SnsVerificationError('cert-url-not-https', 'SigningCertURL is not https');
  }
  if (url.username !== '' || url.password !== '') {
    throw new SnsVerificationError('cert-url-has-credentials', 'SigningCertURL carries credentials');
  }
  if (url.port !== '' || !isSnsHost(url.hostname)) {
    throw new SnsVerificationError('cert-url-not-sns-host', `SigningCertURL host ${url.host} is not an SNS endpoint`);
  }
  assertHostOfTopic(url.host, url.hostname, topicArn);
  if (!SNS_CERTIFICATE_PATH.test(url.pathname) || url.search !== '' || url.hash !== '') {
    throw new SnsVerificationError(
      'cert-url-not-pem',
      'SigningCertURL does not name an SNS signing certificate (/SimpleNotificationService-<32 hex>.pem)',
    );
  }
  return new URL(`https://${url.hostname}${url.pathname}`);
}

/**
 * Most certificate URLs {@link signingCertHref} remembers (SNS uses a few; the oldest goes first).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export const CHECKED_CERT_URLS_MAX = 64;
/**
 * SigningCertURL texts that passed {@link assertSigningCertUrl}, with their host name and rebuilt
 * URL. Every rule but the topic's region is a pure function of the text, so only that one is
 * checked again on a hit.
 */
const checkedCertUrls = new Map<string, { readonly hostname: string; readonly href: string }>();

/**
 * {@link assertSigningCertUrl}'s rebuilt URL as text, with the same refusals, without parsing the
 * URL again for a text that passed before (a warm Worker sees the same few URLs on every message).
 * A hit checks the host against the topic's region, the one rule that depends on the topic; what
 * a refused URL costs is unchanged, and at most {@link CHECKED_CERT_URLS_MAX} texts are kept.
 * @throws {SnsVerificationError} a `cert-url-*` code, as {@link assertSigningCertUrl}.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export function signingCertHref(raw: string, topicArn: string): string {
  const known = checkedCertUrls.get(raw);
  if (known) {
    // A URL that passed has no port, so its host is its host name.
    assertHostOfTopic(known.hostname, known.hostname, topicArn);
    return known.href;
  }
  const url = assertSigningCertUrl(raw, topicArn);
  checkedCertUrls.set(raw, { hostname: url.hostname, href: url.href });
  if (checkedCertUrls.size > CHECKED_CERT_URLS_MAX) checkedCertUrls.delete(checkedCertUrls.keys().next().value!);
  return url.href;
}

/** The SigningCertURL's host must be exactly the SNS endpoint of the topic's region. */
function assertHostOfTopic(host: string, hostname: string, topicArn: string): void {
  const expectedHost = snsHostOfTopic(topicArn);
  if (hostname !== expectedHost) {
    throw new SnsVerificationError(
      'cert-url-not-sns-host',
      `SigningCertURL host ${host} is not ${expectedHost}, the SNS endpoint of the topic's region`,
    );
  }
}

/**
 * Checks a SubscriptionConfirmation's SubscribeURL before it is visited: https on exactly the
 * SNS host of the topic's region, no credentials, no port. Returns the normalised URL.
 * @throws {SnsVerificationError} `subscribe-url-rejected`.
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.confirm.html
 */
export function assertSubscribeUrl(raw: string, topicArn: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SnsVerificationError('subscribe-url-rejected', 'SubscribeURL is not a URL');
  }
  const expectedHost = snsHostOfTopic(topicArn);
  if (
    url.protocol !== 'https:' ||
    url.username !== '' ||
    url.password !== '' ||
    url.port !== '' ||
    url.hostname !== expectedHost
  ) {
    throw new SnsVerificationError('subscribe-url-rejected', `SubscribeURL is not https on ${expectedHost}`);
  }
  return url;
}
