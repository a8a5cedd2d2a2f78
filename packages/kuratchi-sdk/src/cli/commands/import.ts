import { booleanFlag, integerFlag, parseCommandArgs, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, use, type CommandFlags } from '../flags.js';
import { listFirehoseObjects, parseS3Url, type FirehoseObject } from '../firehose-objects.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi, type OpsApi } from '../ops-api.js';
import { MAX_FIREHOSE_BODY_BYTES, MAX_FIREHOSE_RECORDS } from '#internal/ingest/firehose-limits.js';
import { startProgress } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'import',
  positionals: 1,
  flags: [
    use('dashboard-url', { note: 'required unless --dry-run', formerly: [{ name: 'url' }] }),
    use('region', { note: "the bucket's region (s3://; default AWS_REGION or AWS_DEFAULT_REGION)" }),
    use('aws-endpoint-url', { note: 'the S3 calls' }),
    use('page-size', { note: 'records per request', default: 100, min: 1, max: 100, formerly: [{ name: 'batch' }] }),
    use('request-timeout-ms', { default: 30_000, min: 100, max: 600_000, formerly: [{ name: 'timeout' }] }),
    use('dry-run', { note: 'read and check the records, post nothing; --dashboard-url not needed' }),
    use('json'),
  ],
};

/** The ops API path the records are posted to. */
export const IMPORT_PATH = '/api/ops/events/import';
/** Attempts per record when the dashboard answers 503 (a database error a retry can fix). */
const ATTEMPTS = 4;

/** What an import did, record by record. */
export interface ImportSummary {
  objects: number;
  records: number;
  /**
   * Outcome → records (`applied`, `duplicate`, `parked`, `orphaned`, `dead-lettered`, `expired`,
   * `refused`, `unreadable`).
   */
  outcomes: Record<string, number>;
  /** Records sent again after a 503. */
  retried: number;
  /** Records still `retry` after every attempt: run the import again. */
  failed: number;
  /** Objects that could not be read or split (not gzip, not UTF-8, not JSON objects). */
  unreadableObjects: Array<{ name: string; error: string }>;
}

/**
 * `kuratchi-ses import`: reads the objects Amazon Data Firehose wrote to S3 (or copies of them on
 * disk) and applies their SES event records through the dashboard's operations API.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-firehose-contents.html
 */
