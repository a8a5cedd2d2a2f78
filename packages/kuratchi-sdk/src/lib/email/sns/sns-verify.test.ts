import { beforeAll, describe, expect, it, vi } from 'vitest';
import { SnsMessageError, SnsVerificationError, type SnsVerificationErrorCode } from './errors.js';
import type { SnsMessage } from './sns-message.js';
import { createSigningKeyCache } from './signing-key-cache.js';
import { snsStringToSign, verifySnsMessage, type VerifySnsOptions } from './sns-verify.js';
import { createSnsSigner, type SnsSigner, type UnsignedSnsMessage } from '../testing/sns-signer.js';
import { TEST_NOW, testIso, testTime } from '../../../../test/clock.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events';
const NOW = TEST_NOW;
const TIMESTAMP = testIso(-29_877);
const HOUR_MS = 3_600_000;
const HEX = '0123456789abcdef0123456789abcdef';

const notification: UnsignedSnsMessage = {
  Type: 'Notification',
  MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
  TopicArn: TOPIC,
  Subject: 'Amazon SES Email Event Notification',
  Message: '{"eventType":"Delivery","note":"Grüße, 日本語, emoji 📬"}',
  Timestamp: TIMESTAMP,
  UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
};
const { Subject: _subject, ...notificationWithoutSubject } = notification as Extract<
  UnsignedSnsMessage,
  { Type: 'Notification' }
>;
const subscriptionConfirmation: UnsignedSnsMessage = {
  Type: 'SubscriptionConfirmation',
  MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
  Token:
    '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736',
  Message: 'You have chosen to subscribe to the topic arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events.',
  SubscribeURL:
    'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events&Token=2336412f37',
  Timestamp: TIMESTAMP,
  TopicArn: TOPIC,
};
const unsubscribeConfirmation: UnsignedSnsMessage = {
  ...(subscriptionConfirmation as Extract<UnsignedSnsMessage, { Type: 'SubscriptionConfirmation' }>),
  Type: 'UnsubscribeConfirmation',
  MessageId: '47138184-6831-46b8-8f7c-afc488602d7d',
  Message:
    'You have chosen to deactivate subscription arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events:2bcfbf39.',
};

let signer: SnsSigner;
let options: VerifySnsOptions;

beforeAll(async () => {
  signer = await createSnsSigner();
  options = { fetchCertificate: signer.fetchCertificate, now: NOW, allowedTopicArns: [TOPIC] };
});

async function expectRejected(body: string | SnsMessage, code: SnsVerificationErrorCode, opts = options) {
  const error = await verifySnsMessage(body, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SnsVerificationError);
  expect((error as SnsVerificationError).code).toBe(code);
}

describe('snsStringToSign', () => {
  it('writes Name\\nValue\\n per Notification field in the documented order, Subject included', () => {
    const message = { ...notification, Signature: 'x', SignatureVersion: '1', SigningCertURL: 'x' } as SnsMessage;
    expect(snsStringToSign(message)).toBe(
      `Message\n${notification.Message}\nMessageId\n${notification.MessageId}\n` +
        `Subject\nAmazon SES Email Event Notification\nTimestamp\n${TIMESTAMP}\nTopicArn\n${TOPIC}\nType\nNotification\n`,
    );
  });

  it('leaves Subject out when it is absent or null', () => {
    const base = { ...notificationWithoutSubject, Signature: 'x', SignatureVersion: '1', SigningCertURL: 'x' };
    const expected = `Message\n${notification.Message}\nMessageId\n${notification.MessageId}\nTimestamp\n${TIMESTAMP}\nTopicArn\n${TOPIC}\nType\nNotification\n`;
    expect(snsStringToSign(base as SnsMessage)).toBe(expected);
    expect(snsStringToSign({ ...base, Subject: null } as SnsMessage)).toBe(expected);
  });

  it('signs SubscribeURL and Token for confirmations, and not UnsubscribeURL', () => {
    const message = {
      ...subscriptionConfirmation,
      Signature: 'x',
      SignatureVersion: '1',
      SigningCertURL: 'x',
    } as SnsMessage;
    const c = subscriptionConfirmation as Extract<UnsignedSnsMessage, { Type: 'SubscriptionConfirmation' }>;
    expect(snsStringToSign(message)).toBe(
      `Message\n${c.Message}\nMessageId\n${c.MessageId}\nSubscribeURL\n${c.SubscribeURL}\nTimestamp\n${TIMESTAMP}\n` +
        `Token\n${c.Token}\nTopicArn\n${TOPIC}\nType\nSubscriptionConfirmation\n`,
    );
  });
});

