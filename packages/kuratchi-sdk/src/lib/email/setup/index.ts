/**
 * `kuratchi-sdk/email/setup`: the SES -> SNS -> webhook path of one deployment, made, checked
 * and removed (`setupSESEventTracking`, `getSESEventTrackingStatus`, `teardownSESEventTracking`),
 * with the default names they use. Re-exports only. Loads the AWS SDK's SNS, SESv2 and STS
 * clients; meant for Node (scripts, CI, the `kuratchi-ses` CLI).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-sns.html
 * @module
 */
export { setupSESEventTracking, getSESEventTrackingStatus, teardownSESEventTracking } from '../setup-ses-events.js';
export type {
  SetupReport,
  SetupSESEventTrackingOptions,
  SESEventTrackingStatus,
  SESEventTrackingStatusOptions,
  TeardownReport,
  TeardownSESEventTrackingOptions,
  SesEventTrackingTarget,
  SesEventTrackingClients,
  HttpsDeliveryPolicy,
  StepReport,
  StepStatus,
} from '../setup-ses-events.js';
export {
  DEFAULT_CONFIGURATION_SET_NAME,
  DEFAULT_TOPIC_NAME,
  DEFAULT_EVENT_DESTINATION_NAME,
  SES_EVENT_DESTINATION_TYPES,
} from './defaults.js';
export type { SesEventDestinationType } from './defaults.js';
export { InvalidOptionsError } from '../send/invalid-options.js';
export type { InvalidOption } from '../send/invalid-options.js';
