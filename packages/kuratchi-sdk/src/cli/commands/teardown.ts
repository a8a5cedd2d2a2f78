import { booleanFlag, parseCommandArgs, stringFlag } from '../args.js';
import { AWS_FLAGS, targetFromFlags } from '../aws-flags.js';
import { out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { formatSteps } from '../report-format.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'teardown',
  flags: [
    own('yes', { kind: 'boolean', meaning: 'confirm the deletion (not needed with --dry-run)' }),
    use('webhook-url', { note: "only this webhook's subscription (default: every HTTPS one)" }),
    own('keep-configuration-set', {
      kind: 'boolean',
      meaning: 'keep the configuration set: sending with it keeps working',
    }),
    own('force', {
      kind: 'boolean',
      meaning:
        'delete the topic even when other subscriptions remain, and the dead-letter queue while it holds messages',
    }),
    use('dry-run', { note: 'no AWS call' }),
    ...AWS_FLAGS,
  ],
};

/** `kuratchi-ses teardown`: {@link teardownSESEventTracking} from the command line. */
export const teardownCommand: Command = {
  name: 'teardown',
  audience: 'aws-setup',
  summary: 'remove what setup created (event destination, configuration set, subscription, topic)',
  help: `Usage: kuratchi-ses teardown --yes [options]

Removes what setup created, newest first: the event destination, the configuration set (unless
--keep-configuration-set, or other event destinations use it), the webhook subscription, and the
topic (kept, without SES's permission, while other subscriptions remain, unless --force). Only a
topic setup tagged kuratchi:managed-by is ever deleted: a topic of yours (--topic-arn) is kept,
--force or not, and only the --webhook-url subscription is removed from it.
The Firehose event destination (kuratchi-firehose) is deleted before the configuration set, and
the SQS dead-letter queue last, kept while it still holds messages unless --force. Missing
resources are reported absent, so it is safe to run twice. Credentials: the AWS SDK's default chain.

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses teardown --region eu-west-1 --yes

${EXIT_CODES_HELP}`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const dryRun = booleanFlag(args, 'dry-run');
    if (!dryRun && !booleanFlag(args, 'yes')) {
      throw new UsageError('teardown deletes AWS resources: pass --yes to confirm, or --dry-run to see the plan');
    }
    const webhookUrl = stringFlag(args, 'webhook-url');
    const { teardownSESEventTracking } = await import('kuratchi-sdk/internal/setup');
    const report = await teardownSESEventTracking({
      ...targetFromFlags(args),
      ...(webhookUrl ? { webhookUrl } : {}),
      keepConfigurationSet: booleanFlag(args, 'keep-configuration-set'),
      force: booleanFlag(args, 'force'),
      dryRun,
    });
    if (booleanFlag(args, 'json')) return (out(jsonText(report)), report.ok ? EXIT.ok : EXIT.failed);
    const where = report.accountId ? `account ${report.accountId}, ${report.region}` : report.region;
    out(tty`kuratchi-ses teardown${report.dryRun ? ' (dry run: nothing was called)' : ''}: ${where}`);
    for (const line of formatSteps(report.steps)) out(line);
    if (!report.ok) {
      out(tty`teardown stopped: ${report.error}`);
      out(tty`fix the cause and run the same command again: what is already gone is reported absent`);
      return EXIT.failed;
    }
    return EXIT.ok;
  },
};
