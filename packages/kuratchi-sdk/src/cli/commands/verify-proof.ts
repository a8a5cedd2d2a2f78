import type { ProofVerdict } from 'kuratchi-sdk/internal/events';
import { booleanFlag, parseCommandArgs, stringsFlag } from '../args.js';
import { out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, use, type CommandFlags } from '../flags.js';
import { readTextFile } from '../read-file.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'verify-proof',
  positionals: 1,
  flags: [
    use('topic-arn', {
      note: "your deployment's topic, from your own records (repeat it or separate with commas); without it nothing is proven",
      repeatable: true,
    }),
    use('json'),
  ],
};

/** `kuratchi-ses verify-proof`: `verifyProofBundle` on a downloaded proof bundle, offline. */
export const verifyProofCommand: Command = {
  name: 'verify-proof',
  audience: 'offline',
  summary: "check an email's proof bundle offline and print what each signed message proves",
  help: `Usage: kuratchi-ses verify-proof BUNDLE --topic-arn ARN [--json]

Checks a proof bundle (the dashboard's "Download proof" of an email, /emails/ID/proof.json)
offline, without any network access: for each archived SNS message, that its bundled signing
certificate is the one recorded when it was archived (SHA-256) and is Amazon SNS's (it names the
SigningCertURL's host or sns.amazonaws.com and chains to Amazon Root CA 1-4 of Node's root store,
or a retired VeriSign root for messages of 2010-2016, through pinned or bundled intermediates,
every link valid at the message's Timestamp), that the signature verifies, that the message was
signed for one of the --topic-arn topics, and that it is an SES event of the bundle's email.
Prints one line per message with its topic and what it proves, the events listed as not
provable, then a verdict:
  email 6b1c… (SES message 0100019…-000000)
    ok      message 1 (SNS 2f1e…, topic arn:aws:sns:…:kuratchi-ses-events): Delivered to x@example.com at 2026-11-28T12:00:00.000Z, SMTP 250 2.6.0 Message received
    n/a     Send (SNS 77aa…): not provable (not-archived)
  verdict: proven: 1 signed message(s) verified
A changed byte, a self-made or swapped certificate, a message of another topic or email: that
message's line says FAILED and why. Without --topic-arn the lines say "valid" with "topic not
checked" and the verdict is "NOT PROVEN" (exit 1): any AWS account can have SNS sign a message
of its own topic, so take the ARN from your records, never from the bundle. A bundle with no
archived message proves nothing (exit 1); a file that is not JSON is a usage error (exit 2).

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses verify-proof proof-email-1234.json

${EXIT_CODES_HELP}
(1: a message failed, something was not checked, or the bundle proves nothing; which is printed)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const file = args.positionals[0];
    if (!file) throw new UsageError('BUNDLE is required: the proof bundle (JSON) to check');
    const text = await readTextFile(file, 'proof bundle');
    let bundle: unknown;
    try {
      bundle = JSON.parse(text);
    } catch {
      throw new UsageError(`${file} is not JSON`);
    }
    // Offline by construction: the verifier is given the bundled certificates, and any fetch fails.
    globalThis.fetch = () => Promise.reject(new Error('verify-proof never reaches the network'));
    const { verifyProofBundle } = await import('kuratchi-sdk/internal/events');
    const { createSnsCertificateTrust } = await import('../sns-certificate-trust.js');
    const topicArns = stringsFlag(args, 'topic-arn').flatMap((value) => value.split(',').filter(Boolean));
    const verdict = await verifyProofBundle(bundle, { topicArns, certificateTrust: createSnsCertificateTrust() });
    printProofVerdict(verdict, booleanFlag(args, 'json'));
    return verdict.ok ? EXIT.ok : EXIT.failed;
  },
};

/** Prints a proof verdict: JSON, or one line per message (with its signed topic), then the verdict. */
function printProofVerdict(verdict: ProofVerdict, json: boolean): void {
  if (json) return out(jsonText(verdict));
  if (verdict.emailId) out(tty`email ${verdict.emailId} (SES message ${verdict.sesMessageId})`);
  for (const message of verdict.messages) {
    const topic = message.topicArn ? `, topic ${message.topicArn}` : '';
    const label = `message ${message.index + 1} (SNS ${message.snsMessageId}${topic})`;
    if (message.status === 'proven') out(tty`  ok      ${label}: ${message.statement}`);
    else if (message.status === 'signature-valid') {
      out(tty`  valid   ${label}: ${message.statement} [NOT PROVEN: ${message.unchecked?.join('; ')}]`);
    } else
      out(tty`  FAILED  ${label}: ${message.error}${message.unchecked ? ` [${message.unchecked.join('; ')}]` : ''}`);
  }
  for (const event of verdict.notProvable) {
    out(tty`  n/a     ${event.eventType} (SNS ${event.snsMessageId}): not provable (${event.reason})`);
  }
  if (verdict.eventsExpired) {
    out(tty`  n/a     events before ${verdict.eventsExpired.before}: deleted by the events retention (events-expired)`);
  }
  const failed = verdict.messages.filter((m) => m.status === 'failed').length;
  if (verdict.verdict === 'proven') out(tty`verdict: proven: ${verdict.messages.length} signed message(s) verified`);
  else if (verdict.error) out(tty`verdict: FAILED: ${verdict.error}`);
  else if (failed) out(tty`verdict: FAILED: ${failed} of ${verdict.messages.length} message(s) did not verify`);
  else out(tty`verdict: NOT PROVEN: the signatures are valid, but the topic was not checked: pass --topic-arn`);
}
