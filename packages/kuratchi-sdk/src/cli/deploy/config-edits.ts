import { readToml, stripComment, tomlString } from './toml.js';
import { ALLOWED_TOPICS_VAR, MODE_MARKERS } from './wrangler-config.js';

/**
 * The edits `kuratchi-ses deploy` makes to the wrangler configuration, line by line so that its
 * comments and layout stay: each takes the text and returns the new text, the same text when there
 * is nothing to change (running it twice changes nothing the second time).
 */

/** A configuration that cannot take the edit: the message says what to change by hand. */
export class ConfigEditError extends Error {
  override readonly name = 'ConfigEditError';
}

/**
 * Writes `database_id = "<id>"` into the `[[d1_databases]]` entry of `binding`: after its
 * `database_name` (or its `binding`) line, or in place of a `database_id` line it already has.
 */
export function withDatabaseId(text: string, binding: string, id: string): string {
  const lines = text.split('\n');
  const entry = (readToml(text).arrays['d1_databases'] ?? []).find((t) => t.values['binding'] === binding);
  if (!entry) throw new ConfigEditError(`no [[d1_databases]] entry with binding = "${binding}"`);
  const line = `database_id = ${tomlString(id)}`;
  const existing = entry.keyLines['database_id'];
  if (existing !== undefined) {
    if (entry.values['database_id'] === id) return text;
    lines[existing] = line;
  } else {
    const after = entry.keyLines['database_name'] ?? entry.keyLines['binding']!;
    lines.splice(after + 1, 0, line);
  }
  return lines.join('\n');
}

/**
 * Switches the mode: uncomments (`queued`) or comments out (`direct`) every line between the
 * queued-mode markers. Without the markers, a configuration already in the mode is left as it is;
 * otherwise it is an error (the queue blocks are then the user's to add or remove).
 */
export function withMode(text: string, mode: 'queued' | 'direct', current: 'queued' | 'direct'): string {
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => l.trim() === MODE_MARKERS.begin);
  const end = lines.findIndex((l, i) => i > begin && l.trim() === MODE_MARKERS.end);
  if (begin < 0 || end < 0) {
    if (mode === current) return text;
    throw new ConfigEditError(
      `no queued-mode section ("${MODE_MARKERS.begin}" … "${MODE_MARKERS.end}") to switch: ${mode === 'queued' ? 'add' : 'remove'} the [[queues.*]] blocks by hand`,
    );
  }
  const section = lines.slice(begin + 1, end);
  const commented = section.every((l) => l.trim() === '' || l.trimStart().startsWith('#'));
  if ((mode === 'direct') === commented) return text;
  const switched =
    mode === 'direct'
      ? section.map((l) => (l === '' ? '#' : `# ${l}`))
      : section.map((l) => (l === '#' ? '' : l.startsWith('# ') ? l.slice(2) : l));
  lines.splice(begin + 1, section.length, ...switched);
  return lines.join('\n');
}

/**
 * Adds `arns` to `[vars] KURATCHI_ALLOWED_TOPIC_ARNS` (comma-separated, each once): in place when
 * the line is there, else after the last line of `[vars]` (the generated block), else in a new
 * `[vars]` table at the end.
 */
export function withAllowedTopicArns(text: string, arns: readonly string[]): string {
  if (!arns.length) return text;
  const doc = readToml(text);
  const vars = doc.tables['vars'];
  const current = vars?.values[ALLOWED_TOPICS_VAR];
  const listed =
    typeof current === 'string'
      ? current
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean)
      : [];
  const merged = [...new Set([...listed, ...arns])];
  if (vars && vars.keyLines[ALLOWED_TOPICS_VAR] !== undefined && merged.length === listed.length) return text;
  const line = `${ALLOWED_TOPICS_VAR} = ${tomlString(merged.join(','))}`;
  const lines = text.split('\n');
  if (!vars) return `${text.replace(/\n*$/, '')}\n\n[vars]\n${line}\n`;
  const at = vars.keyLines[ALLOWED_TOPICS_VAR];
  if (at !== undefined) {
    lines[at] = line;
    return lines.join('\n');
  }
  // The table's own lines end before the comments that lead into the next header, and the blank
  // lines before those.
  let last = vars.endLine;
  if (last < lines.length - 1) while (last > vars.headerLine && isCommentOnly(lines[last]!)) last--;
  while (last > vars.headerLine && lines[last]!.trim() === '') last--;
  lines.splice(
    last + 1,
    0,
    '# The topics whose SNS messages the webhook accepts (`kuratchi-ses deploy --topic-arn`).',
    line,
  );
  return lines.join('\n');
}

function isCommentOnly(line: string): boolean {
  return line.trim() !== '' && stripComment(line).trim() === '';
}
