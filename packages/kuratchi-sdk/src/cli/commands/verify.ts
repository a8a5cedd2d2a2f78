import type { VerifySnsOptions } from 'kuratchi-sdk/internal/verify';
import { booleanFlag, integerFlag, parseCommandArgs, stringFlag, stringsFlag, type ParsedArgs } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { readTextFile } from '../read-file.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'verify',
  positionals: 1,
  flags: [
    own('cert', {
      kind: 'text',
      value: 'PEM',
      meaning:
        "the signing certificate (PEM file): verify offline. Without it the certificate is downloaded from the message's SigningCertURL.",
    }),
    own('at', {
      kind: 'text',
      value: 'ISO-TIME',
      meaning:
        "verify as of this time (default now), e.g. the message's own Timestamp: AWS signing certificates expire, and messages are accepted for an hour.",
    }),
    use('topic-arn', {
      note: 'accept only this topic; without it any topic is accepted, and the output says so',
      repeatable: true,
    }),
    own('max-age', {
      kind: 'integer',
      value: 'SECONDS',
      meaning: 'oldest accepted message age at --at',
      default: 3600,
      min: 1,
      max: 10 * 365 * 86400,
    }),
    use('json'),
  ],
};

/** `kuratchi-ses verify`: {@link verifySnsMessage} on a stored message. */
export const verifyCommand: Command = {
  name: 'verify',
  audience: 'offline',
  summary: 'verify the signature of a stored SNS message (offline with --cert)',
  help: `Usage: kuratchi-ses verify FILE [--cert PEM] [--at ISO-TIME] [options]

Verifies a stored SNS message (the JSON body SNS posted) exactly as the webhook does: envelope,
signature version, SigningCertURL policy, topic, timestamp window, certificate validity and the
RSA signature over the canonical string. With --cert it runs offline; without, it downloads the
certificate from the message's SigningCertURL. To verify an old message, pass its own Timestamp
as --at: AWS certificates expire, and messages are accepted for an hour. Any AWS account can have
SNS sign a message of its own topic: pass --topic-arn to require yours (without it, the topic is
not checked, and a valid result says "topic not checked").


Prints "valid: Notification <MessageId> from <TopicArn> (SignatureVersion 2, <Timestamp>)", or
"invalid: <code>: <reason>" (a tampered copy: "invalid: signature-mismatch: signature does not
match the message") with a hint on stderr when one helps.

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses verify message.json --cert SimpleNotificationService.pem --at 2026-03-06T20:00:26.893Z

${EXIT_CODES_HELP}
(1: the message is invalid, with the reason)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const file = args.positionals[0];
    if (!file) throw new UsageError('FILE is required: the stored SNS message (JSON) to verify');
    const body = await readTextFile(file, 'message file');
    const options = await verifyOptions(args);
    const json = booleanFlag(args, 'json');
    const { SnsMessageError, SnsVerificationError, verifySnsMessage } = await import('kuratchi-sdk/internal/verify');
    try {
      const message = await verifySnsMessage(body, options);
      const topicChecked = options.allowAnyTopic !== true;
      const result = {
        valid: true,
        type: message.Type,
        messageId: message.MessageId,
        topicArn: message.TopicArn,
        topicChecked,
        signatureVersion: message.SignatureVersion,
        timestamp: message.Timestamp,
      };
      if (json) out(jsonText(result));
      else
        out(
          tty`valid: ${message.Type} ${message.MessageId} from ${message.TopicArn}${topicChecked ? '' : ' (topic not checked)'} (SignatureVersion ${message.SignatureVersion}, ${message.Timestamp})`,
        );
      if (!topicChecked && !json)
        err(tty`hint: any AWS account can sign for a topic of its own: pass --topic-arn YOUR_TOPIC`);
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof SnsVerificationError || error instanceof SnsMessageError)) throw error;
      const hint = hintFor(error.code, args, body);
      if (json) out(jsonText({ valid: false, code: error.code, reason: error.message, ...(hint ? { hint } : {}) }));
      else {
        out(tty`invalid: ${error.code}: ${error.message}`);
        if (hint) err(tty`hint: ${hint}`);
      }
      return EXIT.failed;
    }
  },
};

async function verifyOptions(args: ParsedArgs): Promise<VerifySnsOptions> {
  const options: VerifySnsOptions = { maxAgeSeconds: integerFlag(args, 'max-age') };
  const at = stringFlag(args, 'at');
  if (at !== undefined) {
    const time = new Date(at);
    if (Number.isNaN(time.getTime()))
      throw new UsageError(`--at must be an ISO 8601 time like 2026-03-06T20:00:26.893Z, not ${JSON.stringify(at)}`);
    options.now = time;
  }
  const certPath = stringFlag(args, 'cert');
  if (certPath !== undefined) {
    const pem = await readTextFile(certPath, 'certificate');
    if (!pem.includes('-----BEGIN CERTIFICATE-----'))
      throw new UsageError(`--cert ${certPath} is not a PEM certificate`);
    options.fetchCertificate = async () => pem;
    // A certificate from a file, not from SNS: kept apart from the isolate's cache.
    const { createSigningKeyCache } = await import('kuratchi-sdk/internal/verify');
    options.keyCache = createSigningKeyCache({ maxEntries: 1 });
  }
  const topics = stringsFlag(args, 'topic-arn');
  // An offline tool: without --topic-arn it accepts any topic, said in words, and reports it unchecked.
  if (topics.length) options.allowedTopicArns = topics;
  else options.allowAnyTopic = true;
  return options;
}

function hintFor(code: string, args: ParsedArgs, body: string): string | undefined {
  const timestamp = field(body, 'Timestamp');
  if (
    (code === 'timestamp-too-old' || code === 'certificate-expired') &&
    stringFlag(args, 'at') === undefined &&
    timestamp
  ) {
    return `to verify a stored message as of when it was sent, pass --at ${timestamp}`;
  }
  if (code === 'certificate-unavailable')
    return 'the certificate could not be downloaded: pass --cert FILE to verify offline';
  if (code === 'topic-not-allowed') return 'pass --topic-arn with the topic this message is expected from';
  return undefined;
}

function field(body: string, name: string): string | undefined {
  try {
    const value = (JSON.parse(body) as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
