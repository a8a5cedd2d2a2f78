/** One `kuratchi-ses` command. */
export interface Command {
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** The full `--help` text. */
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
