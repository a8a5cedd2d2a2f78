import { parseSesEvent } from '../ses-events/ses-event.js';
import { describeSesEvent } from './proof-statement.js';
import { proofBundleSchema, type ProofBundle } from './proof-bundle.js';
import { sha256Hex } from './sns-archive.js';
import { createSigningKeyCache } from '../sns/signing-key-cache.js';
import { parseSnsMessage } from '../sns/sns-message.js';
import { verifySnsMessageWithCertificate } from '../sns/sns-verify.js';

/**
 * Checks that a bundled signing certificate is Amazon SNS's own for its SigningCertURL, as of
 * `at` (the message's Timestamp): a chain to a pinned Amazon root and a subject for the URL's
 * host. Throws why not. `chain` is the bundle's intermediate certificates (untrusted input: the
 * chain must still end at a pinned root). The CLI's is `createSnsCertificateTrust` (Node).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export type SnsCertificateTrust = (certificate: {
  url: string;
  pem: string;
  chain: readonly string[];
  at: Date;
}) => void | Promise<void>;

/** Options of {@link verifyProofBundle}: what the verifier knows independently of the bundle. */
export interface VerifyProofOptions {
  /** The deployment's SNS topics, from a source other than the bundle; none: no message is proven. */
  topicArns?: readonly string[];
  /** The check that a certificate is Amazon SNS's; none: no message is proven. */
  certificateTrust?: SnsCertificateTrust;
}

/**
 * A message's verdict: `proven` (signature, certificate and topic all checked), `signature-valid`
 * (the signature verifies but the topic or the certificate was not checked: not a proof), `failed`.
 */
export type ProofMessageStatus = 'proven' | 'signature-valid' | 'failed';

/** What checking one message of a proof bundle found. */
export interface ProofMessageVerdict {
  /** Its position in the bundle's `messages` (0-based). */
  index: number;
  snsMessageId: string;
  /** The TopicArn SNS signed with the message, once the message could be read. */
  topicArn?: string;
  status: ProofMessageStatus;
  /** `status === 'proven'`. */
  ok: boolean;
  /** What the signed event states (`describeSesEvent`), when its signature verified. */
  statement?: string;
  /** What was not checked (a `signature-valid` message, or a failed one, in addition), in words. */
  unchecked?: string[];
  /** Why it failed, naming the rule. */
  error?: string;
}

/** What checking a whole proof bundle found. */
export interface ProofVerdict {
  /**
   * `proven`: the bundle is well formed, has a message, and every message is proven;
   * `failed`: the bundle or a message failed; `not-proven`: every signature verifies but something was not checked.
   */
  verdict: 'proven' | 'not-proven' | 'failed';
  /** `verdict === 'proven'`. */
  ok: boolean;
  /** Why the bundle as a whole was refused (unreadable, wrong format), when it was. */
  error?: string;
  emailId?: string;
  sesMessageId?: string;
  messages: ProofMessageVerdict[];
  notProvable: ProofBundle['notProvable'];
  /** The bundle's `eventsExpired`: its events before `before` were deleted by the events retention. */
  eventsExpired?: NonNullable<ProofBundle['eventsExpired']>;
}

