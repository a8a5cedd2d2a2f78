import { describe, expect, it } from 'vitest';
import { SnsVerificationError } from './errors.js';
import { snsHostOfTopic } from '../shared/aws-names.js';
import { assertSigningCertUrl, CHECKED_CERT_URLS_MAX, signingCertHref } from './sns-urls.js';

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

describe('signingCertHref (assertSigningCertUrl with the URLs that passed remembered)', () => {
  const HEX = '0123456789abcdef0123456789abcdef';
  const path = `/SimpleNotificationService-${HEX}.pem`;
  const urls = [
    ...genuine.map((message) => message['SigningCertURL'] ?? message['SigningCertUrl']!),
    `https://sns.us-east-1.amazonaws.com${path}`,
    `https://sns.us-east-1.amazonaws.com${path}?`,
    `https://sns.us-east-1.amazonaws.com${path}#`,
    `https://SNS.US-EAST-1.amazonaws.com${path}`,
    `https://sns.eu-west-1.amazonaws.com${path}`,
    `https://sns.cn-north-1.amazonaws.com.cn${path}`,
    `https://sns.cn-north-1.amazonaws.com${path}`,
    `https://sns.us-gov-west-1.amazonaws.com${path}`,
    `http://sns.us-east-1.amazonaws.com${path}`,
    `https://user:pass@sns.us-east-1.amazonaws.com${path}`,
    `https://sns.us-east-1.amazonaws.com:443${path}`,
    `https://sns.us-east-1.amazonaws.com:8443${path}`,
    `https://sns.us-east-1.amazonaws.com${path}?x=1`,
    `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem`,
    `https://sns.us-east-1.amazonaws.com.evil.example${path}`,
    'not a url',
    '',
  ];
  const topics = [
    'arn:aws:sns:us-east-1:123456789012:t',
    'arn:aws:sns:eu-west-1:123456789012:t',
    'arn:aws:sns:us-west-2:123456789012:t',
    'arn:aws-cn:sns:cn-north-1:123456789012:t',
    'arn:aws-us-gov:sns:us-gov-west-1:123456789012:t',
    ...new Set(genuine.map((message) => message['TopicArn']!)),
    'not an arn',
  ];

  /** The href, or the error's class, code and message. */
  function outcome(run: () => string): unknown {
    try {
      return run();
    } catch (error) {
      const { code, message } = error as SnsVerificationError;
      return { error: error instanceof SnsVerificationError, code, message };
    }
  }

  it('answers what assertSigningCertUrl answers, for every URL and topic, before and after it remembers the URL', () => {
    // Topics in both orders, so every URL is first seen with each kind of topic and then met again.
    for (const order of [topics, [...topics].reverse()]) {
      for (const url of urls) {
        for (const topic of order) {
          const expected = outcome(() => assertSigningCertUrl(url, topic).href);
          expect(
            outcome(() => signingCertHref(url, topic)),
            `${url} for ${topic}`,
          ).toEqual(expected);
          expect(
            outcome(() => signingCertHref(url, topic)),
            `${url} for ${topic}, again`,
          ).toEqual(expected);
        }
      }
    }
  });

  it('stays right once more URLs than it remembers went through it', () => {
    const topic = 'arn:aws:sns:us-east-1:123456789012:t';
    const many = Array.from(
      { length: CHECKED_CERT_URLS_MAX * 3 },
      (_, i) => `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${i.toString(16).padStart(32, '0')}.pem`,
    );
    for (const url of [...many, ...many]) {
      expect(signingCertHref(url, topic)).toBe(url);
      expect(outcome(() => signingCertHref(url, 'arn:aws:sns:eu-west-1:123456789012:t'))).toEqual(
        outcome(() => assertSigningCertUrl(url, 'arn:aws:sns:eu-west-1:123456789012:t').href),
      );
    }
  });
});
