import { SES_EVENT_DESTINATION_TYPES } from '#internal/setup/defaults.js';
import type { SesEventDestinationType, SetupSesEventTrackingOptions } from 'kuratchi-sdk/internal/setup';
import { booleanFlag, parseCommandArgs, stringFlag, type ParsedArgs } from '../args.js';
import { AWS_FLAGS, targetFromFlags } from '../aws-flags.js';
import { out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { readTextFile } from '../read-file.js';
import { formatSteps } from '../report-format.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'setup',
  flags: [
    use('webhook-url', {
      note: 'subscribed with its dead-letter queue; without it nothing is subscribed (you subscribe yourself)',
    }),
    own('event-types', {
      kind: 'text',
      value: 'LIST',
      meaning: `comma-separated, default all: ${SES_EVENT_DESTINATION_TYPES.join(',').toLowerCase()}`,
    }),
    own('signature-version', { kind: 'text', value: '1|2', meaning: 'SNS signature version (2: SHA256)', default: 2 }),
    own('delivery-policy', {
      kind: 'text',
      value: 'JSON|@FILE',
      meaning: `HTTPS delivery policy, e.g. '{"healthyRetryPolicy":{"numRetries":5}}'`,
    }),
    own('custom-redirect-domain', { kind: 'text', value: 'D', meaning: 'custom domain for open and click tracking' }),
    own('https-policy', {
      kind: 'text',
      value: 'P',
      meaning: 'REQUIRE | REQUIRE_OPEN_ONLY | OPTIONAL (with --custom-redirect-domain)',
    }),
    own('firehose-stream-arn', {
      kind: 'text',
      value: 'ARN',
      meaning:
        'also publish the events to this Amazon Data Firehose stream (event destination kuratchi-firehose; needs --firehose-role-arn)',
    }),
    own('firehose-role-arn', {
      kind: 'text',
      value: 'ARN',
      meaning: 'the IAM role SES assumes to put records on that stream (firehose:PutRecordBatch)',
    }),
    own('tenants', {
      kind: 'boolean',
      meaning:
        'also associate the configuration set with every SES tenant of the account (one per organisation with KURATCHI_SES_TENANTS=on)',
    }),
    use('dry-run', { note: 'no AWS call, no credentials needed' }),
    ...AWS_FLAGS,
  ],
};

/** `kuratchi-ses setup`: {@link setupSESEventTracking} from the command line. */
export const setupCommand: Command = {
  name: 'setup',
  audience: 'aws-setup',
  summary:
    'create or update the SNS topic, its policy, the configuration set, the event destination, the dead-letter queue and the webhook subscription',
  help: `Usage: kuratchi-ses setup [--webhook-url URL] [--topic-arn ARN] [options]

Sets up SES event publishing to the webhook, idempotently: the SNS topic (standard, tagged
kuratchi:managed-by), its SignatureVersion, its policy letting SES publish (AWS:SourceAccount +
AWS:SourceArn of the configuration set), the configuration set, its SNS event destination, the
SQS dead-letter queue (14-day retention; SNS may send for the topic only) and the HTTPS
subscription with its RedrivePolicy naming that queue.

With --topic-arn the topic is yours: setup creates no topic and changes none of its attributes;
it checks that its policy lets SES publish and, when not, prints the statement to add (step
topic-policy: action-needed). Without --webhook-url nothing is subscribed: the next steps say
how to subscribe yourself.

It prints one line per step (created, updated, unchanged, action-needed, failed, skipped or planned; the steps
include dead-letter-queue, the queue, and subscription-dead-letter, the subscription's
RedrivePolicy), the topic and subscription ARNs, the dead-letter queue's URL, and what to do next.
A second run changes nothing. A failing step stops the run and says which step failed and why;
the same command resumes (the steps already done are kept).

With --firehose-stream-arn and --firehose-role-arn it also creates (or updates to match) a second
event destination of the configuration set, kuratchi-firehose, of kind KinesisFirehoseDestination,
publishing the same event types to your Firehose stream as the IAM role you name (the stream and
the role are yours to create: docs/guides/send.md). It is the step
firehose-event-destination, after event-destination; idempotent, planned by --dry-run.

With --tenants, the step tenant-associations associates the configuration set with every SES
tenant of the account that lacks it (CreateTenantResourceAssociation), so their sends may use it:
docs/guides/ses-tenants.md.

${optionsHelp(FLAGS)}

Credentials: the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or
--profile, SSO…). After setup, add the topic ARN to the webhook's KURATCHI_ALLOWED_TOPIC_ARNS so it
confirms the subscription.

Example:
  kuratchi-ses setup --region eu-west-1 --webhook-url https://dash.example.com/api/webhooks/ses-events
  kuratchi-ses setup --region eu-west-1 --topic-arn arn:aws:sns:eu-west-1:123456789012:ses-events \\
    --configuration-set acme --webhook-url https://dash.example.com/api/webhooks/ses-events
  kuratchi-ses setup --region eu-west-1 --webhook-url https://dash.example.com/api/webhooks/ses-events --dry-run
  kuratchi-ses setup --region eu-west-1 --webhook-url https://dash.example.com/api/webhooks/ses-events \\
    --firehose-stream-arn arn:aws:firehose:eu-west-1:123456789012:deliverystream/kuratchi-ses-events \\
    --firehose-role-arn arn:aws:iam::123456789012:role/kuratchi-ses-firehose

${EXIT_CODES_HELP}`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const webhookUrl = stringFlag(args, 'webhook-url');
    const options: SetupSesEventTrackingOptions = {
      ...targetFromFlags(args),
      ...(webhookUrl !== undefined ? { webhookUrl } : {}),
      dryRun: booleanFlag(args, 'dry-run'),
      ...(booleanFlag(args, 'tenants') ? { tenants: true } : {}),
      ...(await optionalSetupFlags(args)),
    };
    const { setupSESEventTracking } = await import('kuratchi-sdk/internal/setup');
    const report = await setupSESEventTracking(options);
    if (booleanFlag(args, 'json')) return (out(jsonText(report)), report.ok ? EXIT.ok : EXIT.failed);

    const where = report.accountId ? `account ${report.accountId}, ${report.region}` : report.region;
    out(tty`kuratchi-ses setup${report.dryRun ? ' (dry run: nothing was called)' : ''}: ${where}`);
    for (const line of formatSteps(report.steps)) out(line);
    if (report.topicArn) out(tty`topic:        ${report.topicArn}`);
    if (report.deadLetterQueueUrl)
      out(tty`dead letters: ${report.deadLetterQueueUrl} (kuratchi-ses redrive drains it)`);
    if (report.subscriptionArn || report.subscriptionPending !== undefined) {
      out(
        tty`subscription: ${report.subscriptionArn ?? '(no ARN yet)'}${report.subscriptionPending ? ' (pending confirmation)' : ''}`,
      );
    }
    if (!report.ok) {
      out(tty`setup stopped: ${report.error}`);
      out(tty`fix the cause and run the same command again: the steps already done are kept`);
      return EXIT.failed;
    }
    for (const step of report.nextSteps) out(tty`next: ${step}`);
    if (report.subscriptionPending && report.topicArn) {
      out(
        tty`next: add ${report.topicArn} to the webhook's KURATCHI_ALLOWED_TOPIC_ARNS so it confirms the subscription, then run \`kuratchi-ses status\``,
      );
    }
    return EXIT.ok;
  },
};

