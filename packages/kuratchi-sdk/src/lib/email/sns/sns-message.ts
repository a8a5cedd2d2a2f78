import { z } from 'zod';
import { isSnsTopicArn } from '../shared/aws-names.js';
import { utf8ByteLength } from '../shared/encoding.js';
import { SnsMessageError } from './errors.js';

/**
 * Largest SNS POST body accepted, in bytes. SNS messages are at most 256 KiB, and SES event
 * records are far smaller, so a larger body is not from SES through SNS.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (Message: 256 KB)
 */
export const MAX_SNS_BODY_BYTES = 256 * 1024;

/**
 * `arn:<partition>:sns:<region>:<account>:<topic>` of a standard topic (`isSnsTopicArn`: SES
 * publishes to standard topics only, and FIFO topics cannot deliver to HTTP(S) endpoints).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html
 */
const topicArn = z.string().refine(isSnsTopicArn, 'not an SNS topic ARN');

/** RFC 3339 date-time with `Z` or an offset (seconds required): zod's `z.iso.datetime({ offset: true })`. */
const timestamp = z.iso.datetime({ offset: true });

const envelopeFields = {
  MessageId: z.string().min(1).max(256),
  TopicArn: topicArn,
  Message: z.string(),
  Timestamp: timestamp,
  SignatureVersion: z.string(),
  Signature: z.string().min(1),
  SigningCertURL: z.string().min(1),
};

const notification = z.object({
  Type: z.literal('Notification'),
  ...envelopeFields,
  Subject: z.string().nullish(),
  UnsubscribeURL: z.string().optional(),
});

const confirmationFields = {
  ...envelopeFields,
  SubscribeURL: z.string().min(1),
  Token: z.string().min(1),
};

const subscriptionConfirmation = z.object({
  Type: z.literal('SubscriptionConfirmation'),
  ...confirmationFields,
});

const unsubscribeConfirmation = z.object({
  Type: z.literal('UnsubscribeConfirmation'),
  ...confirmationFields,
});

/**
 * Schema of the JSON body SNS POSTs to an HTTP(S) endpoint. Fields SNS adds that are not signed
 * (MessageAttributes, SequenceNumber) are dropped.
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-subscription-confirmation-json.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-unsubscribe-confirmation-json.html
 */
export const snsMessageSchema = z.discriminatedUnion('Type', [
  notification,
  subscriptionConfirmation,
  unsubscribeConfirmation,
]);

/** An SNS envelope: a Notification, a SubscriptionConfirmation or an UnsubscribeConfirmation. */
export type SnsMessage = z.infer<typeof snsMessageSchema>;
/** An SNS Notification envelope; its `Message` carries the SES event record. */
export type SnsNotification = z.infer<typeof notification>;
/** A SubscriptionConfirmation or UnsubscribeConfirmation envelope. */
export type SnsConfirmation = z.infer<typeof subscriptionConfirmation> | z.infer<typeof unsubscribeConfirmation>;

/**
 * Parses and validates the body of an SNS HTTP(S) POST. Only the shape is checked here: whether
 * the message really comes from AWS is `verifySnsMessage`'s job.
 * @throws {SnsMessageError} `too-large`, `not-json` or `invalid-envelope`.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
 */
