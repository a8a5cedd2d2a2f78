import { redactUrl } from '#internal/setup/aws-errors.js';
import { booleanFlag, integerFlag, parseCommandArgs, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { outcomeKey, postSnsMessage, type PostOutcome } from '../post-sns.js';
import { startProgress } from '../progress.js';
import { readStoredMessages } from '../sns-files.js';
import { assertWebhookCredentialTransport } from '../secret-transport.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'replay',
  positionals: 1,
  flags: [
    use('webhook-url', {
      required: true,
      note: 'a Basic credential may be in the URL (https://user:pass@host/…), sent as an Authorization header',
      formerly: [{ name: 'url' }],
    }),
    own('concurrency', { kind: 'integer', value: 'N', meaning: 'POSTs in flight', default: 4, min: 1, max: 32 }),
    use('request-timeout-ms', {
      note: "per POST, SNS's own timeout by default",
      default: 15_000,
      min: 100,
      max: 120_000,
      formerly: [{ name: 'timeout' }],
    }),
    use('json'),
  ],
};

/** `kuratchi-ses replay`: re-POSTs stored SNS messages to a webhook. */
export const replayCommand: Command = {
  name: 'replay',
  audience: 'operate',
  summary: 're-POST stored SNS messages to a webhook, with a progress bar and a summary of statuses',
  help: `Usage: kuratchi-ses replay FILE|DIR --webhook-url URL [options]

Re-POSTs stored SNS messages as SNS does (text/plain; charset=UTF-8, x-amz-sns-message-type,
x-amz-sns-message-id, x-amz-sns-topic-arn): a .json file holding one message (posted byte for
byte) or an array, a .jsonl/.ndjson file with one per line, or every such file under DIR. Entries
without Type and MessageId are skipped and named on stderr. The webhook drops duplicates, so
replaying is safe. A progress bar is drawn on stderr (on a terminal), then a summary of statuses
("replayed 5 message(s) to URL: 200 x4, 403 x1") and each failure.

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses replay ./dead-letters --webhook-url https://dash.example.com/api/webhooks/ses-events

${EXIT_CODES_HELP}
(1: an entry was unreadable, or an answer was not 2xx)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const path = args.positionals[0];
    if (!path) throw new UsageError('FILE|DIR is required: the stored SNS message(s) to replay');
    const url = urlFlag(args, 'webhook-url');
    assertWebhookCredentialTransport(url);
    const concurrency = integerFlag(args, 'concurrency');
    const timeoutMs = integerFlag(args, 'request-timeout-ms');
    const { messages, unreadable } = await readStoredMessages(path);
    for (const entry of unreadable) err(tty`skipped ${entry.source}: ${entry.reason}`);
    if (!messages.length) throw new UsageError(`no SNS message found in ${path} (.json, .jsonl or .ndjson)`);

    const progress = startProgress('replay', messages.length);
    const outcomes: Array<{ source: string; outcome: PostOutcome }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, messages.length) }, async () => {
        while (next < messages.length) {
          const message = messages[next++]!;
          const outcome = await postSnsMessage(url, message.body, { timeoutMs });
          outcomes.push({ source: message.source, outcome });
          progress.tick(outcomeKey(outcome));
        }
      }),
    );
    progress.stop();

    const statuses: Record<string, number> = {};
    for (const { outcome } of outcomes) statuses[outcomeKey(outcome)] = (statuses[outcomeKey(outcome)] ?? 0) + 1;
    const failures = outcomes.filter(
      ({ outcome }) => !('status' in outcome) || outcome.status < 200 || outcome.status > 299,
    );
    const target = redactUrl(url.href);
    if (booleanFlag(args, 'json')) {
      out(jsonText({ url: target, total: messages.length, statuses, unreadable, failures }));
    } else {
      out(
        tty`replayed ${messages.length} message(s) to ${target}: ${Object.entries(statuses)
          .map(([key, n]) => `${key} x${n}`)
          .join(', ')}`,
      );
      for (const { source, outcome } of failures)
        out(tty`  ${'status' in outcome ? outcome.status : `error ${outcome.error}`}  ${source}`);
      if (unreadable.length)
        out(tty`${unreadable.length} unreadable entr${unreadable.length === 1 ? 'y' : 'ies'} skipped (see stderr)`);
    }
    return failures.length || unreadable.length ? EXIT.failed : EXIT.ok;
  },
};
