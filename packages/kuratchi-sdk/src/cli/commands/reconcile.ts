import { booleanFlag, integerFlag, parseCommandArgs, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, use, type CommandFlags } from '../flags.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi, type OpsApi } from '../ops-api.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'reconcile',
  flags: [
    use('dashboard-url', { required: true, formerly: [{ name: 'url' }] }),
    use('org', { note: 'only this organisation (default: every organisation)' }),
    use('dry-run', { note: 'ask SES and count what it knows' }),
    use('page-size', { note: 'emails per request, about 20 s per 20', default: 20, min: 1, max: 300 }),
    use('request-timeout-ms', { default: 120_000, min: 1_000, max: 900_000, formerly: [{ name: 'timeout' }] }),
    use('json'),
  ],
};

/** The figures summed over pages and organisations (as the Worker's report names them). */
const FIGURES = ['asked', 'learned', 'applied', 'duplicates', 'nothingYet', 'gaveUp', 'notAvailable'] as const;
type Figure = (typeof FIGURES)[number];

/** How the summary words each figure. */
const WORDS: Record<Figure, string> = {
  asked: 'asked',
  learned: 'learned',
  applied: 'applied',
  duplicates: 'duplicates',
  nothingYet: 'nothing yet',
  gaveUp: 'given up',
  notAvailable: 'not available',
};

interface StatusAnswer {
  status: 'ready' | 'not-configured' | 'vdm-off';
  message?: string;
  organizations: string[];
}
type OrgReport = {
  organizationId: string;
  status: string;
  message?: string;
  error?: string;
  next?: string | null;
} & Partial<Record<Figure, number>>;
interface RunAnswer {
  status: 'done' | 'not-configured' | 'vdm-off' | 'off';
  message?: string;
  organizations: OrgReport[];
}

/**
 * `kuratchi-ses reconcile`: asks SES (GetMessageInsights, through the dashboard's operations API
 * and the Worker's own AWS credentials) about emails with no outcome after KURATCHI_RECONCILE_AFTER_HOURS,
 * organisation by organisation, a page per request, and applies what it learns (or, with
 * --dry-run, only counts it).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 */
export const reconcileCommand: Command = {
  name: 'reconcile',
  audience: 'operate',
  summary: 'ask SES (GetMessageInsights) about emails with no outcome yet and apply what it knows',
  help: `Usage: kuratchi-ses reconcile --dashboard-url URL [--org ORG] [--dry-run] [options]

Reconciliation, the polling alternative to SNS: every email sent more than
KURATCHI_RECONCILE_AFTER_HOURS ago (default 4) with no Delivery, Bounce, Reject, Complaint,
DeliveryDelay or Rendering Failure yet is looked up with SESv2 GetMessageInsights (one call a
second), and the outcomes SES knows are applied as events of source "reconcile" (the timeline
shows "via reconciliation"); a late SNS copy of the same event counts once. Emails SES knows
nothing more of are asked again after KURATCHI_RECONCILE_RETRY_HOURS and given up after
KURATCHI_RECONCILE_GIVE_UP_HOURS, exactly as the Worker's scheduled job does.
Needs Virtual Deliverability Manager on the SES account and the Worker's own AWS credentials
(AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); without them it says so and does nothing.
Through GET and POST /api/ops/reconcile, every organisation (or --org), a page of --page-size
emails per request, a progress line per page on stderr, then a summary:
  org-acme page 1: asked 20, learned 6, applied 6, duplicates 0, nothing yet 14, given up 0, not available 0
  reconciled 1 organisation(s): 20 asked, 6 learned, 6 applied, 0 duplicates, 14 nothing yet, 0 given up, 0 not available
An organisation that fails is named (exit 1). A throttled page (SES refused a call) ends that
organisation's run; the next run goes on.

The Worker must have the secret KURATCHI_OPS_TOKEN; this command reads it from ${OPS_TOKEN_ENV}.

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses reconcile --dashboard-url https://dash.example.com --org org-acme --dry-run

${EXIT_CODES_HELP}
(1: not configured, Virtual Deliverability Manager off, an organisation failed, or a request failed)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const url = urlFlag(args, 'dashboard-url');
    const only = stringFlag(args, 'org');
    const dryRun = booleanFlag(args, 'dry-run');
    const pageSize = integerFlag(args, 'page-size');
    const api = opsApi(url, process.env, integerFlag(args, 'request-timeout-ms'));
    try {
      const status = await api.get<StatusAnswer>('/api/ops/reconcile');
      if (status.status !== 'ready') {
        err(tty`kuratchi-ses reconcile: ${status.message ?? status.status}`);
        return EXIT.failed;
      }
      const organizations = only ? [only] : status.organizations;
      const totals = Object.fromEntries(FIGURES.map((f) => [f, 0])) as Record<Figure, number>;
      const failures: Array<{ organizationId: string; error: string }> = [];
      for (const organizationId of organizations) {
        const result = await reconcileOrganization(api, organizationId, dryRun, pageSize, totals);
        if (result) failures.push({ organizationId, error: result });
      }
      const summary = { dryRun, organizations: organizations.length, ...totals, failed: failures.length, failures };
      if (booleanFlag(args, 'json')) out(jsonText(summary));
      else {
        const figures = FIGURES.map((f) => `${totals[f]} ${WORDS[f]}`).join(', ');
        out(tty`${dryRun ? 'dry run: ' : ''}reconciled ${organizations.length} organisation(s): ${figures}`);
        for (const f of failures) err(tty`${f.organizationId}: ${f.error}`);
      }
      return failures.length ? EXIT.failed : EXIT.ok;
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(tty`kuratchi-ses reconcile: ${error.message}`);
      return EXIT.failed;
    }
  },
};

/** Every page of one organisation, a progress line per page on stderr; resolves to its error, if any. */
async function reconcileOrganization(
  api: OpsApi,
  organizationId: string,
  dryRun: boolean,
  limit: number,
  totals: Record<Figure, number>,
): Promise<string | undefined> {
  let after: string | null | undefined;
  let page = 0;
  do {
    const run = await api.post<RunAnswer>('/api/ops/reconcile', {
      organizationId,
      dryRun,
      limit,
      ...(after ? { after } : {}),
    });
    if (run.status !== 'done') return run.message ?? run.status;
    const report = run.organizations[0];
    if (!report) return 'the dashboard answered no report';
    if (report.status === 'failed') return report.error ?? 'failed';
    page++;
    for (const f of FIGURES) totals[f] += report[f] ?? 0;
    const throttled = report.status === 'throttled' ? ' (throttled by SES: the rest waits for the next run)' : '';
    err(
      tty`${organizationId} page ${page}: ${FIGURES.map((f) => `${WORDS[f]} ${report[f] ?? 0}`).join(', ')}${throttled}`,
    );
    if (report.status === 'throttled') return undefined;
    after = report.next;
  } while (after);
  return undefined;
}
