/**
 * `kuratchi-sdk/internal/setup`: the SES -> SNS -> webhook path of one deployment, made, checked
 * and removed (`setupSESEventTracking`, `getSESEventTrackingStatus`, `teardownSESEventTracking`),
 * with the default names they use. Re-exports only. Loads the AWS SDK's SNS, SESv2 and STS
 * clients; meant for Node (scripts, CI, the `kuratchi-ses` CLI).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-sns.html
 * @module
 */
export { setupSESEventTracking } from './setup-ses-event-tracking.js';
export type { SetupReport } from './setup-ses-event-tracking.js';
export { getSESEventTrackingStatus } from './status.js';
export type { SesEventTrackingStatus } from './status.js';
export type { TenantAssociations } from './tenant-associations.js';
export { teardownSESEventTracking } from './teardown.js';
export type { TeardownReport } from './teardown.js';
export type {
  SetupSesEventTrackingOptions,
  SesEventTrackingStatusOptions,
  TeardownSesEventTrackingOptions,
  SesEventTrackingTarget,
  SesEventTrackingClients,
  HttpsDeliveryPolicy,
  FirehoseDestinationOptions,
} from './options.js';
export type { StepReport, StepStatus } from './steps.js';
export type { FlatCredentials } from './credentials.js';
export { DEFAULT_CONFIGURATION_SET_NAME } from '../shared/configuration-set.js';
export {
  DEFAULT_TOPIC_NAME,
  DEFAULT_EVENT_DESTINATION_NAME,
  SEED_EVENT_DESTINATION_NAME,
  DEFAULT_FIREHOSE_EVENT_DESTINATION_NAME,
  SES_EVENT_DESTINATION_TYPES,
} from './defaults.js';
export type { SesEventDestinationType } from './defaults.js';
export { InvalidOptionsError } from '../shared/invalid-options.js';
export type { InvalidOption } from '../shared/invalid-options.js';
