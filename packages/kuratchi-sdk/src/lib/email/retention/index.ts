/**
 * `kuratchi-sdk/internal/retention`: how long each organisation's events and emails are kept
 * (deployment defaults, per-organisation overrides in the admin database) and the cron's purge,
 * in bounded slices that resume where they stopped. Re-exports only.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @module
 */
export {
  DAY_MS,
  DEFAULT_RETENTION,
  RETENTION_DAYS_LIMITS,
  effectiveRetention,
  parseRetentionOverride,
  retentionCutoffs,
} from './policy.js';
export type { RetentionOverride, RetentionPolicy } from './policy.js';
export { InvalidOptionsError } from '../shared/invalid-options.js';
export {
  ARCHIVE_DAYS_CHOICES,
  ARCHIVE_PREFIXES,
  DEFAULT_ARCHIVE_PREFIX,
  archiveDaysOfKey,
  archivePrefix,
  isArchiveDaysChoice,
} from '../shared/archive-days.js';
export type { ArchiveDaysChoice } from '../shared/archive-days.js';
export { createD1RetentionStore } from './d1-retention-store.js';
export { createD1RetentionLookup } from './d1-retention-lookup.js';
export type { PurgeCandidate, PurgeProgress, RetentionStore, StoredRetentionOverride } from './d1-retention-store.js';
export { EMAIL_SLICE_QUERIES, PURGE_EMAIL_SLICE, PURGE_EVENT_SLICE, purgeOrganization } from './purge.js';
export { LINK_ROLLUPS_TOP_N, TOP_LINKS_DAYS, linkRollupsTrimDay, trimLinkRollups } from './link-rollups.js';
export type { LinkTrim, LinkTrimBudget } from './link-rollups.js';
export type { OrganizationPurge, PurgeBudget, PurgeOrganizationOptions } from './purge.js';
export { DEFAULT_PURGE_BUDGET, runRetentionPurge } from './run.js';
export type { RetentionPurgeRun, RunRetentionPurgeOptions } from './run.js';
