import { open } from 'node:fs/promises';
import { booleanFlag, integerFlag, parseCommandArgs, requiredFlag, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi, type OpsApi } from '../ops-api.js';
import { startProgress } from '../progress.js';
import { readTextFile } from '../read-file.js';
import {
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ENTRIES,
  csvHeader,
  exportLine,
  formatOfName,
  parseImportFile,
  type ExportEntry,
  type SuppressionFileFormat,
} from '../suppression-files.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const ACTIONS = ['list', 'add', 'remove', 'import', 'export'] as const;
const REASONS = ['bounce', 'complaint', 'manual'];
const FLAGS: CommandFlags = {
  command: 'suppressions',
  positionals: 2,
  flags: [
    use('dashboard-url', { required: true }),
    use('org', { required: true, note: 'the organisation whose list it is' }),
    own('search', { kind: 'text', value: 'TEXT', meaning: 'list, export: only addresses containing TEXT' }),
    own('reason', { kind: 'text', value: 'R', meaning: `list, export: only this reason: ${REASONS.join(', ')}` }),
    own('limit', { kind: 'integer', value: 'N', meaning: 'list: how many to show', default: 50, min: 1, max: 500 }),
    own('after', { kind: 'text', value: 'ADDRESS', meaning: 'list: start after this address (the next page)' }),
    own('detail', { kind: 'text', value: 'TEXT', meaning: "add: why (kept as the entry's detail)" }),
    own('format', {
      kind: 'text',
      value: 'F',
      meaning: 'import, export: csv or ndjson (default: from the file name; export to stdout: csv)',
    }),
    use('page-size', { note: 'import: addresses per request', default: 100, min: 1, max: 100 }),
    use('request-timeout-ms', { default: 30_000, min: 100, max: 600_000 }),
    use('json'),
  ],
};

interface PageAnswer {
  suppressions: ExportEntry[];
  next: string | null;
  sync: { queued: number; failing: number; lastError: string | null; lastPassAt: number | null };
}

/**
 * `kuratchi-ses suppressions`: lists, adds, removes, imports and exports an organisation's
 * suppression list through the dashboard's operations API (/api/ops/suppressions).
 * @see https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list-tenant-level-manage.html
 */