describe('verifySnsMessage accepts what SNS signs', () => {
  const cases = [
    ['Notification with Subject', notification],
    ['Notification without Subject', notificationWithoutSubject],
    ['SubscriptionConfirmation', subscriptionConfirmation],
    ['UnsubscribeConfirmation', unsubscribeConfirmation],
  ] as const;
  for (const [name, message] of cases) {
    for (const version of ['1', '2'] as const) {
      it(`${name}, SignatureVersion ${version}, as a JSON body and as an object`, async () => {
        const signed = await signer.sign(message as UnsignedSnsMessage, version);
        await expect(verifySnsMessage(JSON.stringify(signed), options)).resolves.toMatchObject({
          MessageId: message.MessageId,
          Type: message.Type,
        });
        await expect(verifySnsMessage(signed, options)).resolves.toMatchObject({ Message: message.Message });
      });
    }
  }

  it('accepts a null Subject (SNS writes it for messages published without one)', async () => {
    const signed = await signer.sign(notificationWithoutSubject as UnsignedSnsMessage);
    await expect(verifySnsMessage({ ...signed, Subject: null } as SnsMessage, options)).resolves.toBeTruthy();
  });

  it('accepts any topic only when told so in words (allowAnyTopic: true), as offline tools do', async () => {
    const signed = await signer.sign({ ...notification, TopicArn: 'arn:aws:sns:eu-west-1:123456789012:other' });
    const { allowedTopicArns: _, ...anyTopic } = options;
    await expect(verifySnsMessage(signed, { ...anyTopic, allowAnyTopic: true })).resolves.toMatchObject({
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:other',
    });
  });
});

