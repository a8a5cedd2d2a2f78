import { booleanFlag, integerFlag, parseCommandArgs, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi } from '../ops-api.js';
import { startProgress } from '../progress.js';
import { UsageError } from '../usage-error.js';

const FLAGS = {
  url: { type: 'string' },
  org: { type: 'string' },
  batch: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
} as const;

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
  summary: "classify an organisation's recorded opens and clicks again with the Worker's engagement rules",
  help: `Usage: kuratchi-ses reclassify --url URL --org ORG [options]

Each open and click is stored with its human-or-machine verdict and the version of the rules table
that gave it. After a deploy that changes the rules (a new version), this command has the Worker
classify again every open and click of the organisation recorded under another version (or before
engagement was classified), page by page, from the stored events: the verdicts, the click bursts
and the email rows' machine counters end as live ingestion under the new rules would leave them.
Running it twice changes nothing the second time; events arriving meanwhile get the new rules.

The Worker must have the secret KURATCHI_OPS_TOKEN (wrangler secret put KURATCHI_OPS_TOKEN);
this command reads the same token from the environment variable ${OPS_TOKEN_ENV}.

Options:
  --url URL        the dashboard (https://dash.example.com)
  --org ORG        the organisation id
  --batch N        events per request (default 100, at most 100; about one D1 query each)
  --timeout MS     per request (default 30000)
  --json           print the summary as JSON
  -h, --help       this help

Example:
  kuratchi-ses reclassify --url https://dash.example.com --org org-acme

${EXIT_CODES_HELP} (1: a request failed; what was done before it stays done, run it again)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS, 0);
    if (booleanFlag(args, 'help')) return (out(this.help), EXIT.ok);
    const url = urlFlag(args, 'url', 'the dashboard, e.g. https://dash.example.com');
    const organizationId = stringFlag(args, 'org');
    if (!organizationId) throw new UsageError('--org is required: the organisation whose events to reclassify');
    const batch = integerFlag(args, 'batch', 100, 1, 100);
    const api = opsApi(url, process.env, integerFlag(args, 'timeout', 30_000, 100, 600_000));
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
      if (booleanFlag(args, 'json')) out(JSON.stringify(summary, null, 2));
      else {
        out(
          `reclassified ${scanned} open(s) and click(s) of ${organizationId} with rules version ${status.rulesVersion}: ${changed} changed verdict`,
        );
      }
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(`kuratchi-ses reclassify: ${error.message}`);
      return EXIT.failed;
    }
  },
};
