import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { readTextFile } from './read-file.js';
import { UsageError } from './usage-error.js';

/** One stored SNS message: where it came from and the exact body to POST. */
export interface StoredMessage {
  source: string;
  body: string;
}

/** A stored entry that is not an SNS message (reported, never posted). */
export interface UnreadableEntry {
  source: string;
  reason: string;
}

const EXTENSIONS = new Set(['.json', '.jsonl', '.ndjson']);

/**
 * The stored SNS messages of a file or of every `.json` / `.jsonl` / `.ndjson` file under a
 * directory (sorted by path). A `.json` file holds one message (posted byte for byte) or an array
 * of them; a `.jsonl` / `.ndjson` file holds one per line. Entries without `Type` and `MessageId`
 * are returned as unreadable.
 */
export async function readStoredMessages(
  path: string,
): Promise<{ messages: StoredMessage[]; unreadable: UnreadableEntry[] }> {
  let files: string[];
  try {
    files = (await stat(path)).isDirectory() ? await listFiles(path) : [path];
  } catch (error) {
    throw new UsageError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const messages: StoredMessage[] = [];
  const unreadable: UnreadableEntry[] = [];
  for (const file of files) {
    const text = await readTextFile(file, 'message file');
    const lines = extname(file) === '.json' ? [text] : text.split('\n').filter((line) => line.trim());
    lines.forEach((line, i) => {
      const where = lines.length > 1 ? `${file}:${i + 1}` : file;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        unreadable.push({ source: where, reason: 'not JSON' });
        return;
      }
      const entries = Array.isArray(parsed) ? parsed : [parsed];
      entries.forEach((entry, j) => {
        const source = Array.isArray(parsed) ? `${where}[${j}]` : where;
        if (!isSnsMessage(entry)) unreadable.push({ source, reason: 'not an SNS message (no Type or MessageId)' });
        else messages.push({ source, body: Array.isArray(parsed) ? JSON.stringify(entry) : line });
      });
    });
  }
  return { messages, unreadable };
}

async function listFiles(directory: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(path)));
    else if (EXTENSIONS.has(extname(entry.name))) found.push(path);
  }
  return found.sort();
}

function isSnsMessage(value: unknown): boolean {
  const record = value as Record<string, unknown> | null;
  return (
    !!record && typeof record === 'object' && typeof record.Type === 'string' && typeof record.MessageId === 'string'
  );
}
