/**
 * `kuratchi-sdk/internal/reconcile`: reconciliation, the polling alternative to SNS done with the
 * real per-message API (SESv2 GetMessageInsights, which needs Virtual Deliverability Manager):
 * emails with no outcome after some hours are asked about, and what SES tells is applied as
 * events of source `reconcile` through the idempotent inline path. Bulk reconciliation
 * (`runExportJobs`) does the same for whole days through SESv2 export jobs. Re-exports only.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateExportJob.html
 * @module
 */
export { createReconciler } from './reconcile.js';
export type { Reconciler, ReconcilerOptions, ReconcileOrganizationOptions, ReconcileReport } from './reconcile.js';
export { sesEventsFromInsights, RECONCILED_INSIGHT_TYPES } from './insights-events.js';
export type { InsightsSubject } from './insights-events.js';
export { DEFAULT_RECONCILE_SETTINGS, nextAskAt } from './settings.js';
export type { ReconcileSettings } from './settings.js';
export { createThrottle, INSIGHTS_MIN_INTERVAL_MS } from './throttle.js';
export type { Throttle, ThrottleOptions } from './throttle.js';
export { readVdmStatus, VDM_OFF_MESSAGE } from './vdm.js';
export type { VdmStatus } from './vdm.js';
export { runExportJobs, EXPORT_MAX_RESULTS } from './export-jobs.js';
export type { ExportJobsOptions, ExportJobsReport } from './export-jobs.js';
export { readExportRecords, requireInsightsRecords, ExportFileShapeError } from './export-records.js';
export { findUnrecordedExportJob, EXPORT_JOB_GIVE_UP_MS } from './export-job-recovery.js';
export { createD1ExportJobStore, exportJobRowId } from './d1-export-job-store.js';
export type { ExportJobRow, ExportJobState, ExportJobStore } from './d1-export-job-store.js';