export const suppressionsCommand: Command = {
  name: 'suppressions',
  audience: 'operate',
  summary: "list, add, remove, import or export an organisation's suppression list, through the dashboard",
  help: `Usage: kuratchi-ses suppressions list|add|remove|import|export [ADDRESS|FILE] --dashboard-url URL --org ORG [options]

sendEmail refuses the addresses of an organisation's suppression list unless told otherwise.
Permanent bounces and complaints add them (reason bounce, complaint), people add them by hand
(manual); with KURATCHI_SES_TENANTS=on the list and the organisation's SES tenant list agree
(the cron pushes our changes and pulls SES's; list shows changes still waiting for SES).

  list            one page in address order (--search, --reason, --limit; --after for the next)
  add ADDRESS     suppresses ADDRESS by hand (--detail: why)
  remove ADDRESS  removes ADDRESS, whatever put it there
  import FILE     adds every address of FILE by hand: CSV with a header row naming email_address
                  (and detail), or NDJSON lines {"emailAddress": "...", "detail": "..."}; at most
                  ${MAX_IMPORT_BYTES} bytes and ${MAX_IMPORT_ENTRIES} entries. The whole file is checked first:
                  with any bad line, each is reported ("line 7: ...") and nothing is imported.
                  Addresses already suppressed keep their entry; running it again changes nothing.
  export [FILE]   every entry (--search, --reason) to FILE, or stdout, as CSV or NDJSON

The Worker must have the secret KURATCHI_OPS_TOKEN; this command reads the same token from the
environment variable ${OPS_TOKEN_ENV}, never from the command line. Import draws a progress bar
on a terminal.

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses suppressions list --dashboard-url https://dash.example.com --org org-acme --search example.com
  kuratchi-ses suppressions import blocked.csv --dashboard-url https://dash.example.com --org org-acme
  kuratchi-ses suppressions export all.ndjson --dashboard-url https://dash.example.com --org org-acme

${EXIT_CODES_HELP}
(2 also: an import file with a bad line)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const [action, target] = args.positionals as [string | undefined, string | undefined];
    if (!action || !(ACTIONS as readonly string[]).includes(action)) {
      throw new UsageError(`one of ${ACTIONS.join(', ')} is required`);
    }
    const needsTarget = action === 'add' || action === 'remove' || action === 'import';
    if (needsTarget && !target)
      throw new UsageError(`${action} needs ${action === 'import' ? 'a FILE' : 'an ADDRESS'}`);
    if (!needsTarget && action !== 'export' && target)
      throw new UsageError(`unexpected argument ${JSON.stringify(target)}`);
    const reason = stringFlag(args, 'reason');
    if (reason !== undefined && !REASONS.includes(reason))
      throw new UsageError(`--reason must be one of ${REASONS.join(', ')}, not ${JSON.stringify(reason)}`);
    const format = fileFormat(stringFlag(args, 'format'), target, action);
    const organizationId = requiredFlag(args, 'org');
    const api = opsApi(urlFlag(args, 'dashboard-url'), process.env, integerFlag(args, 'request-timeout-ms'));
    const json = booleanFlag(args, 'json');
    const filter = { organizationId, search: stringFlag(args, 'search'), reason };
    try {
      if (action === 'list') {
        const page = await api.get<PageAnswer>('/api/ops/suppressions', {
          ...filter,
          limit: String(integerFlag(args, 'limit')),
          after: stringFlag(args, 'after'),
        });
        if (json) out(jsonText(page));
        else printPage(page);
        return EXIT.ok;
      }
      if (action === 'add') {
        const detail = stringFlag(args, 'detail');
        const answer = await api.post<{ added: number }>('/api/ops/suppressions', {
          organizationId,
          entries: [{ emailAddress: target, ...(detail ? { detail } : {}) }],
        });
        if (json) out(jsonText(answer));
        else out(tty`${target!}: ${answer.added ? 'suppressed' : 'already suppressed (its entry is kept)'}`);
        return EXIT.ok;
      }
      if (action === 'remove') {
        const answer = await api.post<{ removed: number }>('/api/ops/suppressions/remove', {
          organizationId,
          emailAddresses: [target],
        });
        if (json) out(jsonText(answer));
        else out(tty`${target!}: ${answer.removed ? 'removed' : 'was not suppressed'}`);
        return EXIT.ok;
      }
      if (action === 'import')
        return await importFile(api, organizationId, target!, format, integerFlag(args, 'page-size'), json);
      return await exportAll(api, filter, target, format, json);
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(tty`kuratchi-ses suppressions: ${error.message}`);
      return EXIT.failed;
    }
  },
};

function fileFormat(flag: string | undefined, target: string | undefined, action: string): SuppressionFileFormat {
  if (flag !== undefined) {
    if (flag !== 'csv' && flag !== 'ndjson')
      throw new UsageError(`--format must be csv or ndjson, not ${JSON.stringify(flag)}`);
    return flag;
  }
  if (action !== 'import' && action !== 'export') return 'csv';
  const implied = target ? formatOfName(target) : 'csv';
  if (!implied) throw new UsageError(`--format csv or ndjson is required: ${target} ends neither in .csv nor .ndjson`);
  return implied;
}

async function importFile(
  api: OpsApi,
  organizationId: string,
  path: string,
  format: SuppressionFileFormat,
  pageSize: number,
  json: boolean,
): Promise<number> {
  const parsed = await parseImportFile(await readTextFile(path, 'the import file'), format);
  if ('problems' in parsed) {
    err(tty`kuratchi-ses suppressions: ${path} was not imported (nothing was sent):`);
    for (const problem of parsed.problems.slice(0, 20)) err(tty`  ${problem}`);
    if (parsed.problems.length > 20) err(tty`  … and ${parsed.problems.length - 20} more`);
    return EXIT.usage;
  }
  const progress = startProgress('import', parsed.entries.length);
  let added = 0;
  try {
    for (let i = 0; i < parsed.entries.length; i += pageSize) {
      const entries = parsed.entries.slice(i, i + pageSize);
      const answer = await api.post<{ added: number; existing: number }>('/api/ops/suppressions', {
        organizationId,
        entries,
      });
      added += answer.added;
      for (let n = 0; n < answer.added; n++) progress.tick('added');
      for (let n = 0; n < answer.existing; n++) progress.tick('existing');
    }
  } finally {
    progress.stop();
  }
  const report = { entries: parsed.entries.length, added, existing: parsed.entries.length - added };
  if (json) out(jsonText(report));
  else out(tty`imported ${path}: ${report.entries} address(es), ${added} added, ${report.existing} already suppressed`);
  return EXIT.ok;
}

async function exportAll(
  api: OpsApi,
  filter: Record<string, string | undefined>,
  path: string | undefined,
  format: SuppressionFileFormat,
  json: boolean,
): Promise<number> {
  const file = path
    ? await open(path, 'wx').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(
          `cannot create ${path} (${error.code ?? error.message}); an existing file is never overwritten`,
        );
      })
    : undefined;
  const write = async (line: string) => {
    if (file) await file.write(`${line}\n`);
    else out(tty`${line}`);
  };
  let count = 0;
  try {
    if (format === 'csv') await write(csvHeader());
    let after: string | undefined;
    do {
      const page = await api.get<PageAnswer>('/api/ops/suppressions', { ...filter, limit: '500', after });
      for (const entry of page.suppressions) await write(exportLine(entry, format));
      count += page.suppressions.length;
      after = page.next ?? undefined;
    } while (after);
  } finally {
    await file?.close();
  }
  if (path) {
    if (json) out(jsonText({ exported: count, path }));
    else out(tty`exported ${count} entr${count === 1 ? 'y' : 'ies'} to ${path}`);
  }
  return EXIT.ok;
}

function printPage(page: PageAnswer) {
  for (const s of page.suppressions) {
    out(
      tty`${s.emailAddress.padEnd(40)} ${s.reason.padEnd(9)} ${new Date(s.createdAt).toISOString()}${s.sourceEmailId ? `  email ${s.sourceEmailId}` : ''}${s.detail ? `  ${s.detail}` : ''}`,
    );
  }
  if (!page.suppressions.length) out(tty`no suppressed address matches`);
  if (page.next) out(tty`  … more: --after ${page.next}`);
  if (page.sync.queued)
    out(tty`${page.sync.queued} change(s) wait for the SES tenant list (${page.sync.failing} failing)`);
  if (page.sync.lastError) out(tty`last sync with the SES tenant list failed: ${page.sync.lastError}`);
}
