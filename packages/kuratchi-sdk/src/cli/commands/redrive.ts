import { booleanFlag, integerFlag, parseCommandArgs, requiredFlag, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { OPS_TOKEN_ENV, opsApi } from '../ops-api.js';
import { startProgress } from '../progress.js';
import type { DrainReport } from '../sqs-redrive.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'redrive',
  flags: [
    use('dashboard-url', { required: true, formerly: [{ name: 'url' }] }),
    own('queue-url', {
      kind: 'text',
      value: 'URL',
      meaning: 'the SQS dead-letter queue (`kuratchi-ses status` shows it)',
      required: true,
    }),
    use('region', { note: "the queue's region (default: from the queue URL, or AWS_REGION)" }),
    use('profile'),
    use('aws-endpoint-url', { note: 'the SQS calls' }),
    use('page-size', {
      note: 'messages per receive and per request',
      default: 10,
      min: 1,
      max: 10,
      formerly: [{ name: 'batch' }],
    }),
    own('visibility-timeout', {
      kind: 'integer',
      value: 'S',
      meaning: 'seconds a received message is hidden while redriven',
      default: 300,
      min: 30,
      max: 43_200,
    }),
    use('request-timeout-ms', { default: 30_000, min: 100, max: 600_000, formerly: [{ name: 'timeout' }] }),
    own('delete-refused', { kind: 'boolean', meaning: 'also delete the messages the Worker refused (they are lost)' }),
    use('dry-run', { note: 'only count the messages waiting; receive, send and delete nothing' }),
    use('json'),
  ],
};

/**
 * The region of an SQS queue URL (`https://sqs.<region>.amazonaws.com[.cn]/<account>/<name>`), or
 * undefined for another host (a local endpoint).
 * @see https://docs.aws.amazon.com/general/latest/gr/sqs-service.html
 */
function regionOfQueueUrl(url: URL): string | undefined {
  return /^sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(url.hostname)?.[1];
}

/**
 * `kuratchi-ses redrive`: drains the SNS subscription's SQS dead-letter queue into the dashboard
 * Worker, deleting from SQS only what the Worker answered 200.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 */
