import { readFileSync } from 'node:fs';
import { err, out, type Audience, type Command } from './command.js';
import { canaryCommand } from './commands/canary.js';
import { deadLettersCommand } from './commands/dead-letters.js';
import { webhooksCommand } from './commands/webhooks.js';
import { deployCommand } from './commands/deploy.js';
import { importCommand } from './commands/import.js';
import { orgCommand } from './commands/org.js';
import { rebuildCommand } from './commands/rebuild.js';
import { reconcileCommand } from './commands/reconcile.js';
import { reputationCommand } from './commands/reputation.js';
import { reclassifyCommand } from './commands/reclassify.js';
import { redriveCommand } from './commands/redrive.js';
import { replayCommand } from './commands/replay.js';
import { setupCommand } from './commands/setup.js';
import { simulateCommand } from './commands/simulate.js';
import { statusCommand } from './commands/status.js';
import { suppressionsCommand } from './commands/suppressions.js';
import { teardownCommand } from './commands/teardown.js';
import { userCommand } from './commands/user.js';
import { verifyCommand } from './commands/verify.js';
import { verifyProofCommand } from './commands/verify-proof.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { OPS_TOKEN_ENV } from './ops-api.js';
import { UsageError } from './usage-error.js';
import { helpText, tty } from './terminal-text.js';

const COMMANDS: readonly Command[] = [
  deployCommand,
  setupCommand,
  statusCommand,
  teardownCommand,
  deadLettersCommand,
  replayCommand,
  redriveCommand,
  importCommand,
  reclassifyCommand,
  rebuildCommand,
  reconcileCommand,
  orgCommand,
  userCommand,
  canaryCommand,
  reputationCommand,
  suppressionsCommand,
  webhooksCommand,
  verifyCommand,
  verifyProofCommand,
  simulateCommand,
];

/** The groups of the command list, by who runs them. */
const AUDIENCES: ReadonlyArray<{ audience: Audience; title: string }> = [
  { audience: 'deploy', title: 'Deploying the dashboard (Cloudflare, with wrangler, from a clone of the repository):' },
  { audience: 'aws-setup', title: 'Setting AWS up (SES, SNS, SQS; AWS credentials):' },
  {
    audience: 'operate',
    title: `Operating a deployment (its dashboard's operations API, token in ${OPS_TOKEN_ENV}; its queues):`,
  },
  { audience: 'offline', title: 'Offline tools (files, or a development webhook):' },
];

const HELP = `Usage: kuratchi-ses <command> [options]

Deploys the kuratchi dashboard to Cloudflare, sets up and checks Amazon SES event tracking for
its webhook, operates a deployment through its dashboard (dead letters, redrive, import,
reclassify, rebuild, reconcile, organisations, users, the canary, the reputation guard), and
verifies, replays or simulates SNS messages.

${AUDIENCES.map(
  ({ audience, title }) =>
    `${title}\n${COMMANDS.filter((c) => c.audience === audience)
      .map((c) => `  ${c.name.padEnd(12)} ${c.summary}`)
      .join('\n')}`,
).join('\n\n')}

Run \`kuratchi-ses <command> --help\` for a command's options. Flags mean the same in every
command: --dashboard-url (the dashboard), --webhook-url (the SNS webhook), --request-timeout-ms
(per HTTP request), --deadline-seconds (the whole command), --poll-ms, --page-size, --org.
  -h, --help     this help
  --version      the version of kuratchi-sdk

${EXIT_CODES_HELP}`;

/** Runs `kuratchi-ses` with these arguments; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    err(helpText(HELP));
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h') return (out(helpText(HELP)), EXIT.ok);
  if (name === '--version') return (out(tty`${version()}`), EXIT.ok);
  if (name === 'help') {
    const command = rest[0] ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (rest[0] && !command) return unknownCommand(rest[0]);
    return (out(helpText(command ? command.help : HELP)), EXIT.ok);
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return unknownCommand(name);
  try {
    return await command.run(rest);
  } catch (error) {
    // Loaded only now, and without the AWS SDK: `kuratchi-ses verify` never loads it.
    const [{ InvalidOptionsError }, { describeAwsError }] = await Promise.all([
      import('#internal/shared/invalid-options.js'),
      import('#internal/setup/aws-errors.js'),
    ]);
    if (error instanceof UsageError || error instanceof InvalidOptionsError) {
      err(tty`kuratchi-ses ${command.name}: ${error.message}`);
      err(tty`Run \`kuratchi-ses ${command.name} --help\` for usage.`);
      return EXIT.usage;
    }
    err(tty`kuratchi-ses ${command.name}: ${describeAwsError(error)}`);
    return EXIT.failed;
  }
}

function unknownCommand(name: string): number {
  err(tty`kuratchi-ses: unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
  err(tty`Run \`kuratchi-ses --help\` for usage.`);
  return EXIT.usage;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
