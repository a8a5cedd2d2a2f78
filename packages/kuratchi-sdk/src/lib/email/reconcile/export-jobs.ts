import { GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import {
  CreateExportJobCommand,
  GetExportJobCommand,
  type GetExportJobCommandOutput,
  type GetMessageInsightsResponse,
} from '@aws-sdk/client-sesv2';
import type { D1Database } from '@cloudflare/workers-types';
import { applySesEventMessages } from '../ingest/apply-messages.js';
import { unsignedSesEventMessage } from '../ingest/unsigned-event.js';
import type { EventSinkPorts } from '../routing/record.js';
import { resolveSesClient, type SesClientInput } from '../ses/client.js';
import {
  createD1ExportJobStore,
  insightsSubjects,
  type ExportJobRow,
  type ExportJobStore,
} from './d1-export-job-store.js';
import { cancelExportJob, EXPORT_JOB_GIVE_UP_MS, findUnrecordedExportJob } from './export-job-recovery.js';
import { readExportRecords, requireInsightsRecords } from './export-records.js';
import { sesEventsFromInsights, type InsightsSubject } from './insights-events.js';
import { createThrottle, type Throttle } from './throttle.js';

/**
 * Most records one export job may return: MessageInsightsDataSource `MaxResults` (1–10000).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageInsightsDataSource.html
 */
export const EXPORT_MAX_RESULTS = 10_000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Days looked back for a day with no job yet (a cron that stopped for a while catches up). */
const CATCH_UP_DAYS = 3;

/** What one {@link runExportJobs} did, for the cron's log line. */
export interface ExportJobsReport {
  /** Rows added for days with no job yet. */
  days: number;
  /** CreateExportJob calls that answered a JobId. */
  created: number;
  /** Jobs SES created whose JobId we had not recorded, found with ListExportJobs (not created again). */
  found: number;
  /** Jobs still CREATED or PROCESSING a day after creation: cancelled, a new one is created. */
  givenUp: number;
  /** GetExportJob calls. */
  polled: number;
  /** Jobs that came back full and were split in two. */
  split: number;
  /** Calls that failed (recorded on the row, retried later). */
  failed: number;
  /** Export records read and applied this run. */
  records: number;
  /** Records of messages no organisation sent through `sendEmail` (no route): skipped. */
  unknown: number;
  /** Records that are not message-insights records. */
  unreadable: number;
  /** Events applied (new), already recorded (duplicates), or not applied now (parked, orphaned…). */
  applied: number;
  duplicates: number;
  unapplied: number;
  /** Rows finished (every record imported). */
  done: number;
}

/** What {@link runExportJobs} is built from. */
export interface ExportJobsOptions {
  /** The Worker's own SESv2 client or its configuration. */
  ses: SesClientInput;
  /**
   * The Worker's own S3 client or its configuration (reads the export files); default one of the
   * `ses` configuration's region, credentials and endpoint (path-style with an endpoint).
   */
  s3?: S3Client | S3ClientConfig;
  /** The admin database (`reconcile_export_jobs`, admin migration 0021), or a store over it. */
  adminDb: D1Database;
  store?: ExportJobStore;
  /** Where events go: the import's sink (idempotent by content identity). */
  sink: EventSinkPorts;
  /** An organisation's database (for what a recorded event says of the email). */
  orgDatabase(organizationId: string): Promise<D1Database>;
  /** `s3://bucket/prefix/`: where SES writes the files (`<prefix><day>/<start>-<end>/`). */
  destination: string;
  /** A day's job is created this long after the day ended (outcomes arrive late). */
  afterMs: number;
  /** MaxResults of each job; default {@link EXPORT_MAX_RESULTS}. */
  maxResults?: number;
  /** Records applied per run, all jobs together; default 500 (a few D1 queries per event). */
  maxRecordsPerRun?: number;
  /** Rows looked at per run; default 10. */
  maxRowsPerRun?: number;
  /** A full job of a range this short or shorter is imported as it is, not split; default 1 min. */
  minRangeMs?: number;
  /** Spaces CreateExportJob calls (one a second); default a throttle of 1 s. */
  throttle?: Throttle;
  /** Reads an https (pre-signed) output URL; default the global `fetch`. */
  fetch?: typeof fetch;
}

/**
 * Bulk reconciliation, one cron run: SESv2 export jobs of message insights, a UTC day each, whose
 * records are applied through the import's idempotent path (`unsignedSesEventMessage`, source
 * `reconcile`, then `applySesEventMessages`: keyed by content identity, so an event SES also
 * sent by SNS, or a second import of the same file, counts once). Multi-recipient mail is
 * covered: each destination's events are applied. Each run, bounded:
 * 1. each UTC day that ended `afterMs` ago gets a row, once (missed days of the last
 *    {@link CATCH_UP_DAYS} are caught up; the first run starts with the last ended day);
 * 2. a `create` row calls CreateExportJob (MessageInsightsDataSource StartDate/EndDate, both
 *    inclusive, `MaxResults`; ExportDestination `DataFormat` JSON, `S3Url` under `destination`),
 *    noting the call first: a row whose earlier call's answer was lost looks for that job with
 *    ListExportJobs (`findUnrecordedExportJob`) and follows it instead of creating a second;
 * 3. an `export` row calls GetExportJob: CREATED/PROCESSING waits for the next run, up to a day
 *    after the job's creation (`EXPORT_JOB_GIVE_UP_MS`), then the job is given up (cancelled,
 *    counted in `jobs_given_up`, the error recorded) and a new one created; FAILED or
 *    CANCELLED goes back to `create` (a new job); COMPLETED reads the file at
 *    `ExportDestination.S3Url` (`s3://` with the S3 client, a prefix listed with ListObjectsV2;
 *    `https://` a pre-signed URL, fetched). A job is **full** when its file holds `MaxResults`
 *    records or more, or `Statistics.ExportedRecordsCount` says so: records past the limit may
 *    be missing, so the range is split in two halves (new rows) instead of imported, down to
 *    `minRangeMs`;
 * 4. an `import` row applies the next records of its file, at most `maxRecordsPerRun` in all,
 *    and remembers how far it got.
 * A failed call (or a database error while applying) is recorded on the row (`attempts`,
 * `last_error`) and retried after 10 min, doubling up to a day: nothing is lost.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateExportJob.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageInsightsDataSource.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ExportDestination.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetExportJob.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListExportJobs.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ExportStatistics.html
 */
export async function runExportJobs(options: ExportJobsOptions, now: Date): Promise<ExportJobsReport> {
  const at = now.getTime();
  const ses = resolveSesClient(options.ses);
  const s3 = options.s3 instanceof S3Client ? options.s3 : new S3Client(options.s3 ?? s3Config(options.ses));
  const store = options.store ?? createD1ExportJobStore(options.adminDb);
  const maxResults = options.maxResults ?? EXPORT_MAX_RESULTS;
  const minRangeMs = options.minRangeMs ?? MINUTE_MS;
  const throttle = options.throttle ?? createThrottle();
  const report: ExportJobsReport = {
    days: 0,
    created: 0,
    found: 0,
    givenUp: 0,
    polled: 0,
    split: 0,
    failed: 0,
    records: 0,
    unknown: 0,
    unreadable: 0,
    applied: 0,
    duplicates: 0,
    unapplied: 0,
    done: 0,
  };
  let budget = options.maxRecordsPerRun ?? 500;

  // The days that ended `afterMs` ago, within the catch-up window, after the latest day with a
  // row (none yet: only the last of them, so turning this on does not export days before).
  const today = Math.floor(at / DAY_MS) * DAY_MS;
  const latest = await store.latestDay();
  const ended: Array<{ day: string; rangeStart: number; rangeEnd: number }> = [];
  for (let start = today - CATCH_UP_DAYS * DAY_MS; start < today; start += DAY_MS) {
    const day = new Date(start).toISOString().slice(0, 10);
    if (start + DAY_MS + options.afterMs <= at && (latest === null || day > latest))
      ended.push({ day, rangeStart: start, rangeEnd: start + DAY_MS - 1 });
  }
  const days = latest === null ? ended.slice(-1) : ended;
  await store.addRanges(days, at);
  report.days = days.length;

  const fail = async (row: ExportJobRow, error: unknown, fields: Partial<ExportJobRow> = {}) => {
    report.failed++;
    const attempts = row.attempts + 1;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await store.update(row.id, { ...fields, attempts, lastError: text, nextAt: at + backoffMs(attempts) }, at);
  };

  for (const row of await store.due(at, options.maxRowsPerRun ?? 10)) {
    if (row.state === 'create') {
      const prefix = `${options.destination}${row.day}/${row.rangeStart}-${row.rangeEnd}/`;
      await throttle.wait();
      try {
        // An earlier call's answer was lost: its job, if SES made it, is found instead of made twice.
        const found = row.createCalledAt === null ? null : await findUnrecordedExportJob(ses, row, prefix);
        if (found) {
          report.found++;
          await store.update(
            row.id,
            {
              state: 'export',
              jobId: found.jobId,
              jobCreatedAt: found.createdAt ?? row.createCalledAt,
              createCalledAt: null,
              attempts: 0,
              lastError: null,
              nextAt: at,
            },
            at,
          );
          continue;
        }
        await store.update(row.id, { createCalledAt: at }, at);
        const answer = await ses.send(
          new CreateExportJobCommand({
            ExportDataSource: {
              MessageInsightsDataSource: {
                StartDate: new Date(row.rangeStart),
                EndDate: new Date(row.rangeEnd),
                MaxResults: maxResults,
              },
            },
            ExportDestination: {
              DataFormat: 'JSON',
              S3Url: prefix,
            },
          }),
        );
        if (!answer.JobId) throw new Error('CreateExportJob answered no JobId');
        report.created++;
        await store.update(
          row.id,
          {
            state: 'export',
            jobId: answer.JobId,
            jobCreatedAt: at,
            createCalledAt: null,
            attempts: 0,
            lastError: null,
            nextAt: at,
          },
          at,
        );
      } catch (error) {
        await fail(row, error);
      }
      continue;
    }

    let file: Array<GetMessageInsightsResponse | null> | undefined;
    let current = row;
    if (row.state === 'export') {
      let job: GetExportJobCommandOutput;
      try {
        report.polled++;
        job = await ses.send(new GetExportJobCommand({ JobId: row.jobId! }));
      } catch (error) {
        // An unknown job id cannot complete: a new job is created.
        const gone = (error as { name?: string }).name === 'NotFoundException';
        await fail(row, error, gone ? { state: 'create', jobId: null, jobStatus: null, jobCreatedAt: null } : {});
        continue;
      }
      const status = job.JobStatus ?? 'CREATED';
      if (status === 'FAILED' || status === 'CANCELLED') {
        await fail(
          row,
          new Error(`export job ${row.jobId} ${status}: ${job.FailureInfo?.ErrorMessage ?? 'no reason given'}`),
          { state: 'create', jobId: null, jobStatus: status, jobCreatedAt: null },
        );
        continue;
      }
      if (status !== 'COMPLETED') {
        const createdAt = row.jobCreatedAt ?? job.CreatedTimestamp?.getTime() ?? at;
        if (at - createdAt < EXPORT_JOB_GIVE_UP_MS) {
          await store.update(row.id, { jobStatus: status, jobCreatedAt: createdAt, nextAt: at }, at);
          continue;
        }
        report.givenUp++;
        const cancel = await cancelExportJob(ses, row.jobId!);
        const hours = Math.floor((at - createdAt) / 3_600_000);
        await fail(
          row,
          new Error(`export job ${row.jobId} still ${status} ${hours} h after its creation: given up (${cancel})`),
          { state: 'create', jobId: null, jobStatus: status, jobCreatedAt: null, jobsGivenUp: row.jobsGivenUp + 1 },
        );
        continue;
      }
      if (!job.ExportDestination?.S3Url) {
        await fail(row, new Error(`export job ${row.jobId} COMPLETED without ExportDestination.S3Url`), {
          jobStatus: status,
        });
        continue;
      }
      const outputUrl = job.ExportDestination.S3Url;
      try {
        file = await readExportFile(s3, outputUrl, options.fetch ?? fetch);
      } catch (error) {
        await fail(row, error, { jobStatus: status, outputUrl });
        continue;
      }
      const full = file.length >= maxResults || (job.Statistics?.ExportedRecordsCount ?? 0) >= maxResults;
      if (full && row.rangeEnd - row.rangeStart + 1 > minRangeMs) {
        const middle = row.rangeStart + Math.floor((row.rangeEnd - row.rangeStart + 1) / 2);
        await store.addRanges(
          [
            { day: row.day, rangeStart: row.rangeStart, rangeEnd: middle - 1 },
            { day: row.day, rangeStart: middle, rangeEnd: row.rangeEnd },
          ],
          at,
        );
        await store.update(row.id, { state: 'split', jobStatus: status, outputUrl, records: file.length }, at);
        report.split++;
        continue;
      }
      current = {
        ...row,
        state: 'import',
        jobStatus: status,
        outputUrl,
        records: file.length,
        attempts: 0,
        lastError: full
          ? `full (${file.length} records) at the smallest range: records past MaxResults may be missing`
          : null,
      };
      await store.update(row.id, current, at);
    }

    if (budget <= 0) continue;
    try {
      file ??= await readExportFile(s3, current.outputUrl!, options.fetch ?? fetch);
    } catch (error) {
      await fail(current, error);
      continue;
    }
    const page = file.slice(current.recordsImported, current.recordsImported + budget);
    const applied = await applyRecords(options, page, now);
    report.unknown += applied.unknown;
    report.unreadable += applied.unreadable;
    report.unapplied += applied.unapplied;
    if (applied.retry) {
      await fail(current, new Error('a database error left events unapplied: the page is applied again'));
      continue;
    }
    budget -= page.length;
    report.records += page.length;
    report.applied += applied.applied;
    report.duplicates += applied.duplicates;
    const recordsImported = current.recordsImported + page.length;
    const finished = recordsImported >= file.length;
    if (finished) report.done++;
    await store.update(
      current.id,
      {
        state: finished ? 'done' : 'import',
        recordsImported,
        eventsApplied: current.eventsApplied + applied.applied,
        eventsDuplicate: current.eventsDuplicate + applied.duplicates,
        attempts: 0,
        nextAt: at,
      },
      at,
    );
  }
  return report;
}

/** An S3 client configuration of the SESv2 one's region, credentials and endpoint. */
function s3Config(ses: SesClientInput): S3ClientConfig {
  if (typeof (ses as { send?: unknown }).send === 'function')
    throw new TypeError('runExportJobs: pass `s3` when `ses` is a client');
  const { region, credentials, endpoint } = ses as S3ClientConfig;
  return { region, credentials, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) };
}

