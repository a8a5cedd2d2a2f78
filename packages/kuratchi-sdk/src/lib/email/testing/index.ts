/**
 * `kuratchi-sdk/email/testing`: test and demo helpers: SNS messages signed with a generated key
 * and certificate, SES events, demo traffic, Firehose request bodies, a test clock. Re-exports
 * only.
 * @module
 */
export { createSnsSigner } from './sns-signer.js';
export type { SnsSigner, SnsSignerOptions, UnsignedSnsMessage } from './sns-signer.js';
export {
  createSelfSignedCertificate,
  DEFAULT_CERTIFICATE_NOT_AFTER,
  DEFAULT_CERTIFICATE_NOT_BEFORE,
} from './self-signed-certificate.js';
export type { SelfSignedCertificate, SelfSignedCertificateOptions } from './self-signed-certificate.js';
export { buildSesEvent } from './ses-event-factory.js';
export type { SesEventSpec } from './ses-event-factory.js';
export { createDemoTraffic } from './demo-traffic.js';
export type { DemoEmail, DemoDelivery, DemoTrafficOptions } from './demo-traffic.js';
export { seededRandom } from './seeded-random.js';
export { createTestClock, DEFAULT_TEST_NOW } from './test-clock.js';
export type { TestClock } from './test-clock.js';
export { buildFirehoseRequestBody, gzipBytes } from './firehose-request.js';
