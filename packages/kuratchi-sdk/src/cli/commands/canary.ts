import type { CanaryRunReport } from '#internal/canary/types.js';
import { booleanFlag, integerFlag, optionalIntegerFlag, parseCommandArgs, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi, type OpsApi } from '../ops-api.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'canary',
  flags: [
    use('dashboard-url', { required: true, formerly: [{ name: 'url' }] }),
    own('run', { kind: 'text', value: 'ID', meaning: 'follow an existing run instead of starting one' }),
    own('wait', { kind: 'boolean', meaning: "wait until every expected event is back, printing each one's lag" }),
    use('deadline-seconds', {
      note: "with --wait (default: the run's deadline, plus 30 s)",
      min: 1,
      max: 86_400,
      formerly: [{ name: 'timeout' }],
    }),
    use('poll-ms', {
      note: 'with --wait',
      default: 5_000,
      min: 100,
      max: 600_000,
      formerly: [{ name: 'poll', scale: 1000 }],
    }),
    use('request-timeout-ms', {
      default: 30_000,
      min: 100,
      max: 600_000,
      formerly: [{ name: 'request-timeout' }],
    }),
    use('json'),
  ],
};

/**
 * `kuratchi-ses canary`: starts a canary run through the dashboard's operations API (emails to the
 * SES mailbox simulator through sendEmail) and, with `--wait`, follows it until every expected
 * event is back (each one's end-to-end lag printed) or the time is up.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export const canaryCommand: Command = {
  name: 'canary',
  audience: 'operate',
  summary: 'send a canary run to the SES mailbox simulator and wait for its events to come back, through the dashboard',
  help: `Usage: kuratchi-ses canary --dashboard-url URL [--wait] [options]

Starts a canary run on the dashboard Worker: it sends, through sendEmail and its own AWS
credentials, one email each to success@, bounce@ and complaint@simulator.amazonses.com (labelled
with the run's id), through POST /api/ops/canary; then each event SES must publish for them
(Send and Delivery; Send and Bounce; Send, Delivery and Complaint: seven in all) has to come back
through SNS, the webhook, the queue and the database before the run's deadline
(KURATCHI_CANARY_DEADLINE_MINUTES, default 15). This is the whole path, tested end to end. The Worker
needs KURATCHI_CANARY_ORGANIZATION_ID, KURATCHI_CANARY_FROM and its AWS credentials (docs/guides/deploy.md);
without them the API answers 409 canary-not-configured with what is missing. It also needs the
secret KURATCHI_OPS_TOKEN, which this command reads from the environment variable
${OPS_TOKEN_ENV}. The scheduled canary job makes the same runs on its own every
KURATCHI_CANARY_INTERVAL_MINUTES.

Without --wait it prints the run and how to follow it. With --wait it polls GET
/api/ops/canary/ID and prints each event as it comes back, with its end-to-end lag (from the send
to the event's row in the organisation's database); "waiting: N/7 events back" goes to stderr:
  canary run 6f0c… started 2026-12-02T10:00:00.000Z (deadline 2026-12-02T10:15:00.000Z)
    sent to success+6f0c…@simulator.amazonses.com, bounce+6f0c…@simulator.amazonses.com, complaint+6f0c…@simulator.amazonses.com
    back  bounce/Send          end-to-end lag 2.1 s
    …
    back  complaint/Complaint  end-to-end lag 9.3 s
  passed: 7/7 events back in time, end-to-end lag 9.3 s (the slowest)
A failure says which: "could not send: …" (with SES's error), "late: not back by the deadline:
complaint/Complaint", "every event came back, but after the deadline" or "timed out after 930 s:
not back: …", followed by where to look (the SNS subscription, the webhook, the queue, dead
letters).

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses canary --dashboard-url https://dash.example.com --wait

${EXIT_CODES_HELP}
(0: the run passed or, without --wait, was sent; 1: the run could not send, is late,
or timed out; the missing events are named)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const url = urlFlag(args, 'dashboard-url');
    const wait = booleanFlag(args, 'wait');
    const pollMs = integerFlag(args, 'poll-ms');
    const timeoutS = optionalIntegerFlag(args, 'deadline-seconds') ?? null;
    const api = opsApi(url, process.env, integerFlag(args, 'request-timeout-ms'));
    const existing = stringFlag(args, 'run');
    try {
      let run = existing
        ? await api.get<CanaryRunReport>(`/api/ops/canary/${encodeURIComponent(existing)}`)
        : await api.post<CanaryRunReport>('/api/ops/canary', {});
      printStart(run, !existing);
      if (run.status === 'send-failed') return finish(run, args, `could not send: ${run.error}`);
      if (!wait) {
        printEvents(run, new Set());
        out(tty`  follow it: kuratchi-ses canary --dashboard-url ${url.origin} --run ${run.id} --wait`);
        return (json(run, args), EXIT.ok);
      }
      const limitMs = (timeoutS ?? (run.deadlineAt - run.startedAt) / 1000 + 30) * 1000;
      const started = Date.now();
      const shown = new Set<string>();
      for (;;) {
        printEvents(run, shown);
        if (run.status !== 'waiting') break;
        if (Date.now() - started >= limitMs) {
          return finish(
            run,
            args,
            `timed out after ${Math.round(limitMs / 1000)} s: not back: ${run.missing.join(', ')}`,
          );
        }
        await sleep(Math.min(pollMs, Math.max(0, limitMs - (Date.now() - started))));
        run = await follow(api, run.id);
      }
      return finish(run, args);
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(tty`kuratchi-ses canary: ${error.message}`);
      return EXIT.failed;
    }
  },
};

function follow(api: OpsApi, id: string): Promise<CanaryRunReport> {
  return api.get<CanaryRunReport>(`/api/ops/canary/${encodeURIComponent(id)}`);
}

function printStart(run: CanaryRunReport, started: boolean) {
  const recipients = [...new Set(run.events.map((e) => e.recipient))].join(', ');
  out(
    tty`canary run ${run.id} ${started ? 'started' : 'of'} ${new Date(run.startedAt).toISOString()} (deadline ${new Date(run.deadlineAt).toISOString()})`,
  );
  out(tty`  sent to ${recipients}`);
}

/** Prints each expected event that came back and was not printed yet. */
function printEvents(run: CanaryRunReport, shown: Set<string>) {
  for (const e of run.events) {
    const key = `${e.scenario}/${e.eventType}`;
    if (e.lagMs === null || shown.has(key)) continue;
    shown.add(key);
    out(tty`  back  ${key.padEnd(20)} end-to-end lag ${seconds(e.lagMs)}`);
  }
  if (run.status === 'waiting') err(tty`  waiting: ${run.arrived}/${run.expected} events back`);
}

function finish(run: CanaryRunReport, args: Parameters<typeof json>[1], failure?: string): number {
  if (run.status === 'passed' && !failure) {
    out(
      tty`passed: ${run.arrived}/${run.expected} events back in time, end-to-end lag ${seconds(run.maxLagMs ?? 0)} (the slowest)`,
    );
    return (json(run, args), EXIT.ok);
  }
  const why =
    failure ??
    (run.missing.length
      ? `late: not back by the deadline: ${run.missing.join(', ')}`
      : 'late: every event came back, but after the deadline');
  err(tty`kuratchi-ses canary: run ${run.id} ${why}`);
  err(
    tty`  check the SNS subscription (kuratchi-ses status), the webhook, the queue and dead letters (kuratchi-ses dead-letters list)`,
  );
  json(run, args);
  return EXIT.failed;
}

function json(run: CanaryRunReport, args: ReturnType<typeof parseCommandArgs>) {
  if (booleanFlag(args, 'json')) out(jsonText(run));
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