async function optionalSetupFlags(args: ParsedArgs): Promise<Partial<SetupSesEventTrackingOptions>> {
  const options: Partial<SetupSesEventTrackingOptions> = {};
  const types = stringFlag(args, 'event-types');
  if (types !== undefined) options.eventTypes = parseEventTypes(types);
  const version = stringFlag(args, 'signature-version');
  if (version !== undefined) {
    if (version !== '1' && version !== '2')
      throw new UsageError(`--signature-version must be 1 or 2, not ${JSON.stringify(version)}`);
    options.signatureVersion = version;
  }
  const policy = stringFlag(args, 'delivery-policy');
  if (policy !== undefined) options.deliveryPolicy = await parseJsonFlag('delivery-policy', policy);
  const domain = stringFlag(args, 'custom-redirect-domain');
  const httpsPolicy = stringFlag(args, 'https-policy');
  if (httpsPolicy !== undefined && domain === undefined)
    throw new UsageError('--https-policy needs --custom-redirect-domain');
  if (domain !== undefined) {
    options.trackingOptions = {
      customRedirectDomain: domain,
      ...(httpsPolicy ? { httpsPolicy: httpsPolicy.toUpperCase() as never } : {}),
    };
  }
  const streamArn = stringFlag(args, 'firehose-stream-arn');
  const roleArn = stringFlag(args, 'firehose-role-arn');
  if ((streamArn === undefined) !== (roleArn === undefined))
    throw new UsageError('--firehose-stream-arn and --firehose-role-arn go together');
  if (streamArn !== undefined && roleArn !== undefined)
    options.firehose = { deliveryStreamArn: streamArn, iamRoleArn: roleArn };
  return options;
}

/** `bounce,Delivery-Delay, OPEN` -> `['BOUNCE', 'DELIVERY_DELAY', 'OPEN']`. */
function parseEventTypes(list: string): SesEventDestinationType[] {
  const types = list
    .split(',')
    .map((t) => t.trim().toUpperCase().replace(/-/g, '_'))
    .filter(Boolean);
  const unknown = types.filter((t) => !(SES_EVENT_DESTINATION_TYPES as readonly string[]).includes(t));
  if (!types.length || unknown.length) {
    throw new UsageError(
      `--event-types: unknown ${unknown.join(', ') || '(empty list)'}; choose from ${SES_EVENT_DESTINATION_TYPES.join(', ').toLowerCase()}`,
    );
  }
  return types as SesEventDestinationType[];
}

async function parseJsonFlag(name: string, value: string): Promise<never> {
  const text = value.startsWith('@') ? await readTextFile(value.slice(1), `--${name} file`) : value;
  try {
    return JSON.parse(text) as never;
  } catch {
    throw new UsageError(`--${name} must be JSON (or @FILE holding JSON)`);
  }
}