describe('verifySnsMessage rejects tampering, one field at a time', () => {
  const fields = ['Message', 'MessageId', 'Subject', 'Timestamp', 'Type'] as const;
  for (const version of ['1', '2'] as const) {
    for (const field of fields) {
      it(`Notification ${field} changed (v${version})`, async () => {
        const signed = (await signer.sign(notification, version)) as Record<string, unknown>;
        const tampered = { ...signed, [field]: tamper(field, signed[field]) };
        if (field === 'Type') {
          // Turning a Notification into a confirmation needs its fields: the signature still fails.
          Object.assign(tampered, {
            SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
            Token: 't',
          });
        }
        await expectRejected(tampered as SnsMessage, 'signature-mismatch');
      });
    }
    for (const field of ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token'] as const) {
      it(`SubscriptionConfirmation ${field} changed (v${version})`, async () => {
        const signed = (await signer.sign(subscriptionConfirmation, version)) as Record<string, unknown>;
        await expectRejected({ ...signed, [field]: tamper(field, signed[field]) } as SnsMessage, 'signature-mismatch');
      });
    }
    it(`a Subject added to a message signed without one (v${version})`, async () => {
      const signed = await signer.sign(notificationWithoutSubject as UnsignedSnsMessage, version);
      await expectRejected({ ...signed, Subject: 'injected' } as SnsMessage, 'signature-mismatch');
    });
    it(`the Subject removed from a message signed with one (v${version})`, async () => {
      const { Subject: _s, ...signed } = (await signer.sign(notification, version)) as Record<string, unknown>;
      await expectRejected(signed as SnsMessage, 'signature-mismatch');
    });
  }

  it('a TopicArn changed to another allowed topic', async () => {
    const other = 'arn:aws:sns:us-east-1:123456789012:other-topic';
    const signed = await signer.sign(notification);
    await expectRejected({ ...signed, TopicArn: other }, 'signature-mismatch', {
      ...options,
      allowedTopicArns: [TOPIC, other],
    });
  });

  it('a version 2 signature presented as version 1, and the reverse (hash swapped)', async () => {
    const v2 = await signer.sign(notification, '2');
    await expectRejected({ ...v2, SignatureVersion: '1' }, 'signature-mismatch');
    const v1 = await signer.sign(notification, '1');
    await expectRejected({ ...v1, SignatureVersion: '2' }, 'signature-mismatch');
  });

  it('a signature of another message (swapped signatures)', async () => {
    const a = await signer.sign(notification);
    const b = await signer.sign({ ...notification, MessageId: 'another-id' });
    await expectRejected({ ...a, Signature: b.Signature }, 'signature-mismatch');
  });

  it('a signature made with another key under the same certificate URL', async () => {
    const impostor = await createSnsSigner({ certUrl: signer.certUrlFor(TOPIC) });
    await expectRejected(await impostor.sign(notification), 'signature-mismatch');
  });

  it('unsupported signature versions', async () => {
    const signed = await signer.sign(notification);
    for (const version of ['3', '0', '', 'SHA256', ' 2']) {
      await expectRejected({ ...signed, SignatureVersion: version }, 'unsupported-signature-version');
    }
  });

  it('a signature that is not base64', async () => {
    const signed = await signer.sign(notification);
    await expectRejected({ ...signed, Signature: 'not*base64!' }, 'signature-malformed');
  });

  it('every topic, of any account, when no allowlist is given (secure by default)', async () => {
    const { allowedTopicArns: _, ...noList } = options;
    const ours = await signer.sign(notification);
    const error = await verifySnsMessage(ours, noList).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'topic-not-allowed' });
    expect((error as Error).message).toContain('no allowedTopicArns were given');
    const elsewhere = await signer.sign({ ...notification, TopicArn: 'arn:aws:sns:eu-west-1:999999999999:theirs' });
    await expectRejected(elsewhere, 'topic-not-allowed', noList);
    // Only `true` opens it: a truthy value of another type does not.
    await expectRejected(ours, 'topic-not-allowed', { ...noList, allowAnyTopic: 'yes' as never });
  });

  it('refuses allowedTopicArns and allowAnyTopic together (a programming error)', async () => {
    const error = await verifySnsMessage(await signer.sign(notification), { ...options, allowAnyTopic: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
  });

  it('a topic not on the allowlist, and every topic when the allowlist is empty', async () => {
    const signed = await signer.sign({ ...notification, TopicArn: 'arn:aws:sns:us-east-1:123456789012:evil' });
    await expectRejected(signed, 'topic-not-allowed');
    await expectRejected(await signer.sign(notification), 'topic-not-allowed', { ...options, allowedTopicArns: [] });
  });

  it('a timestamp older than maxAgeSeconds, or too far in the future', async () => {
    const old = await signer.sign({ ...notification, Timestamp: testIso(-HOUR_MS - 1000) });
    await expectRejected(old, 'timestamp-too-old');
    await expect(verifySnsMessage(old, { ...options, maxAgeSeconds: 7200 })).resolves.toBeTruthy();
    const future = await signer.sign({ ...notification, Timestamp: testIso(5 * 60_000 + 1000) });
    await expectRejected(future, 'timestamp-in-future');
    const slightlyAhead = await signer.sign({ ...notification, Timestamp: testIso(5 * 60_000 - 1000) });
    await expect(verifySnsMessage(slightlyAhead, options)).resolves.toBeTruthy();
  });

  it('a certificate not valid yet or expired at `now`', async () => {
    const expired = await createSnsSigner({
      notBefore: testTime(-365 * 24 * HOUR_MS),
      notAfter: testTime(-HOUR_MS),
    });
    await expectRejected(await expired.sign(notification), 'certificate-expired', {
      ...options,
      fetchCertificate: expired.fetchCertificate,
    });
    const early = await createSnsSigner({
      notBefore: testTime(12 * HOUR_MS),
    });
    await expectRejected(await early.sign(notification), 'certificate-not-yet-valid', {
      ...options,
      fetchCertificate: early.fetchCertificate,
    });
  });
});

