import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  CancelExportJobCommand,
  CreateExportJobCommand,
  GetExportJobCommand,
  ListExportJobsCommand,
  SESv2Client,
  SendEmailCommand,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { d1SinkPorts, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { applySesEventMessages } from '../ingest/apply-messages.js';
import { unsignedSesEventMessage } from '../ingest/unsigned-event.js';
import { createOrgDatabaseClient } from '../organizations/org-databases.js';
import { createEmailSender } from '../send/send-email.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { runExportJobs, type ExportJobsOptions } from './export-jobs.js';
import { createThrottle } from './throttle.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const credentials = { accessKeyId: 'AKIDKURATCHITEST', secretAccessKey: 'kuratchi-test-secret' };
const db = env.ORG_DB_GLOBEX;
const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>);
const DESTINATION = 's3://kuratchi-exports/ses/';

beforeAll(seedOrganizations);
// The tests own the table: each starts with no job, so its first run creates exactly its day's.
beforeEach(async () => {
  await env.ADMIN_DB.prepare('DELETE FROM reconcile_export_jobs').run();
});

// Each test works on a UTC day of its own, far from every other test file's emails.
let slot = 0;
function day() {
  const start = Math.floor(testTime(900 * DAY + slot++ * 40 * DAY).getTime() / DAY) * DAY;
  return {
    start,
    end: start + DAY - 1,
    name: new Date(start).toISOString().slice(0, 10),
    sentAt: new Date(start + 10 * HOUR),
    /** The day after, 05:00 UTC (past the 4 h wait) plus `ms`. */
    after: (ms = 0) => new Date(start + DAY + 5 * HOUR + ms),
  };
}

/** Sends an email through the real sendEmail (SendEmail mocked), `sentAt`, to `to`. */
async function sendAt(sentAt: Date, to: string | string[]) {
  const messageId = `exp-${crypto.randomUUID()}`;
  const ses = new SESv2Client({ region: 'eu-west-1', credentials });
  mockClient(ses).on(SendEmailCommand).resolves({ MessageId: messageId });
  const sender = createEmailSender({
    ses,
    adminDb: env.ADMIN_DB,
    orgDatabase,
    from: 'no-reply@globex.example',
    now: () => sentAt,
  });
  const result = await sender.sendEmail({ organizationId: ORGS.globex, to, subject: 'Your order', text: 'Hi' });
  expect(result.success).toBe(true);
  return { messageId, emailId: result.emailId! };
}

type Insight = { destination: string; events: Array<{ type: string; at: Date; details?: object }> };
/**
 * One record of the export file, shaped as the message-insights object the API reference
 * documents (GetMessageInsights' Response Syntax; REST-JSON timestamps in epoch seconds).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 */
function exportRecord(messageId: string, insights: Insight[]) {
  return {
    MessageId: messageId,
    FromEmailAddress: 'no-reply@globex.example',
    Subject: 'Your order',
    EmailTags: [{ Name: 'ses:configuration-set', Value: 'kuratchi-email-tracking' }],
    Insights: insights.map((insight) => ({
      Destination: insight.destination,
      Isp: 'Gmail',
      Events: insight.events.map((e) => ({
        Timestamp: e.at.getTime() / 1000,
        Type: e.type,
        ...(e.details ? { Details: e.details } : {}),
      })),
    })),
  };
}
const BOUNCE = { Bounce: { BounceType: 'PERMANENT', BounceSubType: 'General', DiagnosticCode: 'smtp; 550 5.1.1' } };

/** The Worker's SESv2 and S3 clients, stubbed at the client. */
function clients() {
  const ses = new SESv2Client({ region: 'eu-west-1', credentials });
  const s3 = new S3Client({ region: 'eu-west-1', credentials });
  return { ses, s3, sesMock: mockClient(ses), s3Mock: mockClient(s3) };
}
type Clients = ReturnType<typeof clients>;

function run(c: Clients, now: Date, extra: Partial<ExportJobsOptions> = {}) {
  return runExportJobs(
    {
      ses: c.ses,
      s3: c.s3,
      adminDb: env.ADMIN_DB,
      sink: d1SinkPorts(() => now),
      orgDatabase,
      destination: DESTINATION,
      afterMs: 4 * HOUR,
      throttle: createThrottle({ sleep: async () => {} }),
      ...extra,
    },
    now,
  );
}

