import { describe, expect, it } from 'vitest';
import { sesMayPublish } from './ses-publish-check.js';
import { sesPublishStatement } from './topic-policy.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-events';
const ACCOUNT = '123456789012';
const SET = 'arn:aws:ses:eu-west-1:123456789012:configuration-set/acme';
const publisher = { topicArn: TOPIC, accountId: ACCOUNT, configurationSetArn: SET };
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ses = { Effect: 'Allow', Principal: { Service: 'ses.amazonaws.com' }, Action: 'SNS:Publish', Resource: TOPIC };

describe('sesMayPublish', () => {
  it("counts setup's own statement, and a hand-written one of another Sid and form", () => {
    expect(sesMayPublish(policy(sesPublishStatement(TOPIC, ACCOUNT, SET)), publisher)).toBe(true);
    expect(
      sesMayPublish(
        policy({
          ...ses,
          Sid: 'mine',
          Action: ['sns:publish'],
          Resource: 'arn:aws:sns:eu-west-1:123456789012:*',
          Condition: { StringLike: { 'aws:SourceArn': 'arn:aws:ses:eu-west-1:123456789012:configuration-set/*' } },
        }),
        publisher,
      ),
    ).toBe(true);
    expect(
      sesMayPublish(policy({ ...ses, Principal: { Service: ['sns.amazonaws.com', 'ses.amazonaws.com'] } }), publisher),
    ).toBe(true);
  });

  it('does not count what does not let SES publish for this account and configuration set', () => {
    const no = (statement: object) =>
      expect(sesMayPublish(policy(statement), publisher), JSON.stringify(statement)).toBe(false);
    no({ ...ses, Principal: { Service: 'sns.amazonaws.com' } });
    no({ ...ses, Action: 'SNS:Subscribe' });
    no({ ...ses, Resource: 'arn:aws:sns:eu-west-1:123456789012:other' });
    no({ ...ses, Condition: { StringEquals: { 'AWS:SourceAccount': '999999999999' } } });
    no({ ...ses, Condition: { ArnEquals: { 'AWS:SourceArn': `${SET}-other` } } });
    // A condition this check does not understand, and the owner-only statement every new topic has.
    no({ ...ses, Condition: { DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } } });
    no({ ...ses, Principal: { AWS: '*' }, Condition: { StringEquals: { 'AWS:SourceOwner': ACCOUNT } } });
    no({ ...ses, NotResource: 'x' });
    no({ ...ses, Effect: 'Deny' });
  });

  it('a Deny that could apply wins over an Allow; not JSON and no policy count as no', () => {
    expect(sesMayPublish(policy(ses, { ...ses, Effect: 'Deny' }), publisher)).toBe(false);
    expect(sesMayPublish(policy(ses), publisher)).toBe(true);
    expect(sesMayPublish('{not json', publisher)).toBe(false);
    expect(sesMayPublish(undefined, publisher)).toBe(false);
    expect(sesMayPublish(JSON.stringify({ Statement: ses }), publisher)).toBe(true);
  });
});