describe('SigningCertURL policy', () => {
  const rejected: Array<[string, SnsVerificationErrorCode]> = [
    ['http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem', 'cert-url-not-https'],
    ['https://evil.example/SimpleNotificationService-x.pem', 'cert-url-not-sns-host'],
    ['https://s3.amazonaws.com/sns.us-east-1.amazonaws.com/x.pem', 'cert-url-not-sns-host'],
    ['https://my-bucket.s3.us-east-1.amazonaws.com/SimpleNotificationService-x.pem', 'cert-url-not-sns-host'],
    ['https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-x.pem', 'cert-url-not-sns-host'],
    ['https://sns.us-east-1.amazonaws.com@evil.example/SimpleNotificationService-x.pem', 'cert-url-has-credentials'],
    ['https://user:pass@sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem', 'cert-url-has-credentials'],
    ['https://sns.amazonaws.com/SimpleNotificationService-x.pem', 'cert-url-not-sns-host'],
    ['https://sns..amazonaws.com/SimpleNotificationService-x.pem', 'cert-url-not-sns-host'],
    ['https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-x.pem', 'cert-url-not-sns-host'],
    ['https://sns.us-east-1.amazonaws.com.cn/SimpleNotificationService-x.pem', 'cert-url-not-sns-host'],
    ['https://evilsns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem', 'cert-url-not-sns-host'],
    ['https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.crt', 'cert-url-not-pem'],
    ['https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem?x=.pem', 'cert-url-not-pem'],
    ['https://sns.us-east-1.amazonaws.com/x.pem/', 'cert-url-not-pem'],
    ['not a url', 'cert-url-invalid'],
    // The SNS host of another region than the topic's (us-east-1), with a well-formed path.
    [`https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-${HEX}.pem`, 'cert-url-not-sns-host'],
    [`https://sns.us-east-2.amazonaws.com/SimpleNotificationService-${HEX}.pem`, 'cert-url-not-sns-host'],
    [`https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-${HEX}.pem`, 'cert-url-not-sns-host'],
    // The topic's own SNS host, with a path that is not /SimpleNotificationService-<32 hex>.pem.
    ['https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem', 'cert-url-not-pem'],
    ['https://sns.us-east-1.amazonaws.com/SimpleNotificationService-kuratchi-test.pem', 'cert-url-not-pem'],
    [`https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${HEX.slice(1)}.pem`, 'cert-url-not-pem'],
    [`https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${HEX}0.pem`, 'cert-url-not-pem'],
    [`https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${HEX.toUpperCase()}.pem`, 'cert-url-not-pem'],
    [`https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${HEX.slice(1)}g.pem`, 'cert-url-not-pem'],
    [`https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${HEX}.PEM`, 'cert-url-not-pem'],
    [`https://sns.us-east-1.amazonaws.com/certs/SimpleNotificationService-${HEX}.pem`, 'cert-url-not-pem'],
    [`https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${HEX}.pem?Action=x`, 'cert-url-not-pem'],
    [`https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${HEX}%2Epem`, 'cert-url-not-pem'],
    ['https://sns.us-east-1.amazonaws.com/fresh-0001.pem', 'cert-url-not-pem'],
  ];
  for (const [url, code] of rejected) {
    it(`rejects ${url} (${code}) without fetching`, async () => {
      const fetchCertificate = vi.fn(signer.fetchCertificate);
      const signed = await signer.sign(notification);
      await expectRejected({ ...signed, SigningCertURL: url }, code, { ...options, fetchCertificate });
      expect(fetchCertificate).not.toHaveBeenCalled();
    });
  }

  const accepted = [
    [
      'arn:aws-cn:sns:cn-north-1:123456789012:t',
      'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-3242f6a6c8d4bd2b36e1b3ce1bd5d4c4.pem',
    ],
    [
      'arn:aws-cn:sns:cn-northwest-1:123456789012:t',
      `https://sns.cn-northwest-1.amazonaws.com.cn/SimpleNotificationService-${HEX}.pem`,
    ],
    [
      'arn:aws-us-gov:sns:us-gov-west-1:123456789012:t',
      `https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-${HEX}.pem`,
    ],
    [
      'arn:aws:sns:eu-central-2:123456789012:t',
      `https://sns.eu-central-2.amazonaws.com/SimpleNotificationService-${HEX}.pem`,
    ],
    [
      'arn:aws:sns:ap-southeast-3:123456789012:t',
      `https://sns.ap-southeast-3.amazonaws.com/SimpleNotificationService-${HEX}.pem`,
    ],
    // An empty query or fragment names the same file.
    [TOPIC, `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${HEX}.pem?`],
  ] as const;
  for (const [topicArn, certUrl] of accepted) {
    it(`accepts ${certUrl} for ${topicArn}`, async () => {
      const regional = await createSnsSigner({ certUrl });
      const fetchCertificate = vi.fn(async () => regional.certificatePem);
      await expect(
        verifySnsMessage(await regional.sign({ ...notification, TopicArn: topicArn }), {
          ...options,
          fetchCertificate,
          allowedTopicArns: [topicArn],
        }),
      ).resolves.toBeTruthy();
      expect(fetchCertificate).toHaveBeenCalledWith(certUrl.replace(/\?$/, ''));
    });
  }
});