export const importCommand: Command = {
  name: 'import',
  audience: 'operate',
  summary: 'apply the SES event records Firehose wrote to S3 (FILE, DIR or s3://bucket/prefix), through the dashboard',
  help: `Usage: kuratchi-ses import FILE|DIR|s3://bucket/prefix --dashboard-url URL [options]

Reads the objects a Firehose stream wrote to S3 (the stream of SES's Firehose event destination,
or the S3 backup of the Firehose HTTP endpoint: docs/guides/deploy.md) and posts their SES event
records in batches to the dashboard's operations API (POST ${IMPORT_PATH}), which applies them
inside the request as events of source "import". An object's records may be back to back
({…}{…}, Firehose's default) or newline-delimited, gzip or not: compression is found by the gzip
magic bytes (1f 8b), whatever the key's suffix. The failed-delivery documents of an HTTP endpoint
stream's S3 backup ({ attemptsMade, errorCode, …, rawData }) are unwrapped: their base64 rawData
is the record. A DIR is read recursively in path order (hidden files skipped); s3:// lists the
prefix with ListObjectsV2 page by page and reads each object with GetObject. An object may hold
at most ${MAX_FIREHOSE_BODY_BYTES} bytes (8 MiB, compressed and decompressed) and ${MAX_FIREHOSE_RECORDS} records, the limits of a
Firehose endpoint request: reading stops as soon as one is passed, and the object is refused
whole (split it at record boundaries, e.g. \`gunzip -c OBJECT | jq -c . | split -C 4M - part-\`).

Each record's identity is its content, so running the import twice changes nothing (the second
run reports every record a duplicate), and an event that also came by SNS or by the Firehose
endpoint counts once. A record that is not an SES event record is refused and counted; an email
the deployment does not know yet is parked, as a live event would be. A record retention would
already have purged (an event older than its organisation's events retention, or of mail older
than its emails retention) is skipped and counted "expired". When the dashboard answers
503 (a database error), only the records it names "retry" are sent again, up to ${ATTEMPTS}
attempts; those still failing are reported failed: run it again. A progress bar (per object) is
drawn on a terminal, then a summary:
  kuratchi-ses import: 24 object(s), 18230 record(s)
    applied 18012, duplicates 214, parked 3, refused 1
    retried 0, failed 0

The Worker must have the secret KURATCHI_OPS_TOKEN; this command reads the same token from the
environment variable ${OPS_TOKEN_ENV}. For s3:// the AWS SDK's default credential chain is used
(s3:ListBucket and s3:GetObject on the prefix).

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses import s3://my-bucket/ses-events/2026/12/01/ --dashboard-url https://dash.example.com --region eu-west-1
  kuratchi-ses import ./firehose-backup/ --dry-run

${EXIT_CODES_HELP}
(1 also: an object could not be read, or records failed after ${ATTEMPTS} attempts)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const target = args.positionals[0];
    if (!target) throw new UsageError('a FILE, DIR or s3://bucket/prefix to import is required');
    const dryRun = booleanFlag(args, 'dry-run');
    const api = dryRun
      ? null
      : opsApi(urlFlag(args, 'dashboard-url'), process.env, integerFlag(args, 'request-timeout-ms'));
    const batch = integerFlag(args, 'page-size');
    const region = stringFlag(args, 'region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (parseS3Url(target) && !region) throw new UsageError('--region is required for s3:// (or set AWS_REGION)');
    const endpoint = stringFlag(args, 'aws-endpoint-url');
    const objects = await listFirehoseObjects(target, async () => {
      const { S3Client } = await import('@aws-sdk/client-s3');
      return new S3Client({ region: region!, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
    });
    let summary: ImportSummary;
    try {
      summary = await importObjects(objects, api, batch);
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(tty`kuratchi-ses import: ${error.message}`);
      return EXIT.failed;
    }
    if (booleanFlag(args, 'json')) out(jsonText(summary));
    else printSummary(summary, dryRun);
    return summary.failed || summary.unreadableObjects.length ? EXIT.failed : EXIT.ok;
  },
};

/**
 * Reads each object, splits it into records and applies them `batch` at a time (`api` null: a
 * dry run, which only checks that each record is an SES event). A 503 answer's `retry` records
 * are sent again, up to 4 attempts, a second more each time.
 * @throws {OpsApiError} for any other failed request (wrong token, dashboard unreachable).
 */
export async function importObjects(
  objects: readonly FirehoseObject[],
  api: OpsApi | null,
  batch: number,
): Promise<ImportSummary> {
  const summary: ImportSummary = {
    objects: objects.length,
    records: 0,
    outcomes: {},
    retried: 0,
    failed: 0,
    unreadableObjects: [],
  };
  const count = (outcome: string) => (summary.outcomes[outcome] = (summary.outcomes[outcome] ?? 0) + 1);
  const { objectRecords } = await import('../firehose-object-records.js');
  const events = api ? null : await import('kuratchi-sdk/internal/events');
  const progress = startProgress('import', objects.length);
  try {
    for (const object of objects) {
      let records: string[];
      try {
        records = await objectRecords(await object.read());
      } catch (error) {
        summary.unreadableObjects.push({
          name: object.name,
          error: error instanceof Error ? error.message : String(error),
        });
        progress.tick('unreadable');
        continue;
      }
      summary.records += records.length;
      for (let from = 0; from < records.length; from += batch) {
        const chunk = records.slice(from, from + batch);
        if (!api) chunk.forEach((record) => count(checkRecord(events!, record)));
        else await postBatch(api, chunk, summary, count);
      }
      progress.tick('read');
    }
  } finally {
    progress.stop();
  }
  return summary;
}

/** Dry run: `valid` when the record is an SES event record this version applies, else `refused`. */
function checkRecord(events: typeof import('kuratchi-sdk/internal/events'), record: string): string {
  try {
    events.parseSesEvent(record);
    return 'valid';
  } catch (error) {
    if (error instanceof events.SesEventParseError) return 'refused';
    throw error;
  }
}

async function postBatch(
  api: OpsApi,
  records: string[],
  summary: ImportSummary,
  count: (outcome: string) => void,
): Promise<void> {
  let pending = records;
  for (let attempt = 1; pending.length; attempt++) {
    let outcomes: string[];
    try {
      outcomes = (await api.post<{ outcomes: string[] }>(IMPORT_PATH, { records: pending })).outcomes;
    } catch (error) {
      const body = error instanceof OpsApiError && error.status === 503 ? (error.body as { outcomes?: unknown }) : null;
      if (!body || !Array.isArray(body.outcomes) || body.outcomes.length !== pending.length) throw error;
      outcomes = body.outcomes as string[];
    }
    const again = pending.filter((_, i) => outcomes[i] === 'retry');
    outcomes.filter((outcome) => outcome !== 'retry').forEach(count);
    if (again.length && attempt === ATTEMPTS) {
      summary.failed += again.length;
      return;
    }
    if (again.length) {
      summary.retried += again.length;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
    pending = again;
  }
}

function printSummary(summary: ImportSummary, dryRun: boolean): void {
  const o = summary.outcomes;
  out(
    tty`kuratchi-ses import${dryRun ? ' (dry run: nothing was posted)' : ''}: ${summary.objects} object(s), ${summary.records} record(s)`,
  );
  if (dryRun) out(tty`  valid ${o['valid'] ?? 0}, refused ${o['refused'] ?? 0}`);
  else {
    out(
      tty`  applied ${o['applied'] ?? 0}, duplicates ${o['duplicate'] ?? 0}, parked ${o['parked'] ?? 0}, refused ${o['refused'] ?? 0}`,
    );
    if (o['expired'])
      out(tty`  expired ${o['expired']} (older than their organisation's retention: skipped, nothing recorded)`);
    const held = (o['orphaned'] ?? 0) + (o['dead-lettered'] ?? 0) + (o['unreadable'] ?? 0);
    if (held)
      out(
        tty`  orphaned ${o['orphaned'] ?? 0}, dead-lettered ${o['dead-lettered'] ?? 0}, unreadable ${o['unreadable'] ?? 0}`,
      );
    out(
      tty`  retried ${summary.retried}, failed ${summary.failed}${summary.failed ? ' (run the same import again)' : ''}`,
    );
  }
  for (const bad of summary.unreadableObjects) out(tty`  unreadable object ${bad.name}: ${bad.error}`);
}
