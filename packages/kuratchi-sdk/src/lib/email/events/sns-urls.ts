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
  const expectedHost = snsHostOfTopic(topicArn);
  if (url.hostname !== expectedHost) {
    throw new SnsVerificationError(
      'cert-url-not-sns-host',
      `SigningCertURL host ${url.host} is not ${expectedHost}, the SNS endpoint of the topic's region`,
    );
  }
  if (!SNS_CERTIFICATE_PATH.test(url.pathname) || url.search !== '' || url.hash !== '') {
    throw new SnsVerificationError(
      'cert-url-not-pem',
      'SigningCertURL does not name an SNS signing certificate (/SimpleNotificationService-<32 hex>.pem)',
    );
  }
  return new URL(`https://${url.hostname}${url.pathname}`);
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
