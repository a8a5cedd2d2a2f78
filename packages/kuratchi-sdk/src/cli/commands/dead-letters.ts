import { DEAD_LETTER_REASONS } from '#internal/routing/ports.js';
import { booleanFlag, integerFlag, parseCommandArgs, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi } from '../ops-api.js';
import { startProgress } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const REASONS: readonly string[] = DEAD_LETTER_REASONS;
const FLAGS: CommandFlags = {
  command: 'dead-letters',
  positionals: 1,
  flags: [
    use('dashboard-url', { required: true, formerly: [{ name: 'url' }] }),
    own('reason', { kind: 'text', value: 'R', meaning: `only this reason: ${REASONS.join(', ')}` }),
    own('message-id', { kind: 'text', value: 'ID', meaning: 'only the events of this SES message id' }),
    own('limit', { kind: 'integer', value: 'N', meaning: 'list: how many to show', default: 20, min: 1, max: 500 }),
    use('page-size', {
      note: 'replay: dead letters per request, ~5 D1 queries each',
      default: 25,
      min: 1,
      max: 100,
      formerly: [{ name: 'batch' }],
    }),
    use('request-timeout-ms', { default: 30_000, min: 100, max: 600_000, formerly: [{ name: 'timeout' }] }),
    use('json'),
  ],
};

interface DeadLetterRow {
  snsMessageId: string;
  sesMessageId: string;
  reason: string;
  eventType: string | null;
  firstSeenAt: number;
  deadLetteredAt: number;
  replayAttempts: number;
}
interface ListAnswer {
  counts: Record<string, number>;
  deadLetters: DeadLetterRow[];
  next: string | null;
  /** Dead letters of no known organisation the sweep dropped, by day first seen (30 days). */
  dropped?: Array<{ day: string; reason: string; dropped: number }>;
}
interface ReplayAnswer {
  replayed: Array<{ snsMessageId: string; sesMessageId: string; was: string; outcome: string }>;
  next: string | null;
}

/**
 * `kuratchi-ses dead-letters`: lists and replays the park's dead letters through the dashboard's operations API.
 * @see https://developers.cloudflare.com/d1/platform/limits/ (a page per request keeps each replay within one invocation)
 */
