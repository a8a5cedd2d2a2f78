/**
 * `kuratchi-sdk/internal/guard`: the per-organisation reputation guard. Per-recipient bounce and
 * complaint rates over two trailing windows (long and short) with minimum volumes, warn and pause thresholds below
 * SES's review levels, the state and audit log in the admin database, the lift, and the error
 * `sendEmail` reports for a paused organisation. Re-exports only. Loads the AWS SDK's SESv2
 * client (to pause an organisation's own configuration set, and to read SES's view of its tenant:
 * GetReputationEntity, ListReputationEntities, ListRecommendations, and the status events' endpoint).
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 * @module
 */
export {
  parseReputationGuardSettings,
  DEFAULT_REPUTATION_GUARD_SETTINGS,
  SES_REVIEW_LEVELS,
  SHORT_WINDOW,
  shortWindowSettings,
} from './settings.js';
export type {
  ReputationGuardSettings,
  ReputationGuardSettingsInput,
  ReputationMetric,
  MetricThresholds,
} from './settings.js';
export { reputationVerdict, formatRate, describeNeeds } from './verdict.js';
export type { RecipientCounts, ReputationLevel, ReputationVerdict, MetricVerdict } from './verdict.js';
export { reputationReport } from './report.js';
export type { ReputationReport, ReputationDay, ShortWindowReport } from './report.js';
export { evaluateReputationGuard, GUARD_ACTOR } from './evaluate.js';
export type { EvaluateReputationGuardOptions, ReputationGuardEvaluation } from './evaluate.js';
export { liftSendingPause } from './lift.js';
export type { LiftSendingPauseOptions } from './lift.js';
export { SendingPausedError, NotPausedError, ConfigurationSetTakenError } from './errors.js';
export { InvalidOptionsError } from '../shared/invalid-options.js';
export type { SesClientInput } from '../ses/client.js';
export { createD1ReputationGuardStore, describeGuardWindow } from './d1-guard-store.js';
export type {
  GuardWindow,
  ReputationGuardState,
  ReputationGuardAuditEntry,
  OrganizationReputation,
  ReputationGuardStore,
  GuardedOrganization,
  GuardStateWrite,
  ConfigurationSetCall,
} from './d1-guard-store.js';
export { organizationIdOfEntity, readSesReputationView } from './ses-view.js';
export type { SesReputationView, SesStatusRecord, SesFinding } from './ses-view.js';
export { rereadSesViews, sweepSesViews, refreshSesViews } from './ses-view-refresh.js';
export type { SesViewRereads, SesViewRefresh } from './ses-view-refresh.js';
export { createD1SesViewStore } from './d1-ses-view-store.js';
export type { StoredSesReputationView, SesReputationSweep, SesViewStore } from './d1-ses-view-store.js';
export {
  handleTenantStatusEvent,
  parseTenantStatusEvent,
  TENANT_STATUS_SECRET_HEADER,
  SES_STATUS_EVENTS_PATH,
  TENANT_STATUS_DETAIL_TYPES,
} from './tenant-status-event.js';
export type { TenantStatusEvent, TenantStatusEventOptions } from './tenant-status-event.js';
export { runReputationGuardSlice, DEFAULT_ORGANIZATIONS_PER_RUN } from './run-slice.js';
export type { ReputationGuardSliceOptions, ReputationGuardSlice } from './run-slice.js';
