/**
 * `kuratchi-sdk/internal/events`: what an SES event means and where it goes. The email row and its
 * status order, SES event parsing, the effect table (`applyEvent`, `effectsOf`), human-or-machine
 * classification of opens and clicks (`classifyEngagement`), recording a verified event (routing,
 * parking, dead letters), the ingestor the webhook route calls, and the ports those need: re-exports
 * of the slices `ses-events/`, `routing/`, `ingest/`, `archive/` (and `model.ts`, `shared/`).
 * Re-exports only; web-standard code, no AWS SDK.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 * @module
 */
export * from '../ses-events/index.js';
export * from '../routing/index.js';
export * from '../ingest/index.js';
export * from '../archive/index.js';
export { EMAIL_STATUSES, initialTracking, initialRecipientTracking } from '../model.js';
export type {
  EmailStatus,
  EpochMs,
  EmailTracking,
  EmailRow,
  TrackingEffect,
  FieldEffect,
  RecipientKind,
  RecipientTracking,
  EmailRecipient,
  RecipientTimeField,
  RecipientDetailField,
  RecipientEffect,
  RecipientEffectGroup,
  EngagementVerdict,
  TrackingTimeField,
  TrackingCounterField,
  TrackingDetailField,
  EmailEventRecord,
  SuppressionFromEvent,
  SesEventSource,
  EventProvenance,
} from '../model.js';
export { SES_EVENT_SOURCES } from '../model.js';
export { SNS_DEAD_LETTER_RETENTION_SECONDS, MAX_REDRIVE_MESSAGES } from '../sns/redrive.js';
export { lagBucket, lagBucketUpperMs, lagQuantileMs, lagMinute, MAX_LAG_BUCKET } from '../shared/lag-histogram.js';
