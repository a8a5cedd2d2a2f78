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

/** Writes a line to stdout. */
export function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Writes a line to stderr. */
export function err(text: string): void {
  process.stderr.write(`${text}\n`);
}
