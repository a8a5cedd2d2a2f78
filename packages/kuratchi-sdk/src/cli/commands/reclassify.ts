import { booleanFlag, integerFlag, parseCommandArgs, requiredFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, use, type CommandFlags } from '../flags.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi } from '../ops-api.js';
import { startProgress } from '../progress.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'reclassify',
  flags: [
    use('dashboard-url', { required: true, formerly: [{ name: 'url' }] }),
    use('org', { required: true, note: 'the organisation whose events to reclassify' }),
    use('page-size', {
      note: 'events per request, about one D1 query each',
      default: 100,
      min: 1,
      max: 100,
      formerly: [{ name: 'batch' }],
    }),
    use('request-timeout-ms', { default: 30_000, min: 100, max: 600_000, formerly: [{ name: 'timeout' }] }),
    use('json'),
  ],
};

interface StatusAnswer {
  rulesVersion: number;
  pending: number;
}
interface PageAnswer {
  scanned: number;
  changed: number;
  next: string | null;
  rulesVersion: number;
}

/**
 * `kuratchi-ses reclassify`: classifies an organisation's recorded opens and clicks again, as human
 * or machine, with the engagement rules of the deployed Worker, through its operations API.
 * @see https://developers.cloudflare.com/d1/platform/limits/ (a page per request keeps each within one invocation)
 */
export const reclassifyCommand: Command = {
  name: 'reclassify',
  audience: 'operate',
  summary: "classify an organisation's recorded opens and clicks again with the Worker's engagement rules",
  help: `Usage: kuratchi-ses reclassify --dashboard-url URL --org ORG [options]

Each open and click is stored with its human-or-machine verdict and the version of the rules table
that gave it. After a deploy that changes the rules (a new version), this command has the Worker
classify again every open and click of the organisation recorded under another version (or before
engagement was classified), page by page (/api/ops/engagement/reclassify), from the stored
events: the verdicts, the click bursts and the email rows' machine counters end as live ingestion
under the new rules would leave them (the rules: docs/guides/receive.md). SES's own verdict
(isBotEvent Likely or Unlikely) is kept wherever an event carries it: the rules never override it;
after upgrading to migration 0008 this applies it to the opens and clicks recorded before. Running
it twice changes nothing the second time; events arriving meanwhile get the new rules. A progress bar is drawn on a
terminal, then: "reclassified 1840 open(s) and click(s) of org-acme with rules version 2: 212
changed verdict".

The Worker must have the secret KURATCHI_OPS_TOKEN (wrangler secret put KURATCHI_OPS_TOKEN);
this command reads the same token from the environment variable ${OPS_TOKEN_ENV}.

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses reclassify --dashboard-url https://dash.example.com --org org-acme

${EXIT_CODES_HELP}
(1: a request failed; what was done before it stays done, run it again)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const url = urlFlag(args, 'dashboard-url');
    const organizationId = requiredFlag(args, 'org');
    const batch = integerFlag(args, 'page-size');
    const api = opsApi(url, process.env, integerFlag(args, 'request-timeout-ms'));
    try {
      const status = await api.get<StatusAnswer>('/api/ops/engagement/reclassify', { organizationId });
      const progress = startProgress('reclassify', status.pending);
      let scanned = 0;
      let changed = 0;
      let after: string | null = null;
      try {
        do {
          const page: PageAnswer = await api.post<PageAnswer>('/api/ops/engagement/reclassify', {
            organizationId,
            limit: batch,
            ...(after ? { after } : {}),
          });
          scanned += page.scanned;
          changed += page.changed;
          for (let i = 0; i < page.scanned; i++) progress.tick(i < page.changed ? 'changed' : 'same');
          after = page.next;
        } while (after);
      } finally {
        progress.stop();
      }
      const summary = { organizationId, rulesVersion: status.rulesVersion, scanned, changed };
      if (booleanFlag(args, 'json')) out(jsonText(summary));
      else {
        out(
          tty`reclassified ${scanned} open(s) and click(s) of ${organizationId} with rules version ${status.rulesVersion}: ${changed} changed verdict`,
        );
      }
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(tty`kuratchi-ses reclassify: ${error.message}`);
      return EXIT.failed;
    }
  },
};
