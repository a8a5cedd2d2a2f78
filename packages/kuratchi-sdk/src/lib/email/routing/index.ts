/**
 * The `routing/` slice: where a verified event goes: the route of its SES message id
 * (`findMessageRoute`), recording it in its organisation's database, parking it while its email is
 * not known yet (or its organisation is moving), and the dead letters it becomes past the park's
 * limits; the ports of the admin and organisation databases and their D1 adapters.
 * Re-exports only.
 * @module
 */
export { recordSesEvent, applyParkedEvents } from './record.js';
export type { CountAhead, EventSinkPorts, EventOrigin, RecordedEvent, SinkOutcome, SinkResult } from './record.js';
export {
  DEFAULT_PARK_TTL_MS,
  DEFAULT_MAX_PARKED_EVENTS_PER_MESSAGE,
  DEFAULT_UNROUTED_DEAD_LETTER_TTL_MS,
  DEFAULT_DEAD_LETTER_TTL_MS,
  SNS_MAX_RETRY_WINDOW_MS,
} from './park-policy.js';
export type { ParkLimits } from './park-policy.js';
export { sweepParkedEvents, drainParkedEvents } from './park-sweep.js';
export type { SweepOptions, SweepReport, DrainOptions, DrainReport } from './park-sweep.js';
export { replayDeadLetters } from './dead-letters.js';
export { addCount, addTally, countOutcome, createIngestionTally } from './ingestion-figures.js';
export type { IngestionTally } from './ingestion-figures.js';
export { DEAD_LETTER_REASONS } from './ports.js';
export type { ReplayDeadLettersOptions, ReplayOutcome, ReplayReport } from './dead-letters.js';
export type {
  AdminStore,
  ParkStore,
  DeadLetterStore,
  OrgEmailStore,
  OrgEmailStoreResolver,
  MessageRoute,
  ParkReason,
  DeadLetterReason,
  ParkedEvent,
  ParkOutcome,
  RoutableParkedEvent,
  ParkedEventCounts,
  DeadLetter,
  DeadLetterQuery,
  DroppedDeadLetters,
  SubscriptionMessageRecord,
  IngestionCounter,
  IngestionFigures,
  IngestionStats,
  RoutedFigures,
  CountReceipt,
  LagPercentiles,
  RecordEventInput,
  RecordEventOutcome,
} from './ports.js';
export { createD1AdminStore } from './d1-admin-store.js';
export { createD1OrgEmailStore, MAX_STATEMENTS_PER_RECORD_BATCH } from './d1-org-email-store.js';
export type { D1OrgEmailStoreOptions } from './d1-org-email-store.js';
export { createD1DeadLetterStore } from './d1-dead-letter-store.js';
export { OrgDatabaseError } from './errors.js';
export type { OrgDatabaseErrorCode } from './errors.js';
export { MessageBindingError } from './errors.js';
export type { MessageBindingErrorCode } from './errors.js';
export { contributionsSql, pendingBackfillSql, ROLLUP_SOURCES } from './rollups.js';
export {
  backfillRollups,
  DEFAULT_ROLLUP_BACKFILL_SLICE,
  marksBackfillSlice,
  readMarksBackfill,
  readRollupBackfill,
  ROLLUP_BACKFILL_SLICE_QUERIES,
  rollupBackfillSlice,
} from './rollup-backfill.js';
export type { OrganizationRollupBackfill, RollupBackfillBudget, RollupBackfillMarker } from './rollup-backfill.js';
export { DEFAULT_ROLLUP_BACKFILL_BUDGET, runRollupBackfill } from './rollup-backfill-run.js';
export type { RollupBackfillRun, RunRollupBackfillOptions } from './rollup-backfill-run.js';