/** Retry delay after `attempts` failures in a row: 10 min, doubling, at most a day. */
function backoffMs(attempts: number): number {
  return Math.min(10 * MINUTE_MS * 2 ** (attempts - 1), DAY_MS);
}

/** Applies the events of a page of records (routes in pages of 100, one subject query per organisation). */
async function applyRecords(
  options: ExportJobsOptions,
  records: ReadonlyArray<GetMessageInsightsResponse | null>,
  now: Date,
) {
  const result = { unknown: 0, unreadable: 0, applied: 0, duplicates: 0, unapplied: 0, retry: false };
  for (let i = 0; i < records.length; i += 100) {
    const chunk = records.slice(i, i + 100);
    const readable = chunk.filter((r): r is GetMessageInsightsResponse => r !== null);
    result.unreadable += chunk.length - readable.length;
    const routes = await options.sink.adminStore.findMessageRoutes(readable.map((r) => r.MessageId!));
    const byOrganization = new Map<string, string[]>();
    for (const route of routes.values())
      byOrganization.set(route.organizationId, [...(byOrganization.get(route.organizationId) ?? []), route.emailId]);
    const subjects = new Map<string, InsightsSubject>();
    for (const [organizationId, emailIds] of byOrganization) {
      const found = await insightsSubjects(await options.orgDatabase(organizationId), emailIds);
      for (const [emailId, subject] of found) subjects.set(emailId, subject);
    }
    const events = readable.flatMap((record) => {
      const route = routes.get(record.MessageId!);
      const subject = route && subjects.get(route.emailId);
      if (!subject) {
        result.unknown++;
        return [];
      }
      return sesEventsFromInsights(record, subject);
    });
    if (!events.length) continue;
    const messages = await Promise.all(events.map((e) => unsignedSesEventMessage(JSON.stringify(e), 'reconcile', now)));
    const { outcomes } = await applySesEventMessages(options.sink, messages);
    for (const outcome of outcomes) {
      if (outcome === 'applied') result.applied++;
      else if (outcome === 'duplicate') result.duplicates++;
      else if (outcome === 'retry') result.retry = true;
      else result.unapplied++;
    }
  }
  return result;
}

