import type { TerminalText } from './terminal-text.js';

/**
 * Who a command is for, the groups of `kuratchi-ses --help`: deploying the dashboard (Cloudflare),
 * setting AWS up, operating a running deployment (through its dashboard or its queues), or tools
 * that need neither.
 */
export type Audience = 'deploy' | 'aws-setup' | 'operate' | 'offline';

/** One `kuratchi-ses` command. */
export interface Command {
  name: string;
  /** Its group in `kuratchi-ses --help`. */
  audience: Audience;
  /** One line for the list of commands. */
  summary: string;
  /** The full `--help` text: the single source of the command's facts (docs/cli.md is generated from it). */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: readonly string[]): Promise<number>;
}

/** What `out` and `err` print: checked text (`tty`, `jsonText`, `helpText`), or lines of it. */
type Printable = TerminalText | readonly TerminalText[];

/**
 * Writes a line (or lines) to stdout: the only way a command prints (`cli-output.test.mjs`), and
 * it takes only checked text, so every field reaches the terminal escaped by `terminalText`.
 * @example out(tty`created ${organization.id} (${organization.name})`)
 */
export function out(text: Printable): void {
  process.stdout.write(`${typeof text === 'string' ? text : text.join('\n')}\n`);
}

/** Writes a line (or lines) to stderr, like {@link out}. */
export function err(text: Printable): void {
  process.stderr.write(`${typeof text === 'string' ? text : text.join('\n')}\n`);
}

/** `out` or `err`, for code that prints where it is told. */
export type Print = typeof out;
