import { describe, expect, it } from 'vitest';
import { SnsVerificationError } from './errors.js';
import { snsHostOfTopic } from '../shared/aws-names.js';
import { assertSigningCertUrl } from './sns-urls.js';

/** Every genuine AWS-signed message we hold (fixtures/genuine/README.md). */
const genuine = Object.values(
  import.meta.glob<string>('./fixtures/genuine/*.json', { eager: true, query: '?raw', import: 'default' }),
).map((text) => JSON.parse(text) as Record<string, string>);

describe('assertSigningCertUrl', () => {
  it('accepts the SigningCertURL of every genuine AWS message for its own topic, unchanged', () => {
    expect(genuine.length).toBeGreaterThanOrEqual(19);
    for (const message of genuine) {
      const url = message['SigningCertURL'] ?? message['SigningCertUrl']!;
      expect(assertSigningCertUrl(url, message['TopicArn']!).href).toBe(url);
    }
  });

  it('refuses the genuine URL of one region for a topic of another', () => {
    const url = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem';
    expect(() => assertSigningCertUrl(url, 'arn:aws:sns:us-east-1:123456789012:t')).toThrow(
      expect.objectContaining({ code: 'cert-url-not-sns-host' }) as SnsVerificationError,
    );
  });

  it('ties the China and GovCloud partitions to their own hosts', () => {
    expect(snsHostOfTopic('arn:aws-cn:sns:cn-north-1:123456789012:t')).toBe('sns.cn-north-1.amazonaws.com.cn');
    expect(snsHostOfTopic('arn:aws-us-gov:sns:us-gov-west-1:123456789012:t')).toBe('sns.us-gov-west-1.amazonaws.com');
    const path = '/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
    const chinaTopic = 'arn:aws-cn:sns:cn-north-1:123456789012:t';
    expect(() => assertSigningCertUrl(`https://sns.cn-north-1.amazonaws.com${path}`, chinaTopic)).toThrow(
      expect.objectContaining({ code: 'cert-url-not-sns-host' }) as SnsVerificationError,
    );
    expect(assertSigningCertUrl(`https://sns.cn-north-1.amazonaws.com.cn${path}`, chinaTopic).pathname).toBe(path);
  });
});
