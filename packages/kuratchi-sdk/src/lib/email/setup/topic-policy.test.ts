import { describe, expect, it } from 'vitest';
import { hasStatement, sesPublishStatement, withoutStatement, withStatement } from './topic-policy.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const SET = 'arn:aws:ses:eu-west-1:123456789012:configuration-set/kuratchi-email-tracking';
const ours = sesPublishStatement(TOPIC, '123456789012', SET);
const owner = {
  Sid: '__default_statement_ID',
  Effect: 'Allow',
  Principal: { AWS: '*' },
  Action: ['SNS:Publish'],
  Resource: TOPIC,
};

describe('topic policy statement for SES', () => {
  it('adds the statement to a policy, keeping the others and the version', () => {
    const { policy, changed } = withStatement(JSON.stringify({ Version: '2008-10-17', Statement: [owner] }), ours);
    expect(changed).toBe(true);
    expect(JSON.parse(policy)).toEqual({ Version: '2008-10-17', Statement: [owner, ours] });
  });

  it('creates a policy when the topic has none', () => {
    expect(JSON.parse(withStatement(undefined, ours).policy)).toEqual({ Version: '2012-10-17', Statement: [ours] });
  });

  it('changes nothing when an equivalent statement is there (key order, list of one, action case)', () => {
    const equivalent = {
      Condition: { StringEquals: { 'AWS:SourceArn': SET, 'AWS:SourceAccount': '123456789012' } },
      Action: ['sns:Publish'],
      Resource: [TOPIC],
      Principal: { Service: ['ses.amazonaws.com'] },
      Effect: 'Allow',
      Sid: ours.Sid,
    };
    const current = JSON.stringify({ Statement: [owner, equivalent] });
    expect(withStatement(current, ours)).toEqual({ policy: current, changed: false });
    expect(hasStatement(current, ours)).toBe(true);
  });

  it('replaces an outdated statement of the same Sid (another configuration set)', () => {
    const outdated = sesPublishStatement(TOPIC, '123456789012', `${SET}-old`);
    const { policy, changed } = withStatement(JSON.stringify({ Statement: [outdated, owner] }), ours);
    expect(changed).toBe(true);
    expect(JSON.parse(policy).Statement).toEqual([owner, ours]);
    expect(hasStatement(JSON.stringify({ Statement: [outdated] }), ours)).toBe(false);
  });

  it('removes only its own statement', () => {
    const { policy, changed } = withoutStatement(JSON.stringify({ Statement: [owner, ours] }), ours.Sid!);
    expect(changed).toBe(true);
    expect(JSON.parse(policy).Statement).toEqual([owner]);
    expect(withoutStatement(policy, ours.Sid!).changed).toBe(false);
  });
});
