import { booleanFlag, parseCommandArgs, stringFlag, stringsFlag } from '../args.js';
import { out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { UsageError } from '../usage-error.js';
import { helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'deploy',
  flags: [
    own('config', { kind: 'text', value: 'PATH', meaning: 'the wrangler configuration', default: 'wrangler.toml' }),
    own('mode', {
      kind: 'text',
      value: 'M',
      meaning:
        'switch to direct or queued mode first (written into the configuration); default: the mode it is in (direct as shipped)',
    }),
    use('topic-arn', {
      repeatable: true,
      note: "add it to the webhook's allowed topics (KURATCHI_ALLOWED_TOPIC_ARNS, written into the configuration)",
    }),
    use('dry-run', {
      note: 'runs only what reads the account (wrangler whoami, d1 list, …); prints each other command',
    }),
  ],
};

/**
 * `kuratchi-ses deploy`: deploys the dashboard Worker from a clone of the repository with
 * wrangler, creating what its configuration binds ({@link runDeploy}).
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#deploy
 */
export const deployCommand: Command = {
  name: 'deploy',
  audience: 'deploy',
  summary: 'deploy the dashboard Worker: create what wrangler.toml binds, migrate, build, deploy, set the token',
  help: `Usage: kuratchi-ses deploy [--config wrangler.toml] [--mode direct|queued] [--topic-arn ARN] [--dry-run]

Run from a clone of the repository, after \`pnpm install\` and \`pnpm build\`, logged in to
Cloudflare (\`npx wrangler login\`, or CLOUDFLARE_API_TOKEN; CLOUDFLARE_ACCOUNT_ID when the login
sees several accounts). Each step reads the account first and changes only what is missing:
  1. the configuration: --mode and --topic-arn written into it
  2. each D1 database it binds (the admin database): found by name or created
     (wrangler d1 create), its database_id written into the configuration
  3. each queue it binds (queued mode) and each R2 bucket (the archive): created when missing;
     the archive's lifecycle rules, one per prefix: sns/ expires after
     KURATCHI_RETENTION_ARCHIVE_DAYS ([vars]; default 45), and sns-d<days>/ after <days>
     for each archive retention an organisation may choose (7 to 3650 days)
  4. the D1 migrations not applied yet (wrangler d1 migrations apply <binding> --remote)
  5. the build (npm run build in the Worker's package, apps/dashboard), then wrangler deploy
  6. the operations token: when the Worker has no KURATCHI_OPS_TOKEN secret, a random one
     is set (wrangler secret put) and printed once; an existing secret is never overwritten
Then it prints the Worker's URL, the webhook URL to give \`kuratchi-ses setup\` and the next steps.
A second run changes nothing but deploying again; after a failure it says which step failed:
run the same command again to resume.

Modes: direct (as shipped) records each event in the webhook's request, on any Workers plan;
queued enqueues it and records batches of up to 100 (about 3 queue operations an event: Workers
Free includes 10,000 a day, Workers Paid 1,000,000 a month).

wrangler: the one on PATH (npx and pnpm exec put the clone's node_modules/.bin first), else the
clone's node_modules/.bin/wrangler.

${optionsHelp(FLAGS)}

Examples:
  npx kuratchi-ses deploy --dry-run
  npx kuratchi-ses deploy
  npx kuratchi-ses deploy --mode queued --topic-arn arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events

${EXIT_CODES_HELP}`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const mode = stringFlag(args, 'mode');
    if (mode !== undefined && mode !== 'queued' && mode !== 'direct')
      throw new UsageError(`--mode must be direct or queued, not ${JSON.stringify(mode)}`);
    const topicArns = stringsFlag(args, 'topic-arn');
    const [{ isSnsTopicArn }, { runDeploy }] = await Promise.all([
      import('kuratchi-sdk/internal/aws-names'),
      import('../deploy/run-deploy.js'),
    ]);
    for (const arn of topicArns)
      if (!isSnsTopicArn(arn)) throw new UsageError(`--topic-arn ${JSON.stringify(arn)} is not an SNS topic ARN`);
    const outcome = await runDeploy({
      configPath: stringFlag(args, 'config') ?? 'wrangler.toml',
      ...(mode ? { mode } : {}),
      topicArns,
      dryRun: booleanFlag(args, 'dry-run'),
      out,
    });
    return outcome.ok ? EXIT.ok : EXIT.failed;
  },
};
