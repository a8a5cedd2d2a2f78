import { SnsVerificationError } from './errors.js';

/**
 * `sns.<region>.amazonaws.com`, or `.amazonaws.com.cn` for the China regions. Regions are
 * `<area>(-<word>)+-<n>` (us-east-1, us-gov-west-1, cn-northwest-1, ap-southeast-3…).
 * @see https://docs.aws.amazon.com/general/latest/gr/sns.html (SNS endpoints)
 */
const SNS_HOST = /^sns\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.amazonaws\.com(\.cn)?$/;

/** True when `hostname` is an SNS regional endpoint (China endpoints only for `cn-` regions). */
export function isSnsHost(hostname: string): boolean {
  const match = SNS_HOST.exec(hostname);
  if (!match) return false;
  const isChinaRegion = match[1]!.startsWith('cn-');
  return isChinaRegion === (match[2] === '.cn');
}

/**
 * Checks the certificate URL of a message before anything is fetched from it: https, no
 * credentials, no port, an SNS regional host and a `.pem` path. Returns the normalised URL.
 * This rules out S3 hosts, look-alike suffixes (`sns.x.amazonaws.com.evil.example`) and
 * userinfo tricks (`https://sns.us-east-1.amazonaws.com@evil.example/x.pem`).
 * @throws {SnsVerificationError} a `cert-url-*` code.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 *   ("verify that the certificate was received from Amazon SNS")
 */
export function assertSigningCertUrl(raw: string): URL {
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
  if (!url.pathname.endsWith('.pem') || url.search !== '' || url.hash !== '') {
    throw new SnsVerificationError('cert-url-not-pem', 'SigningCertURL does not name a .pem file');
  }
  return url;
}

/**
 * The SNS endpoint host of a topic's region: `sns.<region>.amazonaws.com`, `.com.cn` in the
 * `aws-cn` partition.
 */
export function snsHostOfTopic(topicArn: string): string {
  const [, partition, , region] = topicArn.split(':');
  return `sns.${region}.amazonaws.com${partition === 'aws-cn' ? '.cn' : ''}`;
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