describe('cheap checks come before any certificate fetch', () => {
  it('never fetches for a disallowed topic, stale timestamp, bad version or malformed envelope', async () => {
    const fetchCertificate = vi.fn(signer.fetchCertificate);
    const opts = { ...options, fetchCertificate };
    const signed = await signer.sign(notification);
    await expectRejected({ ...signed, TopicArn: 'arn:aws:sns:us-east-1:123456789012:nope' }, 'topic-not-allowed', opts);
    await expectRejected({ ...signed, Timestamp: testIso(-24 * HOUR_MS) }, 'timestamp-too-old', opts);
    await expectRejected({ ...signed, SignatureVersion: '9' }, 'unsupported-signature-version', opts);
    await expectRejected({ ...signed, Signature: '%%%' }, 'signature-malformed', opts);
    await expect(verifySnsMessage('{"Type":"Notification"}', opts)).rejects.toBeInstanceOf(SnsMessageError);
    await expect(verifySnsMessage('not json', opts)).rejects.toMatchObject({ code: 'not-json' });
    expect(fetchCertificate).not.toHaveBeenCalled();
  });
});

describe('certificate fetching and caching (each test with a cache of its own)', () => {
  it('fetches a certificate once, then verifies from the cache', async () => {
    const fetchCertificate = vi.fn(signer.fetchCertificate);
    const opts = { ...options, fetchCertificate, keyCache: createSigningKeyCache() };
    await Promise.all(
      [1, 2, 3].map(async (n) => verifySnsMessage(await signer.sign({ ...notification, MessageId: `m${n}` }), opts)),
    );
    await verifySnsMessage(await signer.sign(notification, '1'), opts);
    expect(fetchCertificate).toHaveBeenCalledTimes(1);
  });

  it('reports an unreachable certificate as retryable, and remembers the failure only briefly', async () => {
    let up = false;
    const fetchCertificate = vi.fn(async (url: string) => {
      if (!up) throw new Error('connection refused');
      return signer.fetchCertificate(url);
    });
    const signed = await signer.sign(notification);
    const keyCache = createSigningKeyCache();
    const error = await verifySnsMessage(signed, { ...options, fetchCertificate, keyCache }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'certificate-unavailable', retryable: true });
    up = true;
    const later = new Date(NOW.getTime() + 11_000); // past the default failureTtlSeconds (10)
    await expect(
      verifySnsMessage(signed, { ...options, fetchCertificate, keyCache, now: later }),
    ).resolves.toBeTruthy();
    expect(fetchCertificate).toHaveBeenCalledTimes(2);
  });

  it('rejects a certificate URL that serves something other than a certificate', async () => {
    const signed = await signer.sign(notification);
    await expectRejected(signed, 'certificate-invalid', {
      ...options,
      keyCache: createSigningKeyCache(),
      fetchCertificate: async () => '<html>hello</html>',
    });
    await expectRejected(signed, 'certificate-invalid', {
      ...options,
      keyCache: createSigningKeyCache(),
      fetchCertificate: async () => '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
    });
  });
});

function tamper(field: string, value: unknown): string {
  if (field === 'Timestamp') return testIso(-28_877);
  if (field === 'Type') return 'SubscriptionConfirmation';
  return `${String(value)}x`;
}
