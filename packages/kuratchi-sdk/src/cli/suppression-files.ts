/**
 * The files of `kuratchi-ses suppressions import|export`: CSV (RFC 4180, a header row naming the
 * columns, one entry a line) or NDJSON (one JSON object a line). An import file is checked whole
 * before anything is sent: every bad line is reported, and none is imported.
 * @see https://www.rfc-editor.org/rfc/rfc4180
 * @see https://github.com/ndjson/ndjson-spec
 */

/** The formats. */
export type SuppressionFileFormat = 'csv' | 'ndjson';

/** Most bytes of an import file (10 MiB). */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** Most entries of an import file. */
export const MAX_IMPORT_ENTRIES = 100_000;

/** An address to import, with its optional note. */
export interface ImportEntry {
  emailAddress: string;
  detail?: string;
}

/** An entry as the operations API lists it. */
export interface ExportEntry {
  emailAddress: string;
  reason: string;
  detail: string | null;
  sourceEmailId: string | null;
  createdAt: number;
}

/** The CSV columns of an export; an import reads `email_address` and `detail` (other columns are ignored). */
export const CSV_COLUMNS = ['email_address', 'reason', 'detail', 'source_email_id', 'created_at'] as const;

/** The format a file name implies (`.csv`, `.ndjson`/`.jsonl`), or undefined. */
export function formatOfName(path: string): SuppressionFileFormat | undefined {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(ndjson|jsonl)$/i.test(path)) return 'ndjson';
  return undefined;
}

/**
 * Reads an import file: its entries, or every problem (`line 3: …`). The address rule is
 * sendEmail's (loaded here, not at start: `--help` loads no package but cli-progress).
 */
export async function parseImportFile(
  text: string,
  format: SuppressionFileFormat,
): Promise<{ entries: ImportEntry[] } | { problems: string[] }> {
  const { emailAddressSchema } = await import('#internal/send/email-address.js');
  const problems: string[] = [];
  const entries: ImportEntry[] = [];
  if (new TextEncoder().encode(text).length > MAX_IMPORT_BYTES) {
    return { problems: [`the file is larger than ${MAX_IMPORT_BYTES} bytes: split it`] };
  }
  const lines = text.split(/\r?\n/);
  let columns: string[] | undefined;
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const at = `line ${index + 1}`;
    let fields: Record<string, unknown>;
    if (format === 'ndjson') {
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
        fields = value as Record<string, unknown>;
      } catch {
        return void problems.push(`${at}: not a JSON object`);
      }
    } else {
      const cells = csvCells(line);
      if (!cells) return void problems.push(`${at}: an unterminated quoted field`);
      if (!columns) {
        columns = cells.map((c) => c.trim().toLowerCase());
        if (!columns.includes('email_address')) problems.push(`${at}: the header row must name a column email_address`);
        return;
      }
      fields = { emailAddress: cells[columns.indexOf('email_address')], detail: cells[columns.indexOf('detail')] };
    }
    const address = emailAddressSchema.safeParse(
      typeof fields['emailAddress'] === 'string' ? fields['emailAddress'].trim() : fields['emailAddress'],
    );
    if (!address.success) return void problems.push(`${at}: emailAddress ${address.error.issues[0]!.message}`);
    const detail = fields['detail'];
    if (detail !== undefined && detail !== null && (typeof detail !== 'string' || detail.length > 1000)) {
      return void problems.push(`${at}: detail must be text of at most 1000 characters`);
    }
    entries.push({ emailAddress: address.data, ...(typeof detail === 'string' && detail ? { detail } : {}) });
  });
  if (entries.length > MAX_IMPORT_ENTRIES) problems.push(`more than ${MAX_IMPORT_ENTRIES} entries: split the file`);
  if (!problems.length && !entries.length) problems.push('no entry in the file');
  return problems.length ? { problems } : { entries };
}

/** The cells of one CSV line (RFC 4180 quoting), or null for an unterminated quote. */
function csvCells(line: string): string[] | null {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"' && line[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (line[i] === '"') break;
        else cell += line[i++];
      }
      i++;
      cells.push(cell);
    } else {
      const end = line.indexOf(',', i);
      cells.push(line.slice(i, end === -1 ? line.length : end));
      i = end === -1 ? line.length : end;
    }
    if (line[i] !== ',') return cells;
    i++;
  }
}

/** One exported entry as a line of the format (the CSV header is {@link csvHeader}). */
export function exportLine(entry: ExportEntry, format: SuppressionFileFormat): string {
  if (format === 'ndjson') return JSON.stringify(entry);
  const cell = (value: string | null) =>
    value === null ? '' : `"${value.replace(/"/g, '""').replace(/\r?\n/g, ' ')}"`;
  return [
    cell(entry.emailAddress),
    cell(entry.reason),
    cell(entry.detail),
    cell(entry.sourceEmailId),
    new Date(entry.createdAt).toISOString(),
  ].join(',');
}

/** The CSV header row. */
export const csvHeader = (): string => CSV_COLUMNS.join(',');