/**
 * The records of an export job's output: `https://` (a pre-signed URL) fetched; `s3://bucket/key`
 * read with GetObject, or, ending in `/`, every object under the prefix (ListObjectsV2, key
 * order). Gzip (magic bytes 1f 8b) is decompressed. A file of entries none of which is a
 * message-insights record is refused (`ExportFileShapeError`): the row keeps the error and retries.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
async function readExportFile(s3: S3Client, url: string, fetcher: typeof fetch) {
  if (url.startsWith('https://')) {
    const response = await fetcher(url, { redirect: 'manual' });
    if (response.status !== 200) throw new Error(`GET of the export file answered ${response.status}`);
    return requireInsightsRecords(readExportRecords(await text(new Uint8Array(await response.arrayBuffer()))), url);
  }
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!match) throw new Error(`not an s3:// or https:// URL: ${url}`);
  const [, bucket, key] = match as unknown as [string, string, string];
  const keys: string[] = [];
  if (key.endsWith('/') || key === '') {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key && !object.Key.endsWith('/')) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    keys.sort();
  } else keys.push(key);
  const records: Array<GetMessageInsightsResponse | null> = [];
  for (const k of keys) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
    if (!object.Body) continue;
    const bytes = new Uint8Array(await new Response(object.Body as ReadableStream).arrayBuffer());
    records.push(...readExportRecords(await text(bytes)));
  }
  return requireInsightsRecords(records, url);
}

async function text(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text();
  }
  return new TextDecoder().decode(bytes);
}
