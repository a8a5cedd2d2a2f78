import { describe, expect, it } from 'vitest';
import {
  AWS_REGION_PATTERN,
  isSnsHost,
  isSnsTopicArn,
  parseSnsTopicArn,
  partitionOfRegion,
  snsHostOfRegion,
  snsHostOfTopic,
} from './aws-names.js';

/** Every genuine AWS-signed message we hold (events/fixtures/genuine/README.md). */
const genuine = Object.values(
  import.meta.glob<string>('../sns/fixtures/genuine/*.json', { eager: true, query: '?raw', import: 'default' }),
).map((text) => JSON.parse(text) as Record<string, string>);

describe('AWS names', () => {
  it('reads the TopicArn and SigningCertURL host of every genuine AWS message', () => {
    expect(genuine.length).toBeGreaterThanOrEqual(19);
    for (const message of genuine) {
      const arn = message['TopicArn']!;
      const parts = parseSnsTopicArn(arn);
      expect(parts, arn).not.toBeNull();
      expect(`arn:${parts!.partition}:sns:${parts!.region}:${parts!.accountId}:${parts!.topicName}`).toBe(arn);
      const host = new URL(message['SigningCertURL'] ?? message['SigningCertUrl']!).hostname;
      expect(isSnsHost(host), host).toBe(true);
      expect(snsHostOfTopic(arn)).toBe(host);
    }
  });

  it('accepts standard topics of each partition, in their own regions only', () => {
    expect(isSnsTopicArn('arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events')).toBe(true);
    expect(isSnsTopicArn('arn:aws-cn:sns:cn-northwest-1:123456789012:t')).toBe(true);
    expect(isSnsTopicArn('arn:aws-us-gov:sns:us-gov-west-1:123456789012:t')).toBe(true);
    expect(isSnsTopicArn('arn:aws:sns:cn-north-1:123456789012:t')).toBe(false);
    expect(isSnsTopicArn('arn:aws-cn:sns:eu-west-1:123456789012:t')).toBe(false);
    expect(isSnsTopicArn('arn:aws:sns:us-gov-east-1:123456789012:t')).toBe(false);
  });

  it('refuses FIFO topics (they cannot deliver to HTTPS endpoints) and anything not an SNS topic', () => {
    for (const arn of [
      'arn:aws:sns:eu-west-1:123456789012:events.fifo',
      'arn:aws:sqs:eu-west-1:123456789012:queue',
      'arn:aws:sns:eu-west-1:12345678901:t',
      'arn:aws:sns:eu-west-1:123456789012:',
      `arn:aws:sns:eu-west-1:123456789012:${'t'.repeat(257)}`,
      'arn:aws:sns:EU-WEST-1:123456789012:t',
      'arn:aws:sns:eu-west:123456789012:t',
      'arn:aws-iso:sns:us-iso-east-1:123456789012:t',
      'arn:aws:sns:eu-west-1:123456789012:t:subscription-id',
      ' arn:aws:sns:eu-west-1:123456789012:t',
    ]) {
      expect(isSnsTopicArn(arn), arn).toBe(false);
    }
  });

  it('one region rule and one partition rule', () => {
    for (const region of ['us-east-1', 'us-gov-west-1', 'cn-northwest-1', 'ap-southeast-3', 'il-central-1']) {
      expect(AWS_REGION_PATTERN.test(region), region).toBe(true);
    }
    for (const region of ['', 'us-east', 'us_east_1', 'US-EAST-1', 'us-east-1a', 'x-east-1']) {
      expect(AWS_REGION_PATTERN.test(region), region).toBe(false);
    }
    expect(partitionOfRegion('cn-north-1')).toBe('aws-cn');
    expect(partitionOfRegion('us-gov-east-1')).toBe('aws-us-gov');
    expect(partitionOfRegion('eu-central-2')).toBe('aws');
  });

  it('the SNS host of a region, China on .com.cn, and nothing else is an SNS host', () => {
    expect(snsHostOfRegion('eu-west-1')).toBe('sns.eu-west-1.amazonaws.com');
    expect(snsHostOfRegion('cn-north-1')).toBe('sns.cn-north-1.amazonaws.com.cn');
    expect(isSnsHost('sns.cn-north-1.amazonaws.com.cn')).toBe(true);
    for (const host of [
      'sns.cn-north-1.amazonaws.com',
      'sns.eu-west-1.amazonaws.com.cn',
      'sns.eu-west-1.amazonaws.com.evil.example',
      'sqs.eu-west-1.amazonaws.com',
      'sns.amazonaws.com',
      'sns.eu-west-1.amazonaws.comx',
    ]) {
      expect(isSnsHost(host), host).toBe(false);
    }
  });
});
