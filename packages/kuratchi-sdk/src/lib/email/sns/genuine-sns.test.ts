import { describe, expect, it } from 'vitest';
import { SnsVerificationError } from './errors.js';
import { verifySnsMessage } from './sns-verify.js';

/**
 * SNS messages really signed by AWS, with the certificates of their SigningCertURL (see
 * fixtures/genuine/README.md). The certificates have expired since, so each message is verified
 * at its own Timestamp, as it would have been on the day SNS delivered it.
 */
const messages = import.meta.glob<string>('./fixtures/genuine/*.json', {
  eager: true,
  query: '?raw',
  import: 'default',
});
const certificates = import.meta.glob<string>('./fixtures/genuine/*.pem', {
  eager: true,
  query: '?raw',
  import: 'default',
});

const cases = Object.entries(messages).map(([path, text]) => {
  const message = JSON.parse(text) as Record<string, string>;
  const pem = certificates[path.replace(/\.json$/, '.pem')];
  if (!pem) throw new Error(`no certificate for ${path}`);
  const certUrl = message['SigningCertURL'] ?? message['SigningCertUrl'];
  const fetchCertificate = async (url: string) => {
    if (url !== certUrl) throw new Error(`unexpected certificate URL ${url}`);
    return pem;
  };
  return {
    name: path.replace(/^.*\//, ''),
    text,
    message,
    options: { fetchCertificate, now: new Date(message['Timestamp']!), allowedTopicArns: [message['TopicArn']!] },
  };
});

describe('genuine AWS-signed SNS messages', () => {
  it('covers every message type and both signature versions', () => {
    expect(new Set(cases.map((c) => c.message['Type']))).toEqual(
      new Set(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
    );
    expect(new Set(cases.map((c) => c.message['SignatureVersion']))).toEqual(new Set(['1', '2']));
  });

  for (const { name, text, message, options } of cases) {
    it(`${name} verifies at its Timestamp`, async () => {
      await expect(verifySnsMessage(text, options)).resolves.toMatchObject({ MessageId: message['MessageId'] });
    });

    it(`${name} with one character of its Message changed is rejected`, async () => {
      const tampered = { ...message, Message: `${message['Message']} ` };
      await expect(verifySnsMessage(JSON.stringify(tampered), options)).rejects.toMatchObject({
        code: 'signature-mismatch',
      });
    });

    it(`${name} one day after its certificate expired is rejected`, async () => {
      const error = await verifySnsMessage(text, {
        ...options,
        now: new Date('2030-01-01T00:00:00Z'),
        maxAgeSeconds: 1e10,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SnsVerificationError);
      expect((error as SnsVerificationError).code).toBe('certificate-expired');
    });
  }
});
