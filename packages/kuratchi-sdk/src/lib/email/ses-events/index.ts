/**
 * The `ses-events/` slice: SES event semantics: parsing an SES event record, the effect table
 * (what each event does to the email row and its recipients), which copies are one event (content
 * identity), and the human-or-machine classification of opens and clicks, with its D1
 * reclassification.
 * Re-exports only.
 * @module
 */
export {
  CONTENT_IDENTITY_VERSION,
  sesEventContentId,
  sesEventIdentityFields,
  contentKeyedMessageId,
} from './content-identity.js';
export { SesEventParseError } from './errors.js';
export type { SesEventParseErrorCode } from './errors.js';
export { parseSesEvent, sesEventTime, sesEventDetail, SES_EVENT_TYPES } from './ses-event.js';
export type { SesEvent, SesEventType, SesEventOf } from './ses-event.js';
export { applyEvent, applyEffects, effectsOf, suppressionsOf } from './apply.js';
export {
  recipientEffectsOf,
  recipientAddress,
  applyRecipientEvent,
  recipientOutcomeCounts,
} from './recipient-effects.js';
export {
  ENGAGEMENT_RULES,
  CLICK_BURST_RULE,
  DEFAULT_HUMAN_RULE,
  classifyEngagement,
  classifyEngagementSet,
} from './engagement.js';
export type {
  Engagement,
  EngagementEvent,
  EngagementEventType,
  EngagementRule,
  EngagementRules,
} from './engagement.js';
export { SES_BOT_RULES, rawBotVerdict, sesEngagement, verdictBy } from './ses-bot-verdict.js';
export type { VerdictBy } from './ses-bot-verdict.js';
export {
  reclassifyEngagementPage,
  countEngagementToReclassify,
  MAX_RECLASSIFY_PAGE,
} from './d1-engagement-reclassify.js';
export type { ReclassifyPage } from './d1-engagement-reclassify.js';