/**
 * Checks a proof bundle offline: for each message, the bundled certificate is the one recorded
 * for its URL when it was archived (SHA-256 of the PEM), its SigningCertURL still passes the SNS
 * host rule of its topic's region, the signature verifies with that certificate (the SDK's
 * `verifySnsMessage`, its certificate served from the bundle, never fetched), the certificate was
 * valid at the message's own Timestamp, and the message is an SES event of the bundle's SES
 * message id. A message is `proven` only when, besides, its signed TopicArn is one of
 * `topicArns` (any AWS account can have SNS sign for a topic of its own) and `certificateTrust`
 * accepts its certificate (the bundle's own hash proves nothing about whose certificate it is).
 * Never reaches the network.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export async function verifyProofBundle(input: unknown, options: VerifyProofOptions = {}): Promise<ProofVerdict> {
  const parsed = proofBundleSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      verdict: 'failed',
      ok: false,
      error: `not a proof bundle of this version: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
      messages: [],
      notProvable: [],
    };
  }
  const bundle = parsed.data;
  const pems = new Map(bundle.certificates.map((c) => [c.url, c]));
  const messages: ProofMessageVerdict[] = [];
  for (const [index, entry] of bundle.messages.entries()) {
    const verdict: ProofMessageVerdict = { index, snsMessageId: entry.snsMessageId, status: 'failed', ok: false };
    try {
      await verifyEntry(bundle, entry, pems, options, verdict);
    } catch (error) {
      verdict.status = 'failed';
      verdict.error = error instanceof Error ? error.message : String(error);
    }
    verdict.ok = verdict.status === 'proven';
    messages.push(verdict);
  }
  const failed = messages.length === 0 || messages.some((m) => m.status === 'failed');
  const verdict = failed ? 'failed' : messages.every((m) => m.ok) ? 'proven' : 'not-proven';
  return {
    verdict,
    ok: verdict === 'proven',
    ...(messages.length === 0
      ? {
          error: `the bundle holds no archived message: nothing is proven${
            bundle.eventsExpired
              ? ` (the email's events before ${bundle.eventsExpired.before} were deleted by the events retention)`
              : ''
          }`,
        }
      : {}),
    emailId: bundle.emailId,
    sesMessageId: bundle.sesMessageId,
    messages,
    notProvable: bundle.notProvable,
    ...(bundle.eventsExpired ? { eventsExpired: bundle.eventsExpired } : {}),
  };
}

async function verifyEntry(
  bundle: ProofBundle,
  entry: ProofBundle['messages'][number],
  pems: Map<string, ProofBundle['certificates'][number]>,
  options: VerifyProofOptions,
  verdict: ProofMessageVerdict,
): Promise<void> {
  const certificate = pems.get(entry.certificateUrl);
  if (!certificate) throw new Error(`no bundled certificate for ${entry.certificateUrl}`);
  const digest = await sha256Hex(certificate.pem);
  if (digest !== certificate.sha256 || digest !== entry.certificateSha256) {
    throw new Error(
      `the bundled certificate of ${entry.certificateUrl} is not the one archived for it (SHA-256 differs)`,
    );
  }
  const envelope = parseSnsMessage(entry.raw);
  verdict.topicArn = envelope.TopicArn;
  if (envelope.MessageId !== entry.snsMessageId) throw new Error('the archived message has another SNS MessageId');
  const at = new Date(Date.parse(envelope.Timestamp));
  const verified = await verifySnsMessageWithCertificate(envelope, {
    // Verified as of its own Timestamp: the certificate must have been valid when SNS signed it.
    now: at,
    // The topic is checked below against the verifier's own list, so that the verdict can say
    // which topic signed a message that is not proven.
    allowAnyTopic: true,
    fetchCertificate: async (url) => {
      if (url !== entry.certificateUrl) throw new Error(`the message names ${url}, not ${entry.certificateUrl}`);
      return certificate.pem;
    },
    keyCache: createSigningKeyCache({ maxEntries: 1 }),
  });
  const { message } = verified;
  if (message.Type !== 'Notification') throw new Error(`a ${message.Type}, not an SES event notification`);
  const event = parseSesEvent(message.Message);
  if (event.mail.messageId !== bundle.sesMessageId) {
    throw new Error(`the event is of SES message ${event.mail.messageId}, not ${bundle.sesMessageId}`);
  }
  verdict.statement = describeSesEvent(event);
  const unchecked: string[] = [];
  if (!options.topicArns?.length) unchecked.push('topic not checked (no topic given)');
  else if (!options.topicArns.includes(message.TopicArn)) {
    throw new Error(`signed for topic ${message.TopicArn}, not one of the given topics`);
  }
  if (!options.certificateTrust) unchecked.push("certificate not checked against Amazon's roots");
  // Said even when the certificate fails below: both are missing from a proof.
  if (unchecked.length) verdict.unchecked = unchecked;
  if (options.certificateTrust) {
    try {
      await options.certificateTrust({
        url: verified.certificateUrl,
        pem: certificate.pem,
        chain: certificate.chain ?? [],
        at,
      });
    } catch (cause) {
      throw new Error(
        `the certificate is not Amazon SNS's: ${cause instanceof Error ? cause.message : String(cause)}`,
        {
          cause,
        },
      );
    }
  }
  verdict.status = unchecked.length ? 'signature-valid' : 'proven';
}
