import type { SesEventTrackingStatus } from 'kuratchi-sdk/internal/setup';
import { booleanFlag, parseCommandArgs, stringFlag } from '../args.js';
import { AWS_FLAGS, targetFromFlags } from '../aws-flags.js';
import { out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { tty, jsonText, helpText, type TerminalText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'status',
  flags: [
    use('webhook-url', { note: "report only this webhook's subscription (default: every HTTPS one)" }),
    own('tenants', {
      kind: 'boolean',
      meaning: 'also report the SES tenants of the account without the configuration set',
    }),
    ...AWS_FLAGS,
  ],
};

/** `kuratchi-ses status`: {@link getSESEventTrackingStatus} from the command line. */
export const statusCommand: Command = {
  name: 'status',
  audience: 'aws-setup',
  summary:
    'show whether events flow: topic, policy, configuration set, event destination, dead-letter queue, subscription',
  help: `Usage: kuratchi-ses status [options]

Reads, without changing anything, whether SES event tracking is set up: the topic (signature
version, whether SES may publish), the configuration set, the event destination (enabled, event
types), the SQS dead-letter queue (how many undelivered events wait in it) and the webhook
subscription (confirmed or pending, and its RedrivePolicy), and the Firehose event destination
kuratchi-firehose when it exists (a disabled one is a problem), and with --tenants how many SES
tenants of the account have the configuration set (one without it is a problem). When undelivered events wait in
the dead-letter queue it prints the \`kuratchi-ses redrive\` command that applies them.
Exits 0 only when events flow. Credentials: the AWS SDK's default chain.

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses status --region eu-west-1

${EXIT_CODES_HELP}
(1 also when not ready)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const webhookUrl = stringFlag(args, 'webhook-url');
    const { getSESEventTrackingStatus } = await import('kuratchi-sdk/internal/setup');
    const status = await getSESEventTrackingStatus({
      ...targetFromFlags(args),
      ...(webhookUrl ? { webhookUrl } : {}),
      ...(booleanFlag(args, 'tenants') ? { tenants: true } : {}),
    });
    if (booleanFlag(args, 'json')) out(jsonText(status));
    else for (const line of describe(status)) out(line);
    return status.ready ? EXIT.ok : EXIT.failed;
  },
};

function describe(s: SesEventTrackingStatus): TerminalText[] {
  const yes = (value: boolean | undefined) => (value ? 'yes' : 'no');
  const lines = [
    tty`kuratchi-ses status: account ${s.accountId}, ${s.region}: ${s.ready ? 'READY, events flow to the webhook' : 'NOT READY'}`,
    tty`  topic              ${s.topic.exists ? `${s.topicArn}${s.topicManaged ? '' : ' (yours)'} (SignatureVersion ${s.topic.signatureVersion}, SES may publish: ${yes(s.topic.sesCanPublish)})` : 'missing'}`,
    tty`  configuration set  ${s.configurationSet.exists ? s.configurationSetName : 'missing'}${s.configurationSet.customRedirectDomain ? ` (redirect domain ${s.configurationSet.customRedirectDomain})` : ''}`,
    tty`  event destination  ${s.eventDestination.exists ? `${s.eventDestinationName}: ${s.eventDestination.enabled ? 'enabled' : 'DISABLED'}, ${s.eventDestination.eventTypes?.join(',').toLowerCase()}` : 'missing'}`,
  ];
  const q = s.deadLetterQueue;
  lines.push(
    tty`  dead-letter queue  ${q.exists ? `${q.url ?? q.arn}: ~${q.messages ?? 0} waiting, ~${q.messagesInFlight ?? 0} in flight (SNS may send: ${yes(q.snsCanSend)})` : `${q.name}: missing`}`,
  );
  if (q.exists && q.messages)
    lines.push(
      tty`  next: \`kuratchi-ses redrive --dashboard-url DASHBOARD --queue-url ${q.url}\` applies the events waiting there`,
    );
  const f = s.firehoseDestination;
  if (f.exists) {
    lines.push(
      tty`  firehose           ${f.enabled ? 'enabled' : 'DISABLED'}, to ${f.deliveryStreamArn ?? 'no stream'} as ${f.iamRoleArn ?? 'no role'}`,
    );
  }
  const t = s.tenantAssociations;
  if (t) lines.push(tty`  SES tenants        configuration set associated with ${t.associated} of ${t.tenants}`);
  if (!s.subscriptions.length) lines.push(tty`  subscription       none`);
  for (const sub of s.subscriptions) {
    lines.push(
      tty`  subscription       ${sub.endpoint}: ${sub.confirmed ? 'confirmed' : 'PENDING confirmation'}${sub.rawMessageDelivery ? ', RAW delivery' : ''}`,
    );
  }
  for (const problem of s.problems) lines.push(tty`problem: ${problem}`);
  return lines;
}
