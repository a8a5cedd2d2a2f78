/**
 * The vocabulary of `kuratchi-ses`: every flag that more than one command takes, written once
 * with its name, value type, meaning and validation. A command declares the flags it takes
 * ({@link use} for a shared one, {@link own} for one of its own); parsing ({@link parseCommandArgs}
 * in `args.ts`) and the options block of its `--help` ({@link optionsHelp}) both come from that
 * declaration, so a flag means the same thing in every command and its help cannot drift.
 */

/** How a flag's value is read and checked. */
export type FlagKind =
  /** present or not, no value */
  | 'boolean'
  /** any text */
  | 'text'
  /** a whole number within the flag's bounds */
  | 'integer'
  /** an absolute http:// or https:// URL */
  | 'url';

/**
 * An old spelling of a flag, accepted for one release with a warning on stderr naming the new one.
 * `scale` converts an old value to the new unit (`--poll 5` seconds is `--poll-ms 5000`).
 */
export interface FormerSpelling {
  name: string;
  scale?: number;
}

/** One flag as a command takes it. */
export interface Flag {
  /** Without the dashes: `dashboard-url`. */
  name: string;
  kind: FlagKind;
  /** The value's placeholder in help (`URL`, `MS`, `N`); none for a boolean. */
  value?: string;
  /** One line: what the flag means (the same in every command for a shared flag). */
  meaning: string;
  /** What it means in this command, after the shared meaning (`replay: dead letters per request`). */
  note?: string;
  /** The default, when it has one worth printing. */
  default?: number | string;
  /** Bounds of an `integer` flag (inclusive). */
  min?: number;
  max?: number;
  /** May be given more than once (its values are a list). */
  repeatable?: boolean;
  /** A missing flag is a usage error (checked unless `--help`). */
  required?: boolean;
  /** Old spellings still accepted in this command. */
  formerly?: readonly FormerSpelling[];
}

/** A shared flag's definition: everything but what a command adds. */
type SharedDefinition = Pick<Flag, 'kind' | 'value' | 'meaning'>;

/** The shared flags: each once, with its value type and its one meaning. */
export const SHARED_FLAGS = {
  'dashboard-url': {
    kind: 'url',
    value: 'URL',
    meaning: "the deployment's dashboard, base of its operations API (https://dash.example.com)",
  },
  'webhook-url': {
    kind: 'url',
    value: 'URL',
    meaning: 'the SNS webhook endpoint (https://dash.example.com/api/webhooks/ses-events)',
  },
  'request-timeout-ms': { kind: 'integer', value: 'MS', meaning: 'give up on one HTTP request after MS milliseconds' },
  'deadline-seconds': { kind: 'integer', value: 'S', meaning: 'give up the whole command after S seconds' },
  'poll-ms': { kind: 'integer', value: 'MS', meaning: 'milliseconds between two checks' },
  'page-size': { kind: 'integer', value: 'N', meaning: 'items per request' },
  org: { kind: 'text', value: 'ID', meaning: 'the organisation id (lower-case letters, digits, dashes)' },
  json: { kind: 'boolean', meaning: 'print the result as JSON' },
  'dry-run': { kind: 'boolean', meaning: 'change nothing: print what would be done' },
  region: { kind: 'text', value: 'REGION', meaning: 'the AWS region' },
  profile: { kind: 'text', value: 'NAME', meaning: 'a named profile of the AWS config files' },
  'aws-endpoint-url': {
    kind: 'url',
    value: 'URL',
    meaning: 'send every AWS call to this endpoint (LocalStack, tests)',
  },
  'topic-arn': { kind: 'text', value: 'ARN', meaning: 'the SNS topic ARN' },
} as const satisfies Record<string, SharedDefinition>;

/** The name of a shared flag. */
export type SharedFlagName = keyof typeof SHARED_FLAGS;

/** What a command adds to a shared flag: its default, bounds, a note, old spellings. */
export type FlagUse = Pick<Flag, 'note' | 'default' | 'min' | 'max' | 'required' | 'repeatable' | 'formerly'>;

/** A shared flag as this command takes it. */
export function use(name: SharedFlagName, how: FlagUse = {}): Flag {
  return { name, ...SHARED_FLAGS[name], ...how };
}

/** A flag only this command takes. */
export function own(name: string, flag: Omit<Flag, 'name'>): Flag {
  if (name in SHARED_FLAGS) throw new Error(`--${name} is a shared flag: declare it with use()`);
  return { name, ...flag };
}

/** The flags of a command. */
export interface CommandFlags {
  /** The command's name, for the old-spelling warning. */
  command: string;
  flags: readonly Flag[];
  /** How many positionals the command takes (an action, a file). */
  positionals?: number;
}

/** The help line of `--help` itself, the same for every command. */
const HELP_LINE = { left: '-h, --help', right: 'this help' };

/** The options block of a command's `--help`, generated from its flags. */
export function optionsHelp(spec: CommandFlags): string {
  const rows = spec.flags.map((flag) => ({
    left: `--${flag.name}${flag.value ? ` ${flag.value}` : ''}`,
    right: describe(flag),
  }));
  rows.push(HELP_LINE);
  const width = Math.max(...rows.map((row) => row.left.length)) + 2;
  const lines = rows.map((row) => wrap(`  ${row.left.padEnd(width)}`, row.right));
  const renamed = spec.flags.flatMap((flag) =>
    (flag.formerly ?? []).map(
      (old) => `--${old.name} (now --${flag.name}${old.scale ? `, the old value × ${old.scale}` : ''})`,
    ),
  );
  const block = `Options:\n${lines.join('\n')}`;
  if (!renamed.length) return block;
  return `${block}\n\nRenamed (the old spelling works until the next release, with a warning):\n${wrap('  ', renamed.join(', '))}`;
}

/** Help lines are wrapped at this width; continuation lines are indented under the text. */
const HELP_WIDTH = 100;

function wrap(head: string, text: string): string {
  const lines: string[] = [];
  let line = head;
  for (const word of text.split(' ')) {
    if (line.length > head.length && line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = ' '.repeat(head.length) + word;
    } else line += line.length > head.length ? ` ${word}` : word;
  }
  lines.push(line);
  return lines.join('\n');
}

function describe(flag: Flag): string {
  const facts = [
    flag.repeatable ? 'repeatable' : undefined,
    flag.default !== undefined ? `default ${flag.default}` : undefined,
    flag.kind === 'integer' && flag.max !== undefined ? `${flag.min ?? 0} to ${flag.max}` : undefined,
  ].filter((fact) => fact !== undefined);
  const text = `${flag.required ? 'required: ' : ''}${flag.note ? `${flag.meaning}; ${flag.note}` : flag.meaning}`;
  return facts.length ? `${text} (${facts.join(', ')})` : text;
}
