import { parseSesEvent } from '../ses-events/ses-event.js';
import { describeSesEvent } from './proof-statement.js';
import { proofBundleSchema, type ProofBundle } from './proof-bundle.js';
import { sha256Hex } from './sns-archive.js';
import { createSigningKeyCache } from '../sns/signing-key-cache.js';
import { parseSnsMessage } from '../sns/sns-message.js';
import { verifySnsMessageWithCertificate } from '../sns/sns-verify.js';

/** What checking one message of a proof bundle found. */
export interface ProofMessageVerdict {
  /** Its position in the bundle's `messages` (0-based). */
  index: number;
  snsMessageId: string;
  ok: boolean;
  /** What the signed event states (`describeSesEvent`), when it verified. */
  statement?: string;
  /** Why it failed, naming the rule. */
  error?: string;
}

/** What checking a whole proof bundle found. */
export interface ProofVerdict {
  /** True when the bundle is well formed, has a message, and every message verified. */
  ok: boolean;
  /** Why the bundle as a whole was refused (unreadable, wrong format), when it was. */
  error?: string;
  emailId?: string;
  sesMessageId?: string;
  messages: ProofMessageVerdict[];
  notProvable: ProofBundle['notProvable'];
}

/**
 * Checks a proof bundle offline: for each message, the bundled certificate is the one recorded
 * for its URL when it was archived (SHA-256 of the PEM), its SigningCertURL still passes the SNS
 * host rule of its topic's region, the signature verifies with that certificate (the SDK's
 * `verifySnsMessage`, its certificate served from the bundle, never fetched), the certificate was
 * valid at the message's own Timestamp, and the message is an SES event of the bundle's SES
 * message id. Never reaches the network. What it cannot prove on its own: that the certificate
 * is Amazon's (compare it with the PEM at its SigningCertURL, or check its chain: docs/security.md).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export async function verifyProofBundle(input: unknown): Promise<ProofVerdict> {
  const parsed = proofBundleSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
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
    const verdict: ProofMessageVerdict = { index, snsMessageId: entry.snsMessageId, ok: false };
    try {
      verdict.statement = await verifyEntry(bundle, entry, pems);
      verdict.ok = true;
    } catch (error) {
      verdict.error = error instanceof Error ? error.message : String(error);
    }
    messages.push(verdict);
  }
  return {
    ok: messages.length > 0 && messages.every((m) => m.ok),
    ...(messages.length === 0 ? { error: 'the bundle holds no archived message: nothing is proven' } : {}),
    emailId: bundle.emailId,
    sesMessageId: bundle.sesMessageId,
    messages,
    notProvable: bundle.notProvable,
  };
}

async function verifyEntry(
  bundle: ProofBundle,
  entry: ProofBundle['messages'][number],
  pems: Map<string, ProofBundle['certificates'][number]>,
): Promise<string> {
  const certificate = pems.get(entry.certificateUrl);
  if (!certificate) throw new Error(`no bundled certificate for ${entry.certificateUrl}`);
  const digest = await sha256Hex(certificate.pem);
  if (digest !== certificate.sha256 || digest !== entry.certificateSha256) {
    throw new Error(
      `the bundled certificate of ${entry.certificateUrl} is not the one archived for it (SHA-256 differs)`,
    );
  }
  const envelope = parseSnsMessage(entry.raw);
  if (envelope.MessageId !== entry.snsMessageId) throw new Error('the archived message has another SNS MessageId');
  const verified = await verifySnsMessageWithCertificate(envelope, {
    // Verified as of its own Timestamp: the certificate must have been valid when SNS signed it.
    now: new Date(Date.parse(envelope.Timestamp)),
    // An offline proof of one bundled message: the bundle names its topic, and the signature is
    // checked against the bundled certificate, whose trust the reader settles (docs/security.md, Proof bundles).
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
  return describeSesEvent(event);
}
