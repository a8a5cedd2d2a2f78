import { booleanFlag, parseCommandArgs } from '../args.js';
import { out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, use, type CommandFlags } from '../flags.js';
import { readTextFile } from '../read-file.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = { command: 'verify-proof', positionals: 1, flags: [use('json')] };

/** `kuratchi-ses verify-proof`: `verifyProofBundle` on a downloaded proof bundle, offline. */
export const verifyProofCommand: Command = {
  name: 'verify-proof',
  audience: 'offline',
  summary: "check an email's proof bundle offline and print what each signed message proves",
  help: `Usage: kuratchi-ses verify-proof BUNDLE [--json]

Checks a proof bundle (the dashboard's "Download proof" of an email, /emails/ID/proof.json)
offline, without any network access: for each archived SNS message, that its bundled signing
certificate is the one recorded when it was archived (SHA-256), that its SigningCertURL passes
the SNS host rule of its topic's region, that the signature verifies with that certificate, that
the certificate was valid at the message's Timestamp, and that it is an SES event of the
bundle's email. The process never makes a network request (its fetch is disabled). Prints one
line per message with what it proves, the events listed as not provable, then a verdict:
  email 6b1c… (SES message 0100019…-000000)
    ok      message 1 (SNS 2f1e…): Delivered to x@example.com at 2026-11-28T12:00:00.000Z, SMTP 250 2.6.0 Message received (reported by a8-70.smtp-out.amazonses.com)
    n/a     Send (SNS 77aa…): not provable (not-archived)
  verdict: proven: 1 signed message(s) verified
A changed byte of any message, a swapped or re-hashed certificate, a message of another email:
that message's line says FAILED and why ("signature does not match the message", "… is not the
one archived for it (SHA-256 differs)"). A bundle with no archived message proves nothing (exit
1); a file that is not JSON is a usage error (exit 2).

What remains to trust: that each bundled certificate is Amazon's. Compare it with the PEM
served at its SigningCertURL, or check its chain (docs/security.md).

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses verify-proof proof-email-1234.json

${EXIT_CODES_HELP}
(1: a message failed, or the bundle proves nothing; which one is printed)`,
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
    const verdict = await verifyProofBundle(bundle);
    if (booleanFlag(args, 'json')) {
      out(jsonText(verdict));
      return verdict.ok ? EXIT.ok : EXIT.failed;
    }
    if (verdict.emailId) out(tty`email ${verdict.emailId} (SES message ${verdict.sesMessageId})`);
    for (const message of verdict.messages) {
      const label = `message ${message.index + 1} (SNS ${message.snsMessageId})`;
      out(message.ok ? tty`  ok      ${label}: ${message.statement}` : tty`  FAILED  ${label}: ${message.error}`);
    }
    for (const event of verdict.notProvable) {
      out(tty`  n/a     ${event.eventType} (SNS ${event.snsMessageId}): not provable (${event.reason})`);
    }
    const failed = verdict.messages.filter((m) => !m.ok).length;
    if (verdict.ok) out(tty`verdict: proven: ${verdict.messages.length} signed message(s) verified`);
    else if (verdict.error) out(tty`verdict: FAILED: ${verdict.error}`);
    else out(tty`verdict: FAILED: ${failed} of ${verdict.messages.length} message(s) did not verify`);
    return verdict.ok ? EXIT.ok : EXIT.failed;
  },
};