/** GetExportJob's answer for a COMPLETED job whose file is under `prefix`, and that file in S3 (one object, JSON lines). */
function completed(
  c: Clients,
  jobId: string,
  prefix: string,
  lines: readonly unknown[],
  exported: number | null = lines.length,
) {
  c.sesMock.on(GetExportJobCommand, { JobId: jobId }).resolves({
    JobId: jobId,
    ExportSourceType: 'MESSAGE_INSIGHTS',
    JobStatus: 'COMPLETED',
    ExportDestination: { DataFormat: 'JSON', S3Url: prefix },
    // ExportedRecordsCount "might not be available for all export source types" (API_ExportStatistics).
    Statistics: exported === null ? {} : { ProcessedRecordsCount: exported, ExportedRecordsCount: exported },
  });
  const key = `${prefix.replace(/^s3:\/\/[^/]+\//, '')}part-00000.json`;
  c.s3Mock.on(ListObjectsV2Command, { Prefix: prefix.replace(/^s3:\/\/[^/]+\//, '') }).resolves({
    Contents: [{ Key: key }],
    IsTruncated: false,
  });
  const text = lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');
  c.s3Mock.on(GetObjectCommand, { Key: key }).callsFake(() => ({ Body: new Response(text).body }));
}

async function rows(name: string) {
  const { results } = await env.ADMIN_DB.prepare(
    `SELECT range_start, range_end, state, job_id, job_status, records, records_imported, events_applied,
            events_duplicate, attempts, last_error, next_at
     FROM reconcile_export_jobs WHERE day = ? ORDER BY range_start, range_end DESC`,
  )
    .bind(name)
    .all<Record<string, unknown>>();
  return results;
}
async function eventsOf(emailId: string) {
  const { results } = await db
    .prepare(
      'SELECT event_type, source, occurred_at FROM email_events WHERE email_id = ? ORDER BY occurred_at, event_type',
    )
    .bind(emailId)
    .all();
  return results;
}
async function recipientsOf(emailId: string) {
  const { results } = await db
    .prepare('SELECT address, status FROM email_recipients WHERE email_id = ? ORDER BY address')
    .bind(emailId)
    .all();
  return results;
}

describe('bulk reconciliation through SESv2 export jobs (aws-sdk-client-mock, real D1)', () => {
  it('creates the day’s job once, polls it, imports its file page by page (multi-recipient mail too), then is done', async () => {
    const d = day();
    const single = await sendAt(d.sentAt, 'ana@example.com');
    const multi = await sendAt(new Date(d.sentAt.getTime() + 1), ['bo@example.com', 'cy@example.com']);
    const at = (ms: number) => new Date(d.sentAt.getTime() + ms);
    const c = clients();
    c.sesMock.on(CreateExportJobCommand).resolves({ JobId: 'job-day' });

    const first = await run(c, d.after());
    expect(first).toMatchObject({ days: 1, created: 1, polled: 0 });
    const prefix = `${DESTINATION}${d.name}/${d.start}-${d.end}/`;
    expect(c.sesMock.commandCalls(CreateExportJobCommand).map((call) => call.args[0].input)).toEqual([
      {
        ExportDataSource: {
          MessageInsightsDataSource: { StartDate: new Date(d.start), EndDate: new Date(d.end), MaxResults: 10_000 },
        },
        ExportDestination: { DataFormat: 'JSON', S3Url: prefix },
      },
    ]);
    expect(await rows(d.name)).toMatchObject([{ state: 'export', job_id: 'job-day', attempts: 0 }]);

    c.sesMock.on(GetExportJobCommand, { JobId: 'job-day' }).resolves({ JobId: 'job-day', JobStatus: 'PROCESSING' });
    expect(await run(c, d.after(10 * MINUTE))).toMatchObject({ days: 0, created: 0, polled: 1, records: 0 });
    expect(await rows(d.name)).toMatchObject([{ state: 'export', job_status: 'PROCESSING' }]);

    completed(c, 'job-day', prefix, [
      exportRecord(single.messageId, [
        {
          destination: 'ana@example.com',
          events: [
            { type: 'SEND', at: at(0) },
            { type: 'DELIVERY', at: at(900) },
          ],
        },
      ]),
      exportRecord(multi.messageId, [
        {
          destination: 'bo@example.com',
          events: [
            { type: 'SEND', at: at(1) },
            { type: 'DELIVERY', at: at(700) },
          ],
        },
        {
          destination: 'cy@example.com',
          events: [
            { type: 'SEND', at: at(1) },
            { type: 'BOUNCE', at: at(2_000), details: BOUNCE },
          ],
        },
      ]),
      exportRecord('not-sent-by-kuratchi', [
        { destination: 'x@example.com', events: [{ type: 'DELIVERY', at: at(5) }] },
      ]),
      '{"LastDeliveryEvent":"DELIVERY"}',
    ]);
    // Two records per run: the first page now, the rest on the next run.
    const third = await run(c, d.after(20 * MINUTE), { maxRecordsPerRun: 2 });
    expect(third).toMatchObject({ polled: 1, records: 2, applied: 3, duplicates: 0, unknown: 0, done: 0 });
    expect(await rows(d.name)).toMatchObject([
      { state: 'import', job_status: 'COMPLETED', records: 4, records_imported: 2, events_applied: 3 },
    ]);
    expect(c.s3Mock.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({
      Bucket: 'kuratchi-exports',
      Prefix: prefix.slice('s3://kuratchi-exports/'.length),
    });

    const fourth = await run(c, d.after(30 * MINUTE), { maxRecordsPerRun: 2 });
    expect(fourth).toMatchObject({ polled: 0, records: 2, applied: 0, unknown: 1, unreadable: 1, done: 1 });
    expect(await rows(d.name)).toMatchObject([{ state: 'done', records_imported: 4, events_applied: 3 }]);
    expect(c.sesMock.commandCalls(GetExportJobCommand)).toHaveLength(2);

    expect(await eventsOf(single.emailId)).toEqual([
      { event_type: 'Delivery', source: 'reconcile', occurred_at: at(900).getTime() },
    ]);
    expect(await recipientsOf(multi.emailId)).toEqual([
      { address: 'bo@example.com', status: 'delivered' },
      { address: 'cy@example.com', status: 'bounced' },
    ]);
    // Nothing is due any more; the next day gets its job once it ended 4 h ago (not at 03:00).
    expect(await run(c, d.after(40 * MINUTE))).toMatchObject({ days: 0, created: 0, polled: 0, records: 0 });
    expect(await run(c, new Date(d.start + 2 * DAY + 3 * HOUR))).toMatchObject({ days: 0, created: 0 });
    expect(await run(c, new Date(d.start + 2 * DAY + 4 * HOUR))).toMatchObject({ days: 1, created: 1 });
    expect(c.sesMock.commandCalls(CreateExportJobCommand)[1]?.args[0].input.ExportDataSource).toEqual({
      MessageInsightsDataSource: {
        StartDate: new Date(d.start + DAY),
        EndDate: new Date(d.end + DAY),
        MaxResults: 10_000,
      },
    });
  });

  it('never counts an event twice: one SNS already brought, nor any when the same export is imported again', async () => {
    const d = day();
    const email = await sendAt(d.sentAt, 'dee@example.com');
    const deliveredAt = new Date(d.sentAt.getTime() + 800);
    const bouncedAt = new Date(d.sentAt.getTime() + 5_000);
    // SES's own copy of the delivery, by SNS, before the export.
    const copy = buildSesEvent({
      eventType: 'Delivery',
      messageId: email.messageId,
      recipient: 'dee@example.com',
      time: deliveredAt,
      sentAt: d.sentAt,
    });
    const message = await unsignedSesEventMessage(JSON.stringify(copy), 'firehose', d.sentAt);
    const { outcomes } = await applySesEventMessages(
      d1SinkPorts(() => d.sentAt),
      [{ ...message, snsMessageId: `sns-${crypto.randomUUID()}`, source: 'sns' }],
    );
    expect(outcomes).toEqual(['applied']);

    const c = clients();
    c.sesMock.on(CreateExportJobCommand).resolves({ JobId: 'job-twice' });
    await run(c, d.after());
    completed(c, 'job-twice', `${DESTINATION}${d.name}/${d.start}-${d.end}/`, [
      exportRecord(email.messageId, [
        {
          destination: 'dee@example.com',
          events: [
            { type: 'SEND', at: d.sentAt },
            { type: 'DELIVERY', at: deliveredAt },
            { type: 'BOUNCE', at: bouncedAt, details: BOUNCE },
          ],
        },
      ]),
    ]);
    expect(await run(c, d.after(10 * MINUTE))).toMatchObject({ records: 1, applied: 1, duplicates: 1, done: 1 });
    const events = await eventsOf(email.emailId);
    expect(events).toEqual([
      { event_type: 'Delivery', source: 'sns', occurred_at: deliveredAt.getTime() },
      { event_type: 'Bounce', source: 'reconcile', occurred_at: bouncedAt.getTime() },
    ]);
    const before = await db.prepare('SELECT * FROM emails WHERE id = ?').bind(email.emailId).first();

    // The same file imported again (its row sent back to the start): every event a duplicate.
    await env.ADMIN_DB.prepare("UPDATE reconcile_export_jobs SET state = 'import', records_imported = 0 WHERE day = ?")
      .bind(d.name)
      .run();
    expect(await run(c, d.after(20 * MINUTE))).toMatchObject({ records: 1, applied: 0, duplicates: 2, done: 1 });
    expect(await eventsOf(email.emailId)).toEqual(events);
    expect(await db.prepare('SELECT * FROM emails WHERE id = ?').bind(email.emailId).first()).toEqual(before);
  });

  it('records a failed call and retries it later; a FAILED job is created again', async () => {
    const d = day();
    const c = clients();
    c.sesMock
      .on(CreateExportJobCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }))
      .resolvesOnce({ JobId: 'job-a' })
      .resolvesOnce({ JobId: 'job-b' });
    const now = d.after();
    expect(await run(c, now)).toMatchObject({ days: 1, created: 0, failed: 1 });
    expect(await rows(d.name)).toMatchObject([
      {
        state: 'create',
        job_id: null,
        attempts: 1,
        last_error: 'TooManyRequestsException: Rate exceeded',
        next_at: now.getTime() + 10 * MINUTE,
      },
    ]);
    // Not due before its time; then retried.
    expect(await run(c, d.after(5 * MINUTE))).toMatchObject({ created: 0, failed: 0 });
    expect(c.sesMock.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    expect(await run(c, d.after(10 * MINUTE))).toMatchObject({ created: 1 });
    expect(await rows(d.name)).toMatchObject([{ state: 'export', job_id: 'job-a', attempts: 0, last_error: null }]);

    c.sesMock.on(GetExportJobCommand, { JobId: 'job-a' }).resolves({
      JobId: 'job-a',
      JobStatus: 'FAILED',
      FailureInfo: { ErrorMessage: 'Access denied to the S3 bucket' },
    });
    expect(await run(c, d.after(20 * MINUTE))).toMatchObject({ polled: 1, failed: 1 });
    expect(await rows(d.name)).toMatchObject([
      {
        state: 'create',
        job_id: null,
        job_status: 'FAILED',
        attempts: 1,
        last_error: 'Error: export job job-a FAILED: Access denied to the S3 bucket',
      },
    ]);
    expect(await run(c, d.after(30 * MINUTE))).toMatchObject({ created: 1 });
    expect(await rows(d.name)).toMatchObject([{ state: 'export', job_id: 'job-b' }]);
    expect(c.sesMock.commandCalls(CreateExportJobCommand)).toHaveLength(3);
  });

  it('splits a range whose job came back full (MaxResults records) into two halves, each its own job', async () => {
    const d = day();
    const a = await sendAt(d.sentAt, 'eve@example.com');
    const b = await sendAt(new Date(d.start + 20 * HOUR), 'fay@example.com');
    const delivery = (email: { messageId: string }, to: string, at: Date) =>
      exportRecord(email.messageId, [{ destination: to, events: [{ type: 'DELIVERY', at }] }]);
    const c = clients();
    c.sesMock
      .on(CreateExportJobCommand)
      .resolvesOnce({ JobId: 'job-whole' })
      .resolvesOnce({ JobId: 'job-first-half' })
      .resolvesOnce({ JobId: 'job-second-half' });
    await run(c, d.after(), { maxResults: 2 });
    const middle = d.start + DAY / 2;
    const aAt = new Date(d.sentAt.getTime() + 900);
    const bAt = new Date(d.start + 20 * HOUR + 900);
    completed(
      c,
      'job-whole',
      `${DESTINATION}${d.name}/${d.start}-${d.end}/`,
      [delivery(a, 'eve@example.com', aAt), delivery(b, 'fay@example.com', bAt)],
      null,
    );
    // Full by its own count: the file holds MaxResults records (no statistics given).
    expect(await run(c, d.after(10 * MINUTE), { maxResults: 2 })).toMatchObject({ split: 1, records: 0, applied: 0 });
    expect(await rows(d.name)).toMatchObject([
      { range_start: d.start, range_end: d.end, state: 'split', records: 2, records_imported: 0 },
      { range_start: d.start, range_end: middle - 1, state: 'create' },
      { range_start: middle, range_end: d.end, state: 'create' },
    ]);

    expect(await run(c, d.after(20 * MINUTE), { maxResults: 2 })).toMatchObject({ created: 2 });
    expect(
      c.sesMock
        .commandCalls(CreateExportJobCommand)
        .slice(1)
        .map((call) => call.args[0].input.ExportDataSource?.MessageInsightsDataSource),
    ).toEqual([
      { StartDate: new Date(d.start), EndDate: new Date(middle - 1), MaxResults: 2 },
      { StartDate: new Date(middle), EndDate: new Date(d.end), MaxResults: 2 },
    ]);
    completed(c, 'job-first-half', `${DESTINATION}${d.name}/${d.start}-${middle - 1}/`, [
      delivery(a, 'eve@example.com', aAt),
    ]);
    completed(c, 'job-second-half', `${DESTINATION}${d.name}/${middle}-${d.end}/`, [
      delivery(b, 'fay@example.com', bAt),
    ]);
    expect(await run(c, d.after(30 * MINUTE), { maxResults: 2 })).toMatchObject({
      polled: 2,
      records: 2,
      applied: 2,
      done: 2,
    });
    expect((await rows(d.name)).map((row) => row['state'])).toEqual(['split', 'done', 'done']);
    expect(await eventsOf(b.emailId)).toEqual([
      { event_type: 'Delivery', source: 'reconcile', occurred_at: bAt.getTime() },
    ]);
  });

  it('reads a pre-signed https output URL (a gzip JSON array) instead of s3://, with no S3 call', async () => {
    const d = day();
    const email = await sendAt(d.sentAt, 'gil@example.com');
    const deliveredAt = new Date(d.sentAt.getTime() + 600);
    const c = clients();
    c.sesMock.on(CreateExportJobCommand).resolves({ JobId: 'job-presigned' });
    await run(c, d.after());
    const url = 'https://kuratchi-exports.s3.eu-west-1.amazonaws.com/ses/export.json?X-Amz-Signature=abc';
    c.sesMock.on(GetExportJobCommand, { JobId: 'job-presigned' }).resolves({
      JobId: 'job-presigned',
      JobStatus: 'COMPLETED',
      ExportDestination: { DataFormat: 'JSON', S3Url: url },
    });
    const json = JSON.stringify([
      exportRecord(email.messageId, [
        { destination: 'gil@example.com', events: [{ type: 'DELIVERY', at: deliveredAt }] },
      ]),
    ]);
    const gzip = await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
    const asked: string[] = [];
    const fetcher = (async (input: RequestInfo | URL) => {
      asked.push(String(input));
      return new Response(gzip, { status: 200 });
    }) as typeof fetch;
    expect(await run(c, d.after(10 * MINUTE), { fetch: fetcher })).toMatchObject({ records: 1, applied: 1, done: 1 });
    expect(asked).toEqual([url]);
    expect(c.s3Mock.calls()).toHaveLength(0);
    expect(await eventsOf(email.emailId)).toEqual([
      { event_type: 'Delivery', source: 'reconcile', occurred_at: deliveredAt.getTime() },
    ]);
  });
});

describe('export jobs that went wrong', () => {
  it("follows the job SES made when CreateExportJob's answer was lost (ListExportJobs), instead of making a second", async () => {
    const d = day();
    const c = clients();
    const now = d.after();
    const prefix = `${DESTINATION}${d.name}/${d.start}-${d.end}/`;
    // SES made the job, the answer never arrived.
    c.sesMock.on(CreateExportJobCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    expect(await run(c, now)).toMatchObject({ created: 0, failed: 1 });
    const range = { StartDate: new Date(d.start), EndDate: new Date(d.end), MaxResults: 10_000 };
    const job = (JobId: string, S3Url: string) => ({
      JobId,
      ExportSourceType: 'MESSAGE_INSIGHTS' as const,
      JobStatus: 'PROCESSING' as const,
      ExportDataSource: { MessageInsightsDataSource: range },
      ExportDestination: { DataFormat: 'JSON' as const, S3Url },
    });
    c.sesMock
      .on(ListExportJobsCommand)
      .resolvesOnce({
        ExportJobs: [
          { JobId: 'job-older', JobStatus: 'COMPLETED', CreatedTimestamp: new Date(now.getTime() - 2 * DAY) },
          { JobId: 'job-failed', JobStatus: 'FAILED', CreatedTimestamp: now },
        ],
        NextToken: 'page-2',
      })
      .resolves({
        ExportJobs: [
          { JobId: 'job-staging', JobStatus: 'PROCESSING', CreatedTimestamp: now },
          { JobId: 'job-lost', JobStatus: 'PROCESSING', CreatedTimestamp: now },
        ],
      });
    // Another deployment of the account exports the same day elsewhere.
    c.sesMock.on(GetExportJobCommand, { JobId: 'job-staging' }).resolves(job('job-staging', 's3://staging/ses/'));
    c.sesMock.on(GetExportJobCommand, { JobId: 'job-lost' }).resolves(job('job-lost', prefix));

    expect(await run(c, d.after(10 * MINUTE))).toMatchObject({ found: 1, created: 0, failed: 0 });
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListExportJobs.html
    expect(c.sesMock.commandCalls(ListExportJobsCommand).map((call) => call.args[0].input)).toEqual([
      { ExportSourceType: 'MESSAGE_INSIGHTS' },
      { ExportSourceType: 'MESSAGE_INSIGHTS', NextToken: 'page-2' },
    ]);
    expect(c.sesMock.commandCalls(GetExportJobCommand).map((call) => call.args[0].input.JobId)).toEqual([
      'job-staging',
      'job-lost',
    ]);
    expect(c.sesMock.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    expect(await rows(d.name)).toMatchObject([{ state: 'export', job_id: 'job-lost', attempts: 0, last_error: null }]);
  });

  it('gives up a job still PROCESSING a day after its creation: cancelled, counted, the error kept, a new job made', async () => {
    const d = day();
    const c = clients();
    c.sesMock.on(CreateExportJobCommand).resolvesOnce({ JobId: 'job-slow' }).resolves({ JobId: 'job-next' });
    c.sesMock.on(GetExportJobCommand).resolves({ JobStatus: 'PROCESSING' });
    c.sesMock.on(CancelExportJobCommand).resolves({});
    const created = d.after();
    await run(c, created);
    expect(await run(c, new Date(created.getTime() + 23 * HOUR))).toMatchObject({ polled: 1, givenUp: 0 });
    expect(await rows(d.name)).toMatchObject([{ state: 'export', job_id: 'job-slow', job_status: 'PROCESSING' }]);

    const late = new Date(created.getTime() + 24 * HOUR);
    expect(await run(c, late)).toMatchObject({ givenUp: 1 });
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CancelExportJob.html
    expect(c.sesMock.commandCalls(CancelExportJobCommand).map((call) => call.args[0].input)).toEqual([
      { JobId: 'job-slow' },
    ]);
    const [row] = await env.ADMIN_DB.prepare(
      'SELECT state, job_id, jobs_given_up, last_error, next_at FROM reconcile_export_jobs WHERE day = ?',
    )
      .bind(d.name)
      .all()
      .then((r) => r.results);
    expect(row).toEqual({
      state: 'create',
      job_id: null,
      jobs_given_up: 1,
      last_error: 'Error: export job job-slow still PROCESSING 24 h after its creation: given up (cancelled)',
      next_at: late.getTime() + 10 * MINUTE,
    });
    await run(c, new Date(late.getTime() + 10 * MINUTE));
    expect(await rows(d.name)).toMatchObject([{ state: 'export', job_id: 'job-next' }]);
  });

  it('refuses an export file of another layout with a clear error, importing nothing, and retries it', async () => {
    const d = day();
    const c = clients();
    const prefix = `${DESTINATION}${d.name}/${d.start}-${d.end}/`;
    c.sesMock.on(CreateExportJobCommand).resolves({ JobId: 'job-csv' });
    await run(c, d.after());
    completed(c, 'job-csv', prefix, ['message_id,destination,last_delivery_event', 'm-1,ana@example.com,DELIVERY']);
    expect(await run(c, d.after(10 * MINUTE))).toMatchObject({ failed: 1, records: 0, done: 0 });
    expect(await rows(d.name)).toMatchObject([
      {
        state: 'export',
        records_imported: 0,
        attempts: 1,
        last_error: `ExportFileShapeError: the export file at ${prefix} has 2 entries and none is a message-insights record (MessageId and Insights[]): its layout is not the one this importer reads; nothing imported`,
      },
    ]);
  });
});
