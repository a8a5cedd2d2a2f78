import { writeFile } from 'node:fs/promises';
import type { DemoEmail } from 'kuratchi-sdk/email/testing';
import { redactUrl } from '#internal/setup/aws-errors.js';
import { isSnsTopicArn } from 'kuratchi-sdk/internal/aws-names';
import { booleanFlag, integerFlag, optionalIntegerFlag, parseCommandArgs, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { outcomeKey, postSnsMessage } from '../post-sns.js';
import { startProgress } from '../progress.js';
import { readTextFile } from '../read-file.js';
import { loadOrCreateSigningKey } from '../signing-key.js';
import { assertWebhookCredentialTransport } from '../secret-transport.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const DEFAULT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events';

const FLAGS: CommandFlags = {
  command: 'simulate',
  flags: [
    use('webhook-url', {
      required: true,
      note: 'e.g. http://127.0.0.1:8787/api/webhooks/ses-events',
      formerly: [{ name: 'url' }],
    }),
    own('count', { kind: 'integer', value: 'N', meaning: 'number of POSTs', default: 20, min: 1, max: 100_000 }),
    own('interval', {
      kind: 'integer',
      value: 'MS',
      meaning: 'pause between POSTs',
      default: 0,
      min: 0,
      max: 3_600_000,
    }),
    use('topic-arn', { note: 'TopicArn of the messages', default: DEFAULT_TOPIC_ARN }),
    own('cert-url', {
      kind: 'text',
      value: 'URL',
      meaning:
        'SigningCertURL of the messages (default https://sns.<topic region>.amazonaws.com/SimpleNotificationService-<32 hex>.pem, the hex derived from the certificate; webhooks refuse any other host or path)',
    }),
    own('key', {
      kind: 'text',
      value: 'FILE',
      meaning: 'signing key + certificate (PEM bundle): read it, or create it (mode 0600) when missing',
    }),
    own('cert-out', {
      kind: 'text',
      value: 'FILE',
      meaning: 'write the certificate PEM here (for KURATCHI_SNS_DEV_CERTIFICATE_PEM)',
    }),
    own('emails', {
      kind: 'text',
      value: 'FILE',
      meaning:
        'JSON array of {"sesMessageId","recipient"} to produce events for (default: five emails nobody sent, whose events the webhook parks)',
    }),
    own('seed', { kind: 'integer', value: 'N', meaning: 'deterministic choice of events', min: 0, max: 2 ** 32 - 1 }),
    use('request-timeout-ms', {
      note: 'per POST',
      default: 15_000,
      min: 100,
      max: 120_000,
      formerly: [{ name: 'timeout' }],
    }),
    use('json'),
  ],
};

/** `kuratchi-ses simulate`: posts signed demo SES events (the dashboard demo's generator). */
export const simulateCommand: Command = {
  name: 'simulate',
  audience: 'offline',
  summary: 'POST signed demo SES events to a webhook (deliveries, opens, clicks, bounces, duplicates, forgeries…)',
  help: `Usage: kuratchi-ses simulate --webhook-url URL [options]

Posts realistic SNS deliveries of SES events, signed for real with a self-signed key: the next
events of some emails (delivery, delay, bounce, open, click, complaint…), mixed with duplicates,
out-of-order pairs, forged messages (expected 403) and events of emails nobody sent (parked, 200).

The events come from the dashboard demo's generator (createDemoTraffic of
kuratchi-sdk/email/testing). A webhook trusts these signatures only in development: run the
dashboard with KURATCHI_ENVIRONMENT=development, KURATCHI_SNS_DEV_CERTIFICATE_PEM set to the certificate
(--cert-out writes it; otherwise it is printed on stderr), and the topic in
KURATCHI_ALLOWED_TOPIC_ARNS. Use --key FILE to keep signing with the same key across runs, so the
webhook does not need reconfiguring. The demo (pnpm dev) trusts the key it writes to
.wrangler/demo/simulate-key.pem, for the default topic. Prints a tally of kind->status
("forged->403 x2").

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses simulate --webhook-url http://127.0.0.1:8787/api/webhooks/ses-events --key .wrangler/demo/simulate-key.pem

${EXIT_CODES_HELP}
(1: an answer differed from the expected status)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const url = urlFlag(args, 'webhook-url');
    assertWebhookCredentialTransport(url);
    const count = integerFlag(args, 'count');
    const intervalMs = integerFlag(args, 'interval');
    const timeoutMs = integerFlag(args, 'request-timeout-ms');
    const topicArn = stringFlag(args, 'topic-arn') ?? DEFAULT_TOPIC_ARN;
    if (!isSnsTopicArn(topicArn))
      throw new UsageError(`--topic-arn must be an SNS topic ARN like ${DEFAULT_TOPIC_ARN}`);
    const certUrl = stringFlag(args, 'cert-url');
    const { createDemoTraffic, createSnsSigner, seededRandom } = await import('kuratchi-sdk/email/testing');
    const seed = optionalIntegerFlag(args, 'seed');
    const random = seed === undefined ? Math.random : seededRandom(seed);

    const keyPath = stringFlag(args, 'key');
    const { certificate, created } = await loadOrCreateSigningKey(keyPath);
    const signer = await createSnsSigner({ ...(certUrl === undefined ? {} : { certUrl }), certificate });
    const certOut = stringFlag(args, 'cert-out');
    if (certOut) await writeFile(certOut, signer.certificatePem);
    if (keyPath && created)
      err(tty`signing key written to ${keyPath} (reuse it with --key so the webhook keeps trusting it)`);
    if (certOut)
      err(
        tty`signing certificate written to ${certOut}: set KURATCHI_SNS_DEV_CERTIFICATE_PEM of the webhook to its content`,
      );
    else
      err(
        tty`signing certificate (set KURATCHI_SNS_DEV_CERTIFICATE_PEM of the webhook to it, or use --cert-out FILE):\n${signer.certificatePem}`,
      );

    const emails = await demoEmails(stringFlag(args, 'emails'), random);
    const traffic = createDemoTraffic({ signer, topicArn, emails, random });
    const progress = startProgress('simulate', count);
    const tally: Record<string, number> = {};
    const unexpected: Array<{ kind: string; eventType: string; expected: number; got: string }> = [];
    let posted = 0;
    while (posted < count) {
      for (const delivery of await traffic.next()) {
        if (posted >= count) break;
        const outcome = await postSnsMessage(url, delivery.body, { timeoutMs });
        posted++;
        const got = outcomeKey(outcome);
        const key = `${delivery.kind}->${got}`;
        tally[key] = (tally[key] ?? 0) + 1;
        if (got !== String(delivery.expectedStatus))
          unexpected.push({
            kind: delivery.kind,
            eventType: delivery.eventType,
            expected: delivery.expectedStatus,
            got,
          });
        progress.tick(got);
      }
      if (intervalMs && posted < count) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    progress.stop();

    const target = redactUrl(url.href);
    if (booleanFlag(args, 'json')) out(jsonText({ url: target, topicArn, posted, tally, unexpected }));
    else {
      out(
        tty`simulated ${posted} SNS POST(s) to ${target} (topic ${topicArn}): ${Object.entries(tally)
          .map(([key, n]) => `${key} x${n}`)
          .join(', ')}`,
      );
      if (unexpected.length) out(tty`${unexpected.length} answer(s) differed from the expected status`);
    }
    if (unexpected.length && unexpected.every((u) => u.got === '403')) {
      err(
        tty`hint: every unexpected answer was 403: the webhook does not trust this signing certificate or topic; run it with KURATCHI_ENVIRONMENT=development, KURATCHI_SNS_DEV_CERTIFICATE_PEM=<the certificate> and ${topicArn} in KURATCHI_ALLOWED_TOPIC_ARNS`,
      );
    }
    return unexpected.length ? EXIT.failed : EXIT.ok;
  },
};

async function demoEmails(path: string | undefined, random: () => number): Promise<DemoEmail[]> {
  if (!path) {
    return Array.from({ length: 5 }, (_, i) => ({
      sesMessageId: `kuratchi-simulated-${Math.floor(random() * 2 ** 32).toString(16)}-${i}`,
      recipient: `simulated-${i}@example.com`,
    }));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readTextFile(path, '--emails file'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--emails ${path} must be JSON`);
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.length > 0 &&
    parsed.every((e) => typeof e?.sesMessageId === 'string' && typeof e?.recipient === 'string');
  if (!valid)
    throw new UsageError(`--emails ${path} must be a JSON array of {"sesMessageId": "...", "recipient": "..."}`);
  return (parsed as DemoEmail[]).map(({ sesMessageId, recipient }) => ({ sesMessageId, recipient }));
}
