import { booleanFlag, integerFlag, parseCommandArgs, requiredFlag, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi, type OpsApi } from '../ops-api.js';
import { startProgress } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'rebuild',
  flags: [
    use('dashboard-url', { required: true, formerly: [{ name: 'url' }] }),
    use('org', { required: true, note: 'the organisation to rebuild' }),
    own('since', {
      kind: 'text',
      value: 'DATE',
      meaning: 'only emails sent since DATE (ISO 8601), and the archive from its hour on',
    }),
    use('dry-run', {
      note: 'count what would be reset, the events the archive does not hold (by source) and what the archive would apply',
    }),
    own('drop-unarchived', {
      kind: 'boolean',
      meaning: 'delete the events the archive does not hold too (they cannot come back); without it rebuild refuses',
    }),
    use('request-timeout-ms', { default: 30_000, min: 100, max: 600_000, formerly: [{ name: 'timeout' }] }),
    use('json'),
  ],
};

/** Attempts of one page answered 503 (a database error a retry can fix) before giving up. */
const PAGE_ATTEMPTS = 3;

interface StatusAnswer {
  archiveBound: boolean;
  /** Where the rebuild starts (epoch ms): --since, but not before the events or archive cutoff. */
  from: number;
  emails: number;
  /** Emails since --since older than `from`: left as they are. */
  keptOut: number;
  events: number;
  /**
   * Of `events`, those the archive does not hold, by source (`firehose`, `import`, `reconcile`,
   * `pre-archive`; sources with none left out).
   */
  unarchived: Record<string, number>;
}
interface ResetAnswer {
  emails: number;
  events: number;
  next: string | null;
}
interface ApplyAnswer {
  listed: number;
  matched: number;
  outcomes: Record<string, number>;
  refused: Array<{ key: string; reason: string }>;
  skipped: number;
  retry: number;
  next: string | null;
}

/**
 * `kuratchi-ses rebuild`: rebuilds an organisation's tracking state from the raw archive through
 * the dashboard's operations API: every page of the reset, then every page of the archive applied
 * again (re-verified, routed by lookup rows, through the queue consumer's path).
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#r2listoptions
 * @see https://developers.cloudflare.com/d1/platform/limits/ (a page per request keeps each within one invocation)
 */
