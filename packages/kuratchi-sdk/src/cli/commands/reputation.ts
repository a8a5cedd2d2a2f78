import type { ReputationGuardSettings } from '#internal/guard/settings.js';
import type { ReputationGuardState } from '#internal/guard/d1-guard-store.js';
import type { StoredSesReputationView } from '#internal/guard/d1-ses-view-store.js';
import { booleanFlag, integerFlag, parseCommandArgs, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, use, type CommandFlags } from '../flags.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi } from '../ops-api.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'reputation',
  flags: [
    use('dashboard-url', { required: true, formerly: [{ name: 'url' }] }),
    use('org', { note: 'only this organisation' }),
    use('request-timeout-ms', { default: 30_000, min: 100, max: 600_000, formerly: [{ name: 'request-timeout' }] }),
    use('json'),
  ],
};

/** An organisation as `GET /api/ops/reputation` answers it (rates are fractions). */
export interface ReputationRow {
  organizationId: string;
  name: string;
  state: ReputationGuardState['state'];
  /** The state, or `none` (no verdict yet: too little evidence) for an `ok` one, `never` before the first evaluation. */
  verdict: ReputationGuardState['state'] | 'none' | 'never';
  /** Per metric, what a `none` verdict still needs (null: that rate has a verdict). */
  needs: { bounce: string | null; complaint: string | null };
  since: number | null;
  metric: ReputationGuardState['metric'];
  rate: number | null;
  threshold: number | null;
  /** Why it is paused or warned (which rate crossed which threshold over which window); null when ok. */
  reason: string | null;
  bounceRate: number | null;
  complaintRate: number | null;
  recipients: number;
  /** Distinct addresses that bounced permanently (complained). */
  bounced: number;
  complained: number;
  evaluatedAt: number | null;
  refusedSends: number;
  configurationSetName: string | null;
  configurationSetSending: ReputationGuardState['configurationSetSending'];
  /** The larger of each rate over its pause threshold (1 = at pause). */
  pressure: number;
  /** SES's view of the organisation's tenant as last read (null: no tenant known). */
  ses: StoredSesReputationView | null;
}

interface ReputationAnswer {
  settings: ReputationGuardSettings;
  organizations: ReputationRow[];
}

