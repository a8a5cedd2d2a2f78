import { booleanFlag, parseCommandArgs, stringFlag } from '../args.js';
import { AWS_FLAGS, AWS_FLAGS_HELP, targetFromFlags } from '../aws-flags.js';
import { out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { formatSteps } from '../report-format.js';
import { UsageError } from '../usage-error.js';

const FLAGS = {
  ...AWS_FLAGS,
  'webhook-url': { type: 'string' },
  'keep-configuration-set': { type: 'boolean' },
  force: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean' },
} as const;

/** `kuratchi-ses teardown`: {@link teardownSESEventTracking} from the command line. */
export const teardownCommand: Command = {
  name: 'teardown',
  summary: 'remove what setup created (event destination, configuration set, subscription, topic)',
  help: `Usage: kuratchi-ses teardown --yes [options]

Removes what setup created, newest first: the event destination, the configuration set (unless
--keep-configuration-set, or other event destinations use it), the webhook subscription, and the
topic (kept, without SES's permission, while other subscriptions remain, unless --force).
Missing resources are reported absent, so it is safe to run twice.

Options:
  --yes                      confirm the deletion (not needed with --dry-run)
  --webhook-url URL          only this webhook's subscription (default: every HTTPS one)
  --keep-configuration-set   keep the configuration set: sending with it keeps working
  --force                    delete the topic even when other subscriptions remain
  --dry-run                  print the plan without calling AWS
${AWS_FLAGS_HELP}
  -h, --help                 this help

Example:
  kuratchi-ses teardown --region eu-west-1 --yes

${EXIT_CODES_HELP}`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(this.help), EXIT.ok);
    const dryRun = booleanFlag(args, 'dry-run');
    if (!dryRun && !booleanFlag(args, 'yes')) {
      throw new UsageError('teardown deletes AWS resources: pass --yes to confirm, or --dry-run to see the plan');
    }
    const webhookUrl = stringFlag(args, 'webhook-url');
    const { teardownSESEventTracking } = await import('kuratchi-sdk/email/setup');
    const report = await teardownSESEventTracking({
      ...targetFromFlags(args),
      ...(webhookUrl ? { webhookUrl } : {}),
      keepConfigurationSet: booleanFlag(args, 'keep-configuration-set'),
      force: booleanFlag(args, 'force'),
      dryRun,
    });
    if (booleanFlag(args, 'json')) return (out(JSON.stringify(report, null, 2)), report.ok ? EXIT.ok : EXIT.failed);
    const where = report.accountId ? `account ${report.accountId}, ${report.region}` : report.region;
    out(`kuratchi-ses teardown${report.dryRun ? ' (dry run: nothing was called)' : ''}: ${where}`);
    for (const line of formatSteps(report.steps)) out(line);
    if (!report.ok) {
      out(`teardown stopped: ${report.error}`);
      out('fix the cause and run the same command again: what is already gone is reported absent');
      return EXIT.failed;
    }
    return EXIT.ok;
  },
};