export const deadLettersCommand: Command = {
  name: 'dead-letters',
  audience: 'operate',
  summary: 'list or replay the events the park dead-lettered (expired, orphaned, park full), through the dashboard',
  help: `Usage: kuratchi-ses dead-letters list|replay --dashboard-url URL [options]

Events the webhook could not apply are kept in the admin database's dead-letter table, with
their reason: no-route (no email_message_lookup row before the park's time to live), org-moving
(parked while its organisation was moved, past the park's time to live), email-missing (the email
row was deleted), email-mismatch (the email row is bound to another message), park-full (more
events than the park holds per message) or queue-retries-exhausted (a queue message the consumer
failed on 10 times). This command reads and replays them through the dashboard Worker's
operations API (/api/ops/dead-letters), which applies them exactly as live events (the lookup row
is the only route; each event counts once, so replaying twice changes nothing). One older than
its organisation's retention is removed as expired, never recorded. What still cannot be applied
stays, with the reason found this time. Replay draws a progress bar on a terminal.
Those of no known organisation (mail not sent by sendEmail) are dropped after
KURATCHI_DEAD_LETTER_UNROUTED_DAYS and counted; list shows the count.

The Worker must have the secret KURATCHI_OPS_TOKEN (wrangler secret put KURATCHI_OPS_TOKEN, 32
characters or more); this command reads the same token from the environment variable
${OPS_TOKEN_ENV}, never from the command line.

  list      counts by reason, and the first dead letters (--limit)
  replay    replays every dead letter that matches, page by page (--page-size per request)

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses dead-letters list --dashboard-url https://dash.example.com
  kuratchi-ses dead-letters replay --dashboard-url https://dash.example.com --reason no-route
  (with ${OPS_TOKEN_ENV} set in the environment)

${EXIT_CODES_HELP}
(1: a request failed; dead letters that stay are reported, not a failure)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const action = args.positionals[0];
    if (action !== 'list' && action !== 'replay') throw new UsageError('list or replay is required');
    const url = urlFlag(args, 'dashboard-url');
    const reason = stringFlag(args, 'reason');
    if (reason !== undefined && !REASONS.includes(reason))
      throw new UsageError(`--reason must be one of ${REASONS.join(', ')}, not ${JSON.stringify(reason)}`);
    const sesMessageId = stringFlag(args, 'message-id');
    const api = opsApi(url, process.env, integerFlag(args, 'request-timeout-ms'));
    const json = booleanFlag(args, 'json');
    try {
      if (action === 'list') {
        const limit = integerFlag(args, 'limit');
        const answer = await api.get<ListAnswer>('/api/ops/dead-letters', {
          limit: String(limit),
          reason,
          sesMessageId,
        });
        if (json) out(jsonText(answer));
        else printList(answer);
        return EXIT.ok;
      }
      const batch = integerFlag(args, 'page-size');
      const report = await replayAll(api, batch, { reason, sesMessageId });
      if (json) out(jsonText(report));
      else printReplay(report);
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(tty`kuratchi-ses dead-letters: ${error.message}`);
      return EXIT.failed;
    }
  },
};

async function replayAll(
  api: ReturnType<typeof opsApi>,
  batch: number,
  filter: { reason?: string | undefined; sesMessageId?: string | undefined },
) {
  const { counts } = await api.get<ListAnswer>('/api/ops/dead-letters', { limit: '1', ...filter });
  const total = filter.reason ? (counts[filter.reason] ?? 0) : Object.values(counts).reduce((a, b) => a + b, 0);
  const progress = startProgress('replay', total);
  const outcomes: Record<string, number> = {};
  const kept: ReplayAnswer['replayed'] = [];
  let after: string | undefined;
  try {
    for (;;) {
      const page = await api.post<ReplayAnswer>('/api/ops/dead-letters/replay', {
        limit: batch,
        ...(after ? { after } : {}),
        ...(filter.reason ? { reason: filter.reason } : {}),
        ...(filter.sesMessageId ? { sesMessageId: filter.sesMessageId } : {}),
      });
      for (const item of page.replayed) {
        outcomes[item.outcome] = (outcomes[item.outcome] ?? 0) + 1;
        if (!['applied', 'duplicate', 'expired'].includes(item.outcome)) kept.push(item);
        progress.tick(item.outcome);
      }
      if (!page.next) break;
      after = page.next;
    }
  } finally {
    progress.stop();
  }
  const replayed = Object.values(outcomes).reduce((a, b) => a + b, 0);
  return { replayed, outcomes, kept };
}

function printList(answer: ListAnswer) {
  const total = Object.values(answer.counts).reduce((a, b) => a + b, 0);
  out(
    tty`${total} dead letter(s)${
      total
        ? `: ${Object.entries(answer.counts)
            .map(([reason, n]) => `${reason} x${n}`)
            .join(', ')}`
        : ''
    }`,
  );
  for (const d of answer.deadLetters) {
    out(
      tty`  ${d.reason.padEnd(14)} ${String(d.eventType).padEnd(17)} ses ${d.sesMessageId}  sns ${d.snsMessageId}  since ${new Date(d.firstSeenAt).toISOString()}${d.replayAttempts ? `, ${d.replayAttempts} replay(s)` : ''}`,
    );
  }
  if (answer.next) out(tty`  … more: pass --limit, --reason or --message-id`);
  const dropped = (answer.dropped ?? []).reduce((sum, d) => sum + d.dropped, 0);
  if (dropped) out(tty`${dropped} of no known organisation dropped in 30 days (counted, not listed)`);
}

function printReplay(report: Awaited<ReturnType<typeof replayAll>>) {
  const applied = (report.outcomes['applied'] ?? 0) + (report.outcomes['duplicate'] ?? 0);
  out(
    tty`replayed ${report.replayed} dead letter(s): ${
      Object.entries(report.outcomes)
        .map(([key, n]) => `${key} x${n}`)
        .join(', ') || 'none'
    }`,
  );
  const expired = report.outcomes['expired'] ?? 0;
  out(
    tty`  ${applied} recorded and removed from the table, ${expired ? `${expired} expired (older than their organisation's retention: removed, not recorded), ` : ''}${report.kept.length} still dead-lettered`,
  );
  for (const item of report.kept.slice(0, 20))
    out(tty`  still ${item.outcome.padEnd(14)} ses ${item.sesMessageId}  sns ${item.snsMessageId}`);
  if (report.kept.length > 20) out(tty`  … and ${report.kept.length - 20} more (kuratchi-ses dead-letters list)`);
}