/**
 * `kuratchi-ses reputation`: every organisation's reputation guard state (ok, warn, paused), its
 * bounce and complaint rates over the trailing window and the thresholds, worst first, read from
 * the dashboard's operations API. Lifting a pause is the superadmin's, in the dashboard.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export const reputationCommand: Command = {
  name: 'reputation',
  audience: 'operate',
  summary: "show each organisation's reputation guard state, bounce and complaint rates, worst first",
  help: `Usage: kuratchi-ses reputation --dashboard-url URL [--org ORG] [--json]

Prints the reputation guard of every organisation of the dashboard, worst first: its state
(ok, warn, paused, or "none": no verdict yet, too little evidence, with what more each rate
needs), its bounce and complaint rates per recipient over the trailing window (as of the guard's
last evaluation, every cron run), the thresholds, and for a paused organisation since when,
which rate crossed which threshold and how many sends were refused. A paused organisation
is refused by sendEmail until a superadmin lifts the pause on the dashboard's Organisations page
(with a reason, kept in the audit log; docs/guides/operate.md); this command only reads. Beside
it, "at SES" is SES's own view of the organisation's tenant as last read (its sending status; a
line gives SES's and our status records when not enabled, the impact and open findings); "-"
when no tenant is known. From GET
/api/ops/reputation; reads the dashboard's secret KURATCHI_OPS_TOKEN from the environment
variable ${OPS_TOKEN_ENV}.

  Last 7 days (and the last 60 minutes at twice the thresholds), per recipient; a rate warns or pauses only on 50 bounced / 10 complaining distinct addresses and 200 recipients. Bounce warn 2 %, pause 4 %; complaint warn 0.05 %, pause 0.08 %.
  organisation  state   at SES    bounce  complaint  recipients  evaluated
  org-acme      paused  disabled  5 %     0 %        1300        2026-12-02T10:00:00.000Z
  org-initech   none    enabled   0.5 %   0.5 %      200         2026-12-02T10:00:00.000Z
  org-globex    ok      -         -       -          0           never
  org-acme (Acme Corp): sending paused since 2026-12-02T10:00:00.000Z, bounce rate 5 % crossed the pause threshold 4 % over 1300 recipients of the last 7 days (65 bounced addresses); 3 send(s) refused. A superadmin lifts it on the dashboard's Organisations page.
  org-acme at SES (read 2026-12-02T09:50:00.000Z): SES disabled (bounce rate); impact high; finding BOUNCE: bounce rate rose.
  org-initech (Initech): no verdict yet: bounce needs 1,050 more recipients; complaint needs 9 more complaining addresses or 1,800 more recipients.

"never" (and "-" rates) is an organisation the guard has not evaluated yet. --json prints the
settings (thresholds as fractions) and the organisations (state, since, metric, rate, threshold,
reason (of a pause or warn: over which window), bounceRate, complaintRate, recipients, bounced,
complained (distinct addresses), evaluatedAt,
refusedSends, configurationSetName, verdict, needs, pressure: the larger of each rate over its
pause threshold, 1 at pause; ses: SES's view as last read, or null: entityArn, policy,
sendingStatus, awsSesManaged and customerManaged {status, cause, updatedAt}, impact, findings
[{type, impact, description, createdAt, updatedAt}], readAt, rereadDueAt, rereadError).

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses reputation --dashboard-url https://dash.example.com

${EXIT_CODES_HELP}
(1: an organisation (of --org) is paused, --org names none: no organisation
"org-nope" (known: …), or the request failed)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const url = urlFlag(args, 'dashboard-url');
    const only = stringFlag(args, 'org');
    const api = opsApi(url, process.env, integerFlag(args, 'request-timeout-ms'));
    let answer: ReputationAnswer;
    try {
      answer = await api.get<ReputationAnswer>('/api/ops/reputation');
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(tty`kuratchi-ses reputation: ${error.message}`);
      return EXIT.failed;
    }
    const rows = only ? answer.organizations.filter((row) => row.organizationId === only) : answer.organizations;
    if (only && !rows.length) {
      err(
        tty`kuratchi-ses reputation: no organisation "${only}" (known: ${answer.organizations.map((r) => r.organizationId).join(', ') || 'none'})`,
      );
      return EXIT.failed;
    }
    if (booleanFlag(args, 'json')) out(jsonText({ settings: answer.settings, organizations: rows }));
    // Loaded here, not at the top: `kuratchi-ses --help` loads no library module it does not need.
    else printTable(answer.settings, rows, (await import('#internal/guard/verdict.js')).formatRate);
    return rows.some((row) => row.state === 'paused') ? EXIT.failed : EXIT.ok;
  },
};

function printTable(settings: ReputationGuardSettings, rows: ReputationRow[], formatRate: (rate: number) => string) {
  const { bounce, complaint } = settings.thresholds;
  out(
    tty`Last ${settings.windowDays} days${settings.shortWindowMinutes ? ` (and the last ${settings.shortWindowMinutes} minutes at twice the thresholds)` : ''}, per recipient; a rate warns or pauses only on ${settings.minEvidence.bounce} bounced / ${settings.minEvidence.complaint} complaining distinct addresses and ${settings.minRecipients} recipients. Bounce warn ${formatRate(bounce.warn)}, pause ${formatRate(bounce.pause)}; complaint warn ${formatRate(complaint.warn)}, pause ${formatRate(complaint.pause)}.`,
  );
  const table = [
    ['organisation', 'state', 'at SES', 'bounce', 'complaint', 'recipients', 'evaluated'],
    ...rows.map((row) => [
      row.organizationId,
      row.verdict === 'none' ? 'none' : row.state,
      row.ses ? (row.ses.sendingStatus?.toLowerCase() ?? 'not read yet') : '-',
      row.bounceRate === null ? '-' : formatRate(row.bounceRate),
      row.complaintRate === null ? '-' : formatRate(row.complaintRate),
      String(row.recipients),
      row.evaluatedAt === null ? 'never' : new Date(row.evaluatedAt).toISOString(),
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  for (const line of table)
    out(
      tty`${line
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd()}`,
    );
  for (const row of rows) {
    const ses = sesLine(row);
    if (ses) out(tty`${ses}`);
    if (row.verdict === 'none') {
      const needs = (['bounce', 'complaint'] as const).flatMap((m) =>
        row.needs[m] ? [`${m} needs ${row.needs[m]}`] : [],
      );
      out(tty`${row.organizationId} (${row.name}): no verdict yet: ${needs.join('; ')}.`);
      continue;
    }
    if (row.state === 'ok' || !row.metric) continue;
    const crossed =
      row.reason ??
      `${row.metric} rate ${formatRate(row.rate ?? 0)} is past the ${row.state === 'paused' ? 'pause' : 'warn'} threshold ${formatRate(row.threshold ?? 0)}`;
    out(
      row.state === 'paused'
        ? tty`${row.organizationId} (${row.name}): sending paused since ${new Date(row.since ?? 0).toISOString()}, ${crossed}; ${row.refusedSends} send(s) refused${atSes(row)}. A superadmin lifts it on the dashboard's Organisations page.`
        : tty`${row.organizationId} (${row.name}): ${crossed}; sending goes on.`,
    );
  }
}

/** Where the paused organisation's own configuration set stands at SES, if it has one. */
function atSes(row: ReputationRow): string {
  if (!row.configurationSetName) return '';
  if (row.configurationSetSending === 'disabled')
    return `; configuration set ${row.configurationSetName}: sending disabled at SES`;
  return `; configuration set ${row.configurationSetName}: not yet disabled at SES (retried each cron run; see the audit log)`;
}

/** What SES says of the organisation's tenant beyond "enabled", on a line of its own; null when nothing. */
function sesLine(row: ReputationRow): string | null {
  const view = row.ses;
  if (!view) return null;
  const parts = [
    ...(
      [
        ['SES', view.awsSesManaged],
        ['ours', view.customerManaged],
      ] as const
    ).flatMap(([who, record]) =>
      record.status && record.status !== 'ENABLED'
        ? [`${who} ${record.status.toLowerCase()}${record.cause ? ` (${record.cause})` : ''}`]
        : [],
    ),
    ...(view.impact ? [`impact ${view.impact.toLowerCase()}`] : []),
    ...view.findings.map((f) => `finding ${f.type}: ${f.description}`),
    ...(view.rereadDueAt ? [`re-read owed (${view.rereadError})`] : []),
  ];
  if (!parts.length) return null;
  const read = view.readAt === null ? 'not read yet' : `read ${new Date(view.readAt).toISOString()}`;
  return `${row.organizationId} at SES (${read}): ${parts.join('; ')}.`;
}