export const rebuildCommand: Command = {
  name: 'rebuild',
  audience: 'operate',
  summary: "rebuild an organisation's tracking state from the raw archive of SNS messages",
  help: `Usage: kuratchi-ses rebuild --dashboard-url URL --org ORG [--since DATE] [--dry-run | --drop-unarchived] [options]

Rebuilds what SES events made of an organisation's emails (status, times, counters, recipients,
events, the suppressions events added) from the raw archive (the SES_ARCHIVE R2 bucket), for
example after a change of the human-or-machine rules or of the effect table (the archive:
docs/guides/deploy.md). Two steps, each page a request:
  1. reset (POST /api/ops/rebuild/reset, at most 500 emails a request, one D1 batch each): each
     sent email (bound to an SES message; created since DATE, and never before the events or
     archive retention's cutoff: older emails, whose raw events or archived messages are gone,
     are kept as they are and their archived events skipped, so nothing purged comes back or
     counts twice) back to its state
     after sendEmail/markSent: status sent, every event field empty, counters 0; its recipients
     likewise (a recipient row only an event created is deleted); its events and the
     suppressions its events added deleted. Manual suppressions, the email's own fields and
     sent_at are kept (markSent and the Send event both keep the earliest time).
  2. apply (POST /api/ops/rebuild/apply, at most 100 archived messages a request): the archive in
     key order (SNS Timestamp), from DATE's hour with --since; each SES event whose lookup row
     names the organisation is verified again as the webhook verifies it (the certificate from
     the SNS host, never the archived copy; the topic allowlist; a Timestamp within the 14-day
     redrive window of the object's R2 upload time): an edited or injected object is refused and
     reported, never applied. Then it is applied
     through the queue consumer's path (source "rebuild", the archive key kept on the event
     row; duplicates dropped on the SNS MessageId and the content identity). A page that meets
     a database error answers 503 and is sent again (pages are idempotent).
Nothing arriving meanwhile is lost: the webhook archives every message before it applies it, and
step 2 starts after step 1 ends, so an event applied before its email was reset is in the archive
and applied again; one applied after is kept, and step 2 finds it a duplicate (R2 listing is
strongly consistent). Parked events stay in the park. Running it twice gives the same rows.
What it cannot give back: events the archive does not hold, by source: firehose (the Firehose
endpoint), import, reconcile, pre-archive (recorded while the binding was missing). Rebuild
refuses to delete them (exit 1, nothing reset; the server refuses too) unless --drop-unarchived
says so. Run --dry-run first; it lists them:
  dry run: would reset 1200 email(s) of org-acme (5321 event(s) recorded) and apply 5298 archived event(s) of 9874 archived message(s)
  not in the archive: 23 event(s): firehose 20, pre-archive 3 (a rebuild deletes them only with --drop-unarchived)
Progress bars (reset, apply) are drawn on a terminal.

The Worker must have the secret KURATCHI_OPS_TOKEN; this command reads it from ${OPS_TOKEN_ENV}.

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses rebuild --dashboard-url https://dash.example.com --org org-acme --dry-run
  kuratchi-ses rebuild --dashboard-url https://dash.example.com --org org-acme --since 2026-11-01

${EXIT_CODES_HELP}
(1: events the archive does not hold and no --drop-unarchived; a request failed, run it
again: both steps are idempotent; or an archived message was refused, named on stderr)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const url = urlFlag(args, 'dashboard-url');
    const organizationId = requiredFlag(args, 'org');
    const sinceText = stringFlag(args, 'since');
    const since = sinceText === undefined ? undefined : Date.parse(sinceText);
    if (since !== undefined && Number.isNaN(since))
      throw new UsageError(`--since must be an ISO 8601 date like 2026-11-01, not ${JSON.stringify(sinceText)}`);
    const dryRun = booleanFlag(args, 'dry-run');
    const dropUnarchived = booleanFlag(args, 'drop-unarchived');
    if (dryRun && dropUnarchived) throw new UsageError('--dry-run deletes nothing: leave out --drop-unarchived');
    const api = opsApi(url, process.env, integerFlag(args, 'request-timeout-ms'));
    const reset = { emails: 0, events: 0 };
    try {
      const status = await api.get<StatusAnswer>('/api/ops/rebuild', {
        organizationId,
        ...(since !== undefined ? { since: String(since) } : {}),
      });
      // Every page from the plan's start, so the reset and the apply cover the same emails.
      const scope = { organizationId, since: status.from };
      if (!status.archiveBound) throw new OpsApiError('the raw archive is not bound on the Worker (SES_ARCHIVE)');
      const unarchived = Object.values(status.unarchived).reduce((sum, n) => sum + n, 0);
      const bySource = Object.entries(status.unarchived)
        .map(([source, n]) => `${source} ${n}`)
        .join(', ');
      if (!dryRun && unarchived > 0 && !dropUnarchived) {
        err(
          tty`kuratchi-ses rebuild: ${organizationId} has ${unarchived} event(s) the archive does not hold (${bySource}): a rebuild would delete them for good. Nothing was reset. Pass --drop-unarchived to drop them (--dry-run shows the rest of the plan).`,
        );
        return EXIT.failed;
      }
      if (!dryRun) {
        const progress = startProgress('reset', status.emails);
        try {
          let after: string | null = null;
          do {
            const page: ResetAnswer = await withRetries(() =>
              api.post<ResetAnswer>('/api/ops/rebuild/reset', {
                ...scope,
                ...(dropUnarchived ? { dropUnarchived } : {}),
                ...(after ? { after } : {}),
              }),
            );
            reset.emails += page.emails;
            reset.events += page.events;
            for (let i = 0; i < page.emails; i++) progress.tick('reset');
            after = page.next;
          } while (after);
        } finally {
          progress.stop();
        }
      }
      const applied = await applyArchive(api, scope, dryRun, status.events);
      const summary = {
        organizationId,
        dryRun,
        from: new Date(status.from).toISOString(),
        emails: dryRun ? status.emails : reset.emails,
        keptOut: status.keptOut,
        recordedBefore: status.events,
        unarchived: status.unarchived,
        ...applied,
      };
      if (booleanFlag(args, 'json')) out(jsonText(summary));
      else {
        const outcomes =
          Object.entries(applied.outcomes)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ') || 'nothing';
        out(
          dryRun
            ? tty`dry run: would reset ${status.emails} email(s) of ${organizationId} (${status.events} event(s) recorded) and apply ${applied.matched} archived event(s) of ${applied.listed} archived message(s)`
            : tty`rebuilt ${organizationId}: reset ${reset.emails} email(s) (${reset.events} event(s) deleted), applied from ${applied.listed} archived message(s): ${outcomes}`,
        );
        if (status.keptOut > 0 || applied.skipped > 0)
          out(
            tty`  kept as they are: ${status.keptOut} email(s) created before ${summary.from} (past the events or archive retention); ${applied.skipped} archived event(s) of them skipped`,
          );
        if (dryRun && unarchived > 0)
          out(
            tty`  not in the archive: ${unarchived} event(s): ${bySource} (a rebuild deletes them only with --drop-unarchived)`,
          );
        if (!dryRun && unarchived > 0) err(tty`dropped ${unarchived} event(s) the archive did not hold (${bySource})`);
        for (const r of applied.refused) err(tty`refused ${r.key}: ${r.reason}`);
        if (!dryRun && applied.matched < status.events - unarchived) {
          err(
            tty`note: ${status.events - unarchived} archived event(s) were recorded before, ${applied.matched} came from the archive (objects a lifecycle rule expired do not come back)`,
          );
        }
      }
      return applied.refused.length ? EXIT.failed : EXIT.ok;
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(tty`kuratchi-ses rebuild: ${error.message}`);
      if (reset.emails > 0)
        err(tty`  ${reset.emails} email(s) were reset already: run it again (both steps are idempotent)`);
      return EXIT.failed;
    }
  },
};

/** Step 2 (or its dry run): every page of the archive, each retried on 503. */
async function applyArchive(api: OpsApi, scope: object, dryRun: boolean, expected: number) {
  const totals = {
    listed: 0,
    matched: 0,
    skipped: 0,
    outcomes: {} as Record<string, number>,
    refused: [] as ApplyAnswer['refused'],
  };
  const progress = startProgress(dryRun ? 'archive (dry run)' : 'apply', expected);
  try {
    let cursor: string | null = null;
    do {
      const page: ApplyAnswer = await withRetries(() =>
        api.post<ApplyAnswer>('/api/ops/rebuild/apply', { ...scope, dryRun, ...(cursor ? { cursor } : {}) }),
      );
      totals.listed += page.listed;
      totals.matched += page.matched;
      totals.skipped += page.skipped;
      for (const [outcome, n] of Object.entries(page.outcomes)) {
        totals.outcomes[outcome] = (totals.outcomes[outcome] ?? 0) + n;
        for (let i = 0; i < n; i++) progress.tick(outcome);
      }
      if (dryRun) for (let i = 0; i < page.matched; i++) progress.tick('would-apply');
      totals.refused.push(...page.refused);
      cursor = page.next;
    } while (cursor);
  } finally {
    progress.stop();
  }
  return totals;
}

/** A page request again after a 503 (idempotent pages), at most {@link PAGE_ATTEMPTS} times. */
async function withRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof OpsApiError) || !/HTTP 503/.test(error.message) || attempt >= PAGE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}
