// Test and demo helpers of kuratchi-sdk (`kuratchi-sdk/email/testing`): re-exports only.
export { createSnsSigner } from './sns-signer.js';
export type { SnsSigner, SnsSignerOptions, UnsignedSnsMessage } from './sns-signer.js';
export { createSelfSignedCertificate } from './self-signed-certificate.js';
export type { SelfSignedCertificate, SelfSignedCertificateOptions } from './self-signed-certificate.js';
export { buildSesEvent } from './ses-event-factory.js';
export type { SesEventSpec } from './ses-event-factory.js';
export { createDemoTraffic } from './demo-traffic.js';
export type { DemoEmail, DemoDelivery, DemoTrafficOptions } from './demo-traffic.js';
export { seededRandom } from './seeded-random.js';