export function parseSnsMessage(body: string): SnsMessage {
  // A UTF-16 code unit is at most 3 UTF-8 bytes, and at least 1: count only in between.
  if (body.length * 3 > MAX_SNS_BODY_BYTES && utf8ByteLength(body) > MAX_SNS_BODY_BYTES) {
    throw new SnsMessageError('too-large', `SNS message body is over ${MAX_SNS_BODY_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new SnsMessageError('not-json', 'SNS message body is not JSON');
  }
  return validateSnsMessage(json);
}

/**
 * Validates an already decoded value as an SNS envelope.
 * @throws {SnsMessageError} `invalid-envelope`, naming the first bad field.
 */
export function validateSnsMessage(value: unknown): SnsMessage {
  const input = withHttpKeyCasing(value);
  const accepted = acceptSnsMessage(input);
  if (accepted) return accepted;
  const result = snsMessageSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw new SnsMessageError('invalid-envelope', `SNS message ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** The HTTP(S) spelling of each URL key, and the Lambda spelling. */
const URL_KEY_CASINGS = [
  ['SigningCertURL', 'SigningCertUrl'],
  ['SubscribeURL', 'SubscribeUrl'],
  ['UnsubscribeURL', 'UnsubscribeUrl'],
] as const;

/**
 * SNS spells the URL keys `SigningCertURL`, `SubscribeURL` and `UnsubscribeURL` in HTTP(S)
 * deliveries, and `SigningCertUrl`, `SubscribeUrl`, `UnsubscribeUrl` in the records it gives
 * Lambda; accept both so a stored Lambda record verifies too. These keys are not renamed when
 * the HTTP spelling is present.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
 */
function withHttpKeyCasing(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  let renamed: Record<string, unknown> | undefined;
  for (const [key, lambdaKey] of URL_KEY_CASINGS) {
    if (!(key in record) && lambdaKey in record) {
      renamed ??= { ...record };
      renamed[key] = record[lambdaKey];
      delete renamed[lambdaKey];
    }
  }
  return renamed ?? value;
}

/** The pattern `timestamp` tests (zod checks an ISO date-time by this pattern alone). */
const TIMESTAMP_PATTERN: RegExp = (() => {
  const pattern = (timestamp._zod.def as { pattern?: unknown }).pattern;
  if (!(pattern instanceof RegExp)) throw new Error('zod no longer exposes the ISO date-time pattern');
  return new RegExp(pattern.source, pattern.flags.replace('g', ''));
})();

/**
 * The envelope `snsMessageSchema` would return for `value`, for the plain objects JSON.parse
 * makes, checked by hand (zod takes about twice as long as the JSON.parse before it, on every
 * message); `undefined` for anything else, when `snsMessageSchema` decides (and names the first
 * bad field). Accepts a subset of what the schema accepts, and returns what it returns, keys in
 * the same order: sns-message.test.ts compares the two on generated envelopes. Exported for that
 * test only (not public API).
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-subscription-confirmation-json.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-unsubscribe-confirmation-json.html
 */
export function acceptSnsMessage(value: unknown): SnsMessage | undefined {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return;
  const record = value as Record<string, unknown>;
  const { Type, MessageId, TopicArn, Message, Timestamp, SignatureVersion, Signature, SigningCertURL } = record;
  if (Type !== 'Notification' && Type !== 'SubscriptionConfirmation' && Type !== 'UnsubscribeConfirmation') return;
  if (typeof MessageId !== 'string' || MessageId.length < 1 || MessageId.length > 256) return;
  if (typeof TopicArn !== 'string' || !isSnsTopicArn(TopicArn)) return;
  if (typeof Message !== 'string') return;
  if (typeof Timestamp !== 'string' || !TIMESTAMP_PATTERN.test(Timestamp)) return;
  if (typeof SignatureVersion !== 'string') return;
  if (typeof Signature !== 'string' || Signature.length < 1) return;
  if (typeof SigningCertURL !== 'string' || SigningCertURL.length < 1) return;
  const envelope = { Type, MessageId, TopicArn, Message, Timestamp, SignatureVersion, Signature, SigningCertURL };
  if (Type === 'Notification') {
    const out: Record<string, unknown> = envelope;
    if ('Subject' in record) {
      const { Subject } = record;
      if (Subject !== undefined && Subject !== null && typeof Subject !== 'string') return;
      out.Subject = Subject;
    }
    if ('UnsubscribeURL' in record) {
      const { UnsubscribeURL } = record;
      if (UnsubscribeURL !== undefined && typeof UnsubscribeURL !== 'string') return;
      out.UnsubscribeURL = UnsubscribeURL;
    }
    return out as SnsMessage;
  }
  const { SubscribeURL, Token } = record;
  if (typeof SubscribeURL !== 'string' || SubscribeURL.length < 1) return;
  if (typeof Token !== 'string' || Token.length < 1) return;
  return { ...envelope, Type, SubscribeURL, Token };
}
