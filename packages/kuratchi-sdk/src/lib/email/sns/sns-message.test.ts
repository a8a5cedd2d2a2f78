import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SnsMessageError } from './errors.js';
import { acceptSnsMessage, parseSnsMessage, snsMessageSchema, validateSnsMessage } from './sns-message.js';

/**
 * `validateSnsMessage` checks the plain objects of JSON.parse by hand (`acceptSnsMessage`) and
 * leaves everything else to the zod schema. These tests hold the hand check to the schema: it
 * never accepts what the schema refuses, returns what the schema returns, and takes the fast
 * path for what SNS really sends.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
 */

const genuine = import.meta.glob<string>('./fixtures/genuine/*.json', {
  eager: true,
  query: '?raw',
  import: 'default',
});

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
const notification = {
  Type: 'Notification',
  MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
  TopicArn: TOPIC,
  Subject: 'Amazon SES Email Event Notification',
  Message: '{"eventType":"Delivery"}',
  Timestamp: '2026-05-01T12:00:00.123Z',
  SignatureVersion: '1',
  Signature: 'QUJD',
  SigningCertURL: CERT_URL,
  UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
};
const confirmation = {
  Type: 'SubscriptionConfirmation',
  MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
  Token: '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6',
  TopicArn: TOPIC,
  Message: 'You have chosen to subscribe to the topic.',
  SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=2336412f37',
  Timestamp: '2026-05-01T12:00:00Z',
  SignatureVersion: '2',
  Signature: 'QUJD',
  SigningCertURL: CERT_URL,
};
const bases = [notification, confirmation, { ...confirmation, Type: 'UnsubscribeConfirmation' }];
const FIELDS = [
  'Type',
  'MessageId',
  'TopicArn',
  'Subject',
  'Message',
  'Timestamp',
  'SignatureVersion',
  'Signature',
  'SigningCertURL',
  'SigningCertUrl',
  'UnsubscribeURL',
  'UnsubscribeUrl',
  'SubscribeURL',
  'SubscribeUrl',
  'Token',
  'MessageAttributes',
];

/** Values a field may be replaced with: wrong types, edge lengths, near-miss timestamps and ARNs. */
const REPLACEMENTS: unknown[] = [
  undefined,
  null,
  '',
  'x',
  'x'.repeat(256),
  'x'.repeat(257),
  0,
  1,
  true,
  [],
  ['Notification'],
  {},
  'Notification',
  'SubscriptionConfirmation',
  'UnsubscribeConfirmation',
  'notification',
  '2026-05-01T12:00:00Z',
  '2026-05-01T12:00:00+02:00',
  '2026-05-01T12:00:00.5-11:30',
  '2026-05-01T12:00Z',
  '2026-05-01T12:00:00',
  '2026-05-01T12:00:00z',
  '2026-05-01 12:00:00Z',
  '2026-02-29T12:00:00Z',
  '2024-02-29T12:00:00Z',
  '2026-04-31T12:00:00Z',
  '2026-05-01T24:00:00Z',
  '2026-05-01T12:00:00+24:00',
  '2026-05-01T12:00:00.Z',
  ' 2026-05-01T12:00:00Z',
  '2026-05-01T12:00:00Z\n',
  TOPIC,
  'arn:aws:sns:us-east-1:123456789012:t.fifo',
  'arn:aws-cn:sns:us-east-1:123456789012:t',
  'arn:aws-cn:sns:cn-north-1:123456789012:t',
  'arn:aws:sns:us-east-1:12345678901:t',
  `${TOPIC}\n`,
  CERT_URL,
];
const replacement = fc.oneof(
  fc.constantFrom(...REPLACEMENTS),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', minLength: 250, maxLength: 260 }),
);

/** An envelope with zero or more fields replaced, removed or added. */
const candidate = fc
  .tuple(
    fc.constantFrom(...bases),
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.oneof(fc.constant('delete' as const), replacement)), {
      maxLength: 4,
    }),
  )
  .map(([base, edits]) => {
    const value: Record<string, unknown> = { ...base };
    for (const [field, edit] of edits) {
      if (edit === 'delete') delete value[field];
      else value[field] = edit;
    }
    return value;
  });