export const redriveCommand: Command = {
  name: 'redrive',
  audience: 'operate',
  summary: 'apply the events SNS could not deliver (its SQS dead-letter queue) through the dashboard',
  help: `Usage: kuratchi-ses redrive --dashboard-url URL --queue-url SQS_URL [options]

SNS gives up on a webhook delivery after its retries (at most an hour) and, with the dead-letter
queue \`kuratchi-ses setup\` creates, moves the message to that SQS queue (kept 14 days). This
command receives those messages (ReceiveMessage, short poll, hidden for --visibility-timeout),
POSTs their bodies (SNS's signed envelopes) to the dashboard's operations API
(/api/ops/sns/redrive), which verifies each exactly as the webhook does (signature, certificate
URL, topic allowlist) but accepts it up to 14 days old (why on this path only: docs/webhook.md),
and applies it. A message is deleted from the queue only once the Worker answered 200 for it
(DeleteMessageBatch; applied, duplicate, parked, orphaned, dead-lettered, expired, ignored: a confirmation,
reported, never visited; queued). A 5xx answer (unavailable, internal-error: a retry can fix it)
leaves it, visible again after the visibility timeout; a refused one (403 forbidden: forged, stale
past 14 days, a topic not allowed; 400 malformed: it can never succeed) stays in the queue and is
listed, unless --delete-refused. It loops until a receive finds nothing new and SQS counts no
visible message. Nothing is deleted before the Worker answered, so a crash or a lost answer only
means the next run redrives the message again and finds it a duplicate: running it twice changes
nothing. A progress bar is drawn on a terminal, then a summary:
  redrove 12 message(s): applied x10, duplicate x1, forbidden x1
    11 deleted from the queue (answered 200)
    1 refused (4xx: forged, malformed, too old or of a topic not allowed): left in the queue; --delete-refused deletes them

The Worker must have the secret KURATCHI_OPS_TOKEN; this command reads it from ${OPS_TOKEN_ENV}.
AWS credentials: the AWS SDK's default chain (needs sqs:ReceiveMessage, sqs:DeleteMessage,
sqs:GetQueueAttributes on the queue).

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses redrive --dashboard-url https://dash.example.com \\
    --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/kuratchi-ses-events-dlq

${EXIT_CODES_HELP}
(1 also when messages stay in the queue: kept for a retry, refused without
--delete-refused, a delete SQS refused; or a request to the dashboard failed: that batch stays)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const url = urlFlag(args, 'dashboard-url');
    const queueText = requiredFlag(args, 'queue-url');
    let queueUrl: URL;
    try {
      queueUrl = new URL(queueText);
    } catch {
      throw new UsageError(`--queue-url must be an SQS queue URL, not ${JSON.stringify(queueText)}`);
    }
    const region =
      stringFlag(args, 'region') ??
      regionOfQueueUrl(queueUrl) ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION;
    if (!region) throw new UsageError('--region is required (the queue URL names none, and AWS_REGION is not set)');
    const batch = integerFlag(args, 'page-size');
    const visibilityTimeout = integerFlag(args, 'visibility-timeout');
    const api = opsApi(url, process.env, integerFlag(args, 'request-timeout-ms'));
    const profile = stringFlag(args, 'profile');
    const endpoint = stringFlag(args, 'aws-endpoint-url');
    const [{ SQSClient }, { drainDeadLetterQueue, visibleMessages }] = await Promise.all([
      import('@aws-sdk/client-sqs'),
      import('../sqs-redrive.js'),
    ]);
    const sqs = new SQSClient({ region, ...(profile ? { profile } : {}), ...(endpoint ? { endpoint } : {}) });
    const json = booleanFlag(args, 'json');
    if (booleanFlag(args, 'dry-run')) {
      const waiting = await visibleMessages(sqs, queueUrl.href);
      if (json) out(jsonText({ dryRun: true, waiting }));
      else out(tty`kuratchi-ses redrive (dry run: nothing received, sent or deleted): ~${waiting} message(s) waiting`);
      return EXIT.ok;
    }
    const report = await drainDeadLetterQueue({
      sqs,
      api,
      queueUrl: queueUrl.href,
      batch,
      visibilityTimeout,
      deleteRefused: booleanFlag(args, 'delete-refused'),
      progress: (total) => startProgress('redrive', total),
    });
    if (json) out(jsonText(report));
    else printReport(report, booleanFlag(args, 'delete-refused'));
    if (report.error) err(tty`kuratchi-ses redrive: ${report.error}`);
    const left =
      report.retry.length + report.deleteFailures + (booleanFlag(args, 'delete-refused') ? 0 : report.refused.length);
    return report.error || left ? EXIT.failed : EXIT.ok;
  },
};

function printReport(report: DrainReport, deleteRefused: boolean) {
  const outcomes = Object.entries(report.outcomes)
    .map(([key, n]) => `${key} x${n}`)
    .join(', ');
  out(tty`redrove ${report.redriven} message(s): ${outcomes || 'none'}`);
  out(tty`  ${report.deleted} deleted from the queue (answered 200${deleteRefused ? ', or refused' : ''})`);
  if (report.retry.length)
    out(tty`  ${report.retry.length} kept for a later run (the Worker answered 5xx: it could not apply them now)`);
  if (report.refused.length) {
    out(
      tty`  ${report.refused.length} refused (4xx: forged, malformed, too old or of a topic not allowed): ${deleteRefused ? 'deleted, as asked' : 'left in the queue; --delete-refused deletes them'}`,
    );
  }
  if (report.deleteFailures)
    out(tty`  ${report.deleteFailures} could not be deleted: they come back, and the next run finds them duplicates`);
  for (const m of [...report.refused, ...report.retry].slice(0, 20))
    out(
      tty`  ${String(m.status)} ${m.outcome}${m.code ? ` (${m.code})` : ''}  sqs ${m.sqsMessageId}  sns ${m.snsMessageId ?? '?'}`,
    );
}
