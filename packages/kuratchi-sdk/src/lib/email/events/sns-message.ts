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

const envelopeFields = {
  MessageId: z.string().min(1).max(256),
  TopicArn: topicArn,
  Message: z.string(),
  Timestamp: z.iso.datetime({ offset: true }),
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
  if (utf8ByteLength(body) > MAX_SNS_BODY_BYTES) {
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
  const result = snsMessageSchema.safeParse(withHttpKeyCasing(value));
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw new SnsMessageError('invalid-envelope', `SNS message ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

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
  for (const key of ['SigningCertURL', 'SubscribeURL', 'UnsubscribeURL']) {
    const lambdaKey = key.replace(/URL$/, 'Url');
    if (!(key in record) && lambdaKey in record) {
      renamed ??= { ...record };
      renamed[key] = record[lambdaKey];
      delete renamed[lambdaKey];
    }
  }
  return renamed ?? value;
}