/** What validateSnsMessage answers: the envelope, or the error's code and message. */
function outcome(run: () => unknown): unknown {
  try {
    const value = run();
    return { keys: Object.keys(value as object), value };
  } catch (error) {
    if (!(error instanceof SnsMessageError)) throw error;
    return { code: error.code, message: error.message };
  }
}

/** What the zod schema alone answers, as validateSnsMessage did before the hand check. */
function schemaOutcome(value: unknown): unknown {
  const result = snsMessageSchema.safeParse(withHttpKeyCasing(value));
  if (result.success) return { keys: Object.keys(result.data), value: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'body';
  return { code: 'invalid-envelope', message: `SNS message ${where}: ${issue?.message ?? 'invalid'}` };
}

describe('the hand check of SNS envelopes agrees with the schema', () => {
  it('takes the fast path for every genuine AWS message and for what the test signer writes', () => {
    const texts = Object.values(genuine);
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) {
      const json: unknown = JSON.parse(text);
      // Lambda records spell the URL keys differently; validateSnsMessage renames them first.
      expect(acceptSnsMessage(withHttpKeyCasing(json)), text).toBeDefined();
      expect(outcome(() => validateSnsMessage(json))).toEqual(schemaOutcome(json));
      expect(outcome(() => parseSnsMessage(text))).toEqual(schemaOutcome(json));
    }
    for (const base of bases) expect(acceptSnsMessage(JSON.parse(JSON.stringify(base)))).toBeDefined();
  });

  it('agrees on every single field removed or replaced by each listed value', () => {
    let accepted = 0;
    for (const base of bases) {
      for (const field of FIELDS) {
        for (const edit of ['delete', ...REPLACEMENTS]) {
          const value: Record<string, unknown> = { ...base };
          if (edit === 'delete') delete value[field];
          else value[field] = edit;
          const fast = acceptSnsMessage(withHttpKeyCasing(value));
          if (fast !== undefined) {
            accepted++;
            const result = snsMessageSchema.safeParse(withHttpKeyCasing(value));
            expect(result.success, JSON.stringify(value)).toBe(true);
            expect(Object.keys(fast)).toEqual(Object.keys(result.data!));
            expect(fast).toStrictEqual(result.data);
          }
          expect(outcome(() => validateSnsMessage(value))).toEqual(schemaOutcome(value));
        }
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('never accepts what the schema refuses, and returns what it returns (keys in the same order)', () => {
    fc.assert(
      fc.property(candidate, (value) => {
        const accepted = acceptSnsMessage(withHttpKeyCasing(value));
        const result = snsMessageSchema.safeParse(withHttpKeyCasing(value));
        if (accepted !== undefined) {
          expect(result.success, JSON.stringify(value)).toBe(true);
          expect(Object.keys(accepted)).toEqual(Object.keys(result.data!));
          expect(accepted).toStrictEqual(result.data);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('validateSnsMessage and parseSnsMessage answer exactly what the schema alone answered', () => {
    fc.assert(
      fc.property(candidate, (value) => {
        expect(outcome(() => validateSnsMessage(value))).toEqual(schemaOutcome(value));
        const text = JSON.stringify(value);
        expect(outcome(() => parseSnsMessage(text))).toEqual(schemaOutcome(JSON.parse(text) as unknown));
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves objects that JSON.parse does not make (arrays, class instances, null prototypes) to the schema', () => {
    const plain = { ...notification };
    class Envelope {
      constructor() {
        Object.assign(this, plain);
      }
    }
    const values: unknown[] = [
      [plain],
      new Envelope(),
      Object.assign(Object.create(null) as object, plain),
      Object.create(plain),
      'text',
      42,
      null,
      undefined,
    ];
    for (const value of values) {
      expect(acceptSnsMessage(value)).toBeUndefined();
      expect(outcome(() => validateSnsMessage(value))).toEqual(schemaOutcome(value));
    }
  });
});

/** The Lambda-to-HTTP renaming of URL keys, as validateSnsMessage applies it before any check. */
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
