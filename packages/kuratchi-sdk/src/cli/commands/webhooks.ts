import { booleanFlag, integerFlag, parseCommandArgs, requiredFlag, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi } from '../ops-api.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'webhooks',
  positionals: 1,
  flags: [
    use('dashboard-url', { required: true }),
    use('org', { required: true, note: 'the organisation whose webhook endpoints to read' }),
    own('endpoint', { kind: 'text', value: 'ID', meaning: 'replay: the endpoint (whe_…)' }),
    own('webhook-id', { kind: 'text', value: 'ID', meaning: 'replay: only this delivery' }),
    own('from', { kind: 'text', value: 'TIME', meaning: 'replay: deliveries created at or after TIME (ISO 8601)' }),
    own('to', { kind: 'text', value: 'TIME', meaning: 'replay: deliveries created before TIME (ISO 8601)' }),
    own('limit', {
      kind: 'integer',
      value: 'N',
      meaning: 'list: deliveries per endpoint',
      default: 10,
      min: 1,
      max: 100,
    }),
    use('request-timeout-ms', { default: 30_000, min: 100, max: 600_000 }),
    use('json'),
  ],
};

interface Delivery {
  webhookId: string;
  eventType: string;
  status: string;
  attempts: number;
  answerStatus: number | null;
  latencyMs: number | null;
  createdAt: number;
}
interface ListAnswer {
  endpoints: Array<{
    id: string;
    url: string;
    eventTypes: string[];
    disabledReason: string | null;
    deliveries: Delivery[];
  }>;
}

/** An ISO 8601 flag as epoch ms, or undefined when absent. */
function timeFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--${name} must be an ISO 8601 time, not ${JSON.stringify(value)}`);
  return ms;
}

/**
 * `kuratchi-ses webhooks`: lists an organisation's outbound webhook endpoints with their recent
 * deliveries, and replays deliveries, through the dashboard's operations API.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export const webhooksCommand: Command = {
  name: 'webhooks',
  audience: 'operate',
  summary: "list an organisation's webhook endpoints and deliveries, or replay deliveries, through the dashboard",
  help: `Usage: kuratchi-ses webhooks list|replay --dashboard-url URL --org ID [options]

An organisation's outbound webhook endpoints (registered on the dashboard's Webhooks page) and
the last deliveries of each: status (pending, delivered, failed, stopped), the endpoint's HTTP
answer, latency and attempts. Replay queues one more attempt of one delivery (--webhook-id) or of
those created in a time range (--from, --to), with the same webhook-id, so a receiver that has it
already ignores it. The endpoint must be enabled, and the Worker must bind WEBHOOK_QUEUE.

The Worker must have the secret KURATCHI_OPS_TOKEN; this command reads the same token from the
environment variable ${OPS_TOKEN_ENV}, never from the command line.

  list      every endpoint of the organisation, with its last deliveries (--limit)
  replay    replays deliveries of --endpoint

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses webhooks list --dashboard-url https://dash.example.com --org org-acme
  kuratchi-ses webhooks replay --dashboard-url https://dash.example.com --org org-acme \\
    --endpoint whe_… --from 2026-12-06T00:00Z --to 2026-12-07T00:00Z

${EXIT_CODES_HELP}`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const action = args.positionals[0];
    if (action !== 'list' && action !== 'replay') throw new UsageError('list or replay is required');
    const url = urlFlag(args, 'dashboard-url');
    const organizationId = requiredFlag(args, 'org');
    const api = opsApi(url, process.env, integerFlag(args, 'request-timeout-ms'));
    const json = booleanFlag(args, 'json');
    try {
      if (action === 'list') {
        const answer = await api.get<ListAnswer>('/api/ops/webhooks', {
          organizationId,
          limit: String(integerFlag(args, 'limit')),
        });
        if (json) out(jsonText(answer));
        else printList(answer);
        return EXIT.ok;
      }
      const endpointId = stringFlag(args, 'endpoint');
      if (!endpointId) throw new UsageError('replay needs --endpoint');
      const webhookId = stringFlag(args, 'webhook-id');
      const from = timeFlag(stringFlag(args, 'from'), 'from');
      const to = timeFlag(stringFlag(args, 'to'), 'to');
      const answer = await api.post<{ replayed: number }>('/api/ops/webhooks/replay', {
        organizationId,
        endpointId,
        ...(webhookId ? { webhookId } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      });
      if (json) out(jsonText(answer));
      else out(tty`queued ${answer.replayed} deliveries again`);
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(tty`kuratchi-ses webhooks: ${error.message}`);
      return EXIT.failed;
    }
  },
};

function printList(answer: ListAnswer) {
  out(tty`${answer.endpoints.length} endpoint(s)`);
  for (const e of answer.endpoints) {
    out(
      tty`${e.id}  ${e.url}  ${e.disabledReason ? `disabled (${e.disabledReason})` : 'enabled'}  ${e.eventTypes.join(',')}`,
    );
    for (const d of e.deliveries) {
      out(
        tty`  ${new Date(d.createdAt).toISOString()}  ${d.eventType.padEnd(22)} ${d.status.padEnd(9)} answer ${d.answerStatus ?? '-'}  ${d.latencyMs ?? '-'} ms  attempts ${d.attempts}  ${d.webhookId}`,
      );
    }
  }
}
