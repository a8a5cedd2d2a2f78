import { SES_EVENT_DESTINATION_TYPES } from '#internal/setup/defaults.js';
import type { SesEventDestinationType, SetupSesEventTrackingOptions } from 'kuratchi-sdk/email/setup';
import { booleanFlag, parseCommandArgs, requiredFlag, stringFlag, type ParsedArgs } from '../args.js';
import { AWS_FLAGS, AWS_FLAGS_HELP, targetFromFlags } from '../aws-flags.js';
import { out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { readTextFile } from '../read-file.js';
import { formatSteps } from '../report-format.js';
import { UsageError } from '../usage-error.js';

const FLAGS = {
  ...AWS_FLAGS,
  'webhook-url': { type: 'string' },
  'event-types': { type: 'string' },
  'signature-version': { type: 'string' },
  'delivery-policy': { type: 'string' },
  'custom-redirect-domain': { type: 'string' },
  'https-policy': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

/** `kuratchi-ses setup`: {@link setupSESEventTracking} from the command line. */
export const setupCommand: Command = {
  name: 'setup',
  summary:
    'create or update the SNS topic, its policy, the configuration set, the event destination, the dead-letter queue and the webhook subscription',
  help: `Usage: kuratchi-ses setup --webhook-url URL [options]

Sets up SES event publishing to the webhook, idempotently: the SNS topic (standard), its
SignatureVersion, its policy letting SES publish (AWS:SourceAccount + AWS:SourceArn of the
configuration set), the configuration set, its SNS event destination, the SQS dead-letter queue
(14-day retention; SNS may send for the topic only) and the HTTPS subscription with its
RedrivePolicy naming that queue.
A second run changes nothing. A failing step stops the run; the report says what was done.

Options:
  --webhook-url URL            the webhook SNS posts to (https://…/api/webhooks/ses-events)
  --event-types LIST           comma-separated, default all: ${SES_EVENT_DESTINATION_TYPES.join(',').toLowerCase()}
  --signature-version 1|2      SNS signature version (default 2, SHA256)
  --delivery-policy JSON|@FILE HTTPS delivery policy, e.g. '{"healthyRetryPolicy":{"numRetries":5}}'
  --custom-redirect-domain D   custom domain for open and click tracking
  --https-policy P             REQUIRE | REQUIRE_OPEN_ONLY | OPTIONAL (with --custom-redirect-domain)
  --dry-run                    print the plan without calling AWS
${AWS_FLAGS_HELP}
  -h, --help                   this help

Credentials: the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO…).
After setup, add the topic ARN to the webhook's SES_ALLOWED_TOPIC_ARNS so it confirms the subscription.

Example:
  kuratchi-ses setup --region eu-west-1 --webhook-url https://dash.example.com/api/webhooks/ses-events

${EXIT_CODES_HELP}`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(this.help), EXIT.ok);
    const options: SetupSesEventTrackingOptions = {
      ...targetFromFlags(args),
      webhookUrl: requiredFlag(args, 'webhook-url', 'the https:// URL of the webhook SNS posts to'),
      dryRun: booleanFlag(args, 'dry-run'),
      ...(await optionalSetupFlags(args)),
    };
    const { setupSESEventTracking } = await import('kuratchi-sdk/email/setup');
    const report = await setupSESEventTracking(options);
    if (booleanFlag(args, 'json')) return (out(JSON.stringify(report, null, 2)), report.ok ? EXIT.ok : EXIT.failed);

    const where = report.accountId ? `account ${report.accountId}, ${report.region}` : report.region;
    out(`kuratchi-ses setup${report.dryRun ? ' (dry run: nothing was called)' : ''}: ${where}`);
    for (const line of formatSteps(report.steps)) out(line);
    if (report.topicArn) out(`topic:        ${report.topicArn}`);
    if (report.deadLetterQueueUrl) out(`dead letters: ${report.deadLetterQueueUrl} (kuratchi-ses redrive drains it)`);
    if (report.subscriptionArn || report.subscriptionPending !== undefined) {
      out(
        `subscription: ${report.subscriptionArn ?? '(no ARN yet)'}${report.subscriptionPending ? ' (pending confirmation)' : ''}`,
      );
    }
    if (!report.ok) {
      out(`setup stopped: ${report.error}`);
      out('fix the cause and run the same command again: the steps already done are kept');
      return EXIT.failed;
    }
    if (report.subscriptionPending && report.topicArn) {
      out(
        `next: add ${report.topicArn} to the webhook's SES_ALLOWED_TOPIC_ARNS so it confirms the subscription, then run \`kuratchi-ses status\``,
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
