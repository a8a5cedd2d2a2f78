/**
 * A reader of the TOML that wrangler configurations are written in, enough for `kuratchi-ses
 * deploy`: tables (`[vars]`), arrays of tables (`[[d1_databases]]`), and keys whose values are
 * strings, numbers, booleans or arrays of them, each with the line it is on so that the
 * configuration can be edited line by line, its comments and layout kept. Values it does not read
 * (inline tables, multi-line strings, dates) are skipped; a line it cannot read at all is an error
 * naming it. The configuration is also read by wrangler itself on each command.
 * @see https://toml.io/en/v1.0.0
 * @see https://developers.cloudflare.com/workers/wrangler/configuration/
 */

/** A value the reader understands. */
export type TomlValue = string | number | boolean | TomlValue[];

/** One table: its keys, and the lines of its header, its last line and each key. */
export interface TomlTable {
  /** Values by key; a key whose value the reader skips is present with `undefined`. */
  values: Record<string, TomlValue | undefined>;
  /** Index (0-based) of its header line; -1 for the keys before the first header. */
  headerLine: number;
  /** Index of the line before the next header (or the last line). */
  endLine: number;
  /** Index of each key's line. */
  keyLines: Record<string, number>;
}

/** A configuration as read: the keys before any header, each `[table]`, each `[[array]]` entry. */
export interface TomlDocument {
  root: TomlTable;
  /** `[name]` by dotted name. */
  tables: Record<string, TomlTable>;
  /** `[[name]]` entries by dotted name, in order. */
  arrays: Record<string, TomlTable[]>;
}

/** A line the reader cannot read: the file's line number (1-based) and why. */
export class TomlError extends Error {
  override readonly name = 'TomlError';
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** A bare key, or a dotted one (kept as one key: `a.b`). */
const BARE_KEY = /^[A-Za-z0-9_.-]+$/;

/** Reads `text`; throws {@link TomlError} on a line it cannot read. */
export function readToml(text: string): TomlDocument {
  const lines = text.split('\n');
  const doc: TomlDocument = { root: emptyTable(-1), tables: {}, arrays: {} };
  let current = doc.root;
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i]!).trim();
    if (line === '') continue;
    const header = /^(\[\[?)\s*([^\]]+?)\s*(\]\]?)$/.exec(line);
    if (header) {
      current.endLine = i - 1;
      current = emptyTable(i);
      const name = header[2]!;
      if (header[1] === '[[' && header[3] === ']]') (doc.arrays[name] ??= []).push(current);
      else if (header[1] === '[' && header[3] === ']') doc.tables[name] = current;
      else throw new TomlError(i + 1, `a header neither [table] nor [[array]]: ${line}`);
      continue;
    }
    const eq = keyValueSplit(line);
    if (!eq) throw new TomlError(i + 1, `neither a header nor key = value: ${line}`);
    const key = readKey(eq.key, i + 1);
    // A value may go on over lines: an array until its brackets close, a multi-line string.
    let raw = eq.value;
    const start = i;
    if (raw.startsWith('"""') || raw.startsWith("'''")) {
      const quote = raw.slice(0, 3);
      while (!raw.slice(3).includes(quote)) {
        if (++i >= lines.length) throw new TomlError(start + 1, `a multi-line string that does not end`);
        raw += `\n${lines[i]}`;
      }
      current.values[key] = undefined;
      current.keyLines[key] = start;
      continue;
    }
    while (raw.startsWith('[') && !bracketsClosed(raw)) {
      if (++i >= lines.length) throw new TomlError(start + 1, `an array that does not end`);
      raw += ` ${stripComment(lines[i]!).trim()}`;
    }
    current.values[key] = readValue(raw);
    current.keyLines[key] = start;
  }
  current.endLine = lines.length - 1;
  return doc;
}

function emptyTable(headerLine: number): TomlTable {
  return { values: {}, headerLine, endLine: headerLine, keyLines: {} };
}

/** The line without its comment: from a `#` outside any string. */
export function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function keyValueSplit(line: string): { key: string; value: string } | null {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '=') return { key: line.slice(0, i).trim(), value: line.slice(i + 1).trim() };
  }
  return null;
}

function readKey(key: string, line: number): string {
  if (BARE_KEY.test(key)) return key;
  const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(key) ?? /^'([^']*)'$/.exec(key);
  if (quoted) return quoted[1]!;
  throw new TomlError(line, `a key it cannot read: ${key}`);
}

function bracketsClosed(raw: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
  }
  return depth === 0;
}

/** A value, or `undefined` for one the reader skips (inline table, date, …). */
function readValue(raw: string): TomlValue | undefined {
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      return undefined;
    }
  }
  if (raw.startsWith("'")) return raw.endsWith("'") && raw.length >= 2 ? raw.slice(1, -1) : undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^[+-]?\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?$/.test(raw)) return Number(raw.replaceAll('_', ''));
  if (raw.startsWith('[')) {
    const items = splitArray(raw.slice(1, -1));
    const values = items.map(readValue);
    return values.every((v) => v !== undefined) ? (values as TomlValue[]) : undefined;
  }
  return undefined;
}

function splitArray(inner: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      items.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  items.push(inner.slice(start));
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/** A string as a TOML basic string (`"…"`). */
export function tomlString(value: string): string {
  return JSON.stringify(value);
}
