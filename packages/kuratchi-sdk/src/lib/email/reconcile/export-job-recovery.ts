import {
  CancelExportJobCommand,
  GetExportJobCommand,
  ListExportJobsCommand,
  type ListExportJobsCommandOutput,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import type { ExportJobRow } from './d1-export-job-store.js';

/**
 * A job still CREATED or PROCESSING this long after it was created is given up (cancelled, and
 * a new one created): SES documents no bound on an export job's duration, so this is ours.
 */
export const EXPORT_JOB_GIVE_UP_MS = 86_400_000;
/** Clock difference allowed between our `create_called_at` and SES's `CreatedTimestamp`. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Pages of ListExportJobs read, and candidates read with GetExportJob, per look-up: bounded. */
const LIST_PAGES = 5;
const CANDIDATES = 10;

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The job SES created for a row whose CreateExportJob answer was never recorded (the Worker
 * stopped, or the call failed after SES accepted it), or null: ListExportJobs of
 * `MESSAGE_INSIGHTS` jobs not FAILED or CANCELLED created since the call (less
 * {@link CLOCK_SKEW_MS}), each read with GetExportJob, the one whose MessageInsightsDataSource
 * has the row's StartDate and EndDate (to the second) and whose `s3://` ExportDestination is
 * under the row's prefix (another deployment of the same account exports elsewhere). Bounded:
 * {@link LIST_PAGES} pages, {@link CANDIDATES} reads.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListExportJobs.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetExportJob.html
 */
export async function findUnrecordedExportJob(
  ses: SESv2Client,
  row: Pick<ExportJobRow, 'rangeStart' | 'rangeEnd' | 'createCalledAt'>,
  prefix: string,
): Promise<{ jobId: string; createdAt: number | null } | null> {
  const since = (row.createCalledAt ?? 0) - CLOCK_SKEW_MS;
  const candidates: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < LIST_PAGES && candidates.length < CANDIDATES; page++) {
    const answer: ListExportJobsCommandOutput | undefined = await ses.send(
      new ListExportJobsCommand({ ExportSourceType: 'MESSAGE_INSIGHTS', ...(token ? { NextToken: token } : {}) }),
    );
    for (const job of answer?.ExportJobs ?? []) {
      if (!job.JobId || job.JobStatus === 'FAILED' || job.JobStatus === 'CANCELLED') continue;
      if (job.CreatedTimestamp && job.CreatedTimestamp.getTime() < since) continue;
      candidates.push(job.JobId);
    }
    token = answer?.NextToken;
    if (!token) break;
  }
  for (const jobId of candidates.slice(0, CANDIDATES)) {
    const job = await ses.send(new GetExportJobCommand({ JobId: jobId }));
    const source = job.ExportDataSource?.MessageInsightsDataSource;
    const url = job.ExportDestination?.S3Url ?? '';
    if (
      source?.StartDate &&
      source.EndDate &&
      seconds(source.StartDate.getTime()) === seconds(row.rangeStart) &&
      seconds(source.EndDate.getTime()) === seconds(row.rangeEnd) &&
      (!url.startsWith('s3://') || url.startsWith(prefix))
    )
      return { jobId, createdAt: job.CreatedTimestamp?.getTime() ?? null };
  }
  return null;
}

/**
 * Cancels a job given up (CancelExportJob), so it writes nothing later; a failure is returned
 * as text for the row's error (the job is given up either way).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CancelExportJob.html
 */
export async function cancelExportJob(ses: SESv2Client, jobId: string): Promise<string> {
  try {
    await ses.send(new CancelExportJobCommand({ JobId: jobId }));
    return 'cancelled';
  } catch (error) {
    return `CancelExportJob failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
}
