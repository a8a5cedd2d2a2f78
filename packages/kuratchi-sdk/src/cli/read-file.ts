import { readFile } from 'node:fs/promises';
import { UsageError } from './usage-error.js';

/** A text file named on the command line; a missing or unreadable file is a usage error. */
export async function readTextFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new UsageError(`cannot read ${what} ${path} (${reason})`);
  }
}
