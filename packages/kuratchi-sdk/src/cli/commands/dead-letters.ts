import { DEAD_LETTER_REASONS } from '#internal/routing/ports.js';
import { booleanFlag, integerFlag, parseCommandArgs, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi } from '../ops-api.js';
import { startProgress } from '../progress.js';
import { UsageError } from '../usage-error.js';

const FLAGS = {
  url: { type: 'string' },
  reason: { type: 'string' },
  'message-id': { type: 'string' },
  limit: { type: 'string' },
  batch: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
} as const;
const REASONS: readonly string[] = DEAD_LETTER_REASONS;

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
  summary: 'list or replay the events the park dead-lettered (expired, orphaned, park full), through the dashboard',
  help: `Usage: kuratchi-ses dead-letters list|replay --url URL [options]

Events the webhook could not apply (no email_message_lookup row before the park's time to live,
an email row deleted or bound to another message, more events than the park holds per message)
are kept in the admin database's dead-letter table. This command reads and replays them through
the dashboard Worker's operations API, which applies them exactly as live events (the lookup row
is the only route; each event counts once, so replaying twice changes nothing). What still cannot
be applied stays, with the reason found this time.

The Worker must have the secret KURATCHI_OPS_TOKEN (wrangler secret put KURATCHI_OPS_TOKEN);
this command reads the same token from the environment variable ${OPS_TOKEN_ENV}.

  list      counts by reason, and the first dead letters (--limit, default 20)
  replay    replays every dead letter that matches, page by page (--batch per request, default 25)

Options:
  --url URL             the dashboard (https://dash.example.com)
  --reason R            only this reason: ${REASONS.join(', ')}
  --message-id ID       only the events of this SES message id
  --limit N             list: how many to show (default 20, at most 500)
  --batch N             replay: dead letters per request (default 25, at most 100; ~5 D1 queries each)
  --timeout MS          per request (default 30000)
  --json                print the result as JSON
  -h, --help            this help

Example:
  kuratchi-ses dead-letters replay --url https://dash.example.com --reason no-route
  (with ${OPS_TOKEN_ENV} set in the environment)

${EXIT_CODES_HELP} (1: a request failed; dead letters that stay are reported, not a failure)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS, 1);
    if (booleanFlag(args, 'help')) return (out(this.help), EXIT.ok);
    const action = args.positionals[0];
    if (action !== 'list' && action !== 'replay') throw new UsageError('list or replay is required');
    const url = urlFlag(args, 'url', 'the dashboard, e.g. https://dash.example.com');
    const reason = stringFlag(args, 'reason');
    if (reason !== undefined && !REASONS.includes(reason))
      throw new UsageError(`--reason must be one of ${REASONS.join(', ')}, not ${JSON.stringify(reason)}`);
    const sesMessageId = stringFlag(args, 'message-id');
    const api = opsApi(url, process.env, integerFlag(args, 'timeout', 30_000, 100, 600_000));
    const json = booleanFlag(args, 'json');
    try {
      if (action === 'list') {
        const limit = integerFlag(args, 'limit', 20, 1, 500);
        const answer = await api.get<ListAnswer>('/api/ops/dead-letters', {
          limit: String(limit),
          reason,
          sesMessageId,
        });
        if (json) out(JSON.stringify(answer, null, 2));
        else printList(answer);
        return EXIT.ok;
      }
      const batch = integerFlag(args, 'batch', 25, 1, 100);
      const report = await replayAll(api, batch, { reason, sesMessageId });
      if (json) out(JSON.stringify(report, null, 2));
      else printReplay(report);
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(`kuratchi-ses dead-letters: ${error.message}`);
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
        if (item.outcome !== 'applied' && item.outcome !== 'duplicate') kept.push(item);
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
    `${total} dead letter(s)${
      total
        ? `: ${Object.entries(answer.counts)
            .map(([reason, n]) => `${reason} x${n}`)
            .join(', ')}`
        : ''
    }`,
  );
  for (const d of answer.deadLetters) {
    out(
      `  ${d.reason.padEnd(14)} ${String(d.eventType).padEnd(17)} ses ${d.sesMessageId}  sns ${d.snsMessageId}  since ${new Date(d.firstSeenAt).toISOString()}${d.replayAttempts ? `, ${d.replayAttempts} replay(s)` : ''}`,
    );
  }
  if (answer.next) out('  … more: pass --limit, --reason or --message-id');
}

function printReplay(report: Awaited<ReturnType<typeof replayAll>>) {
  const applied = (report.outcomes['applied'] ?? 0) + (report.outcomes['duplicate'] ?? 0);
  out(
    `replayed ${report.replayed} dead letter(s): ${
      Object.entries(report.outcomes)
        .map(([key, n]) => `${key} x${n}`)
        .join(', ') || 'none'
    }`,
  );
  out(`  ${applied} recorded and removed from the table, ${report.kept.length} still dead-lettered`);
  for (const item of report.kept.slice(0, 20))
    out(`  still ${item.outcome.padEnd(14)} ses ${item.sesMessageId}  sns ${item.snsMessageId}`);
  if (report.kept.length > 20) out(`  … and ${report.kept.length - 20} more (kuratchi-ses dead-letters list)`);
}
