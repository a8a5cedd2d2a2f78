/**
 * Which SNS topic setup, status and teardown work on: the one setup manages (`topicName`, default
 * `kuratchi-ses-events`: created, or adopted when it exists), or one of yours given by ARN
 * (`snsTopicArn`: used as given, never created, changed or deleted). One rule each for what an ARN
 * must be, and for how the two ways of naming a topic may be combined.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
import { parseSnsTopicArn } from '../shared/aws-names.js';
import { DEFAULT_TOPIC_NAME } from './defaults.js';

interface TopicInput {
  region: string;
  accountId?: string | undefined;
  topicName?: string | undefined;
  snsTopicArn?: string | undefined;
}

/**
 * The problems of the topic as given, each with the option to fix. An ARN must name a standard
 * topic in the options' `region` (the SNS client, and SES's event destination, are of that region)
 * and of `accountId` when that is given; `topicName`, when given too, must be its name.
 */
export function topicChoiceIssues(input: TopicInput): Array<{ path: string; message: string }> {
  if (input.snsTopicArn === undefined) return [];
  const arn = parseSnsTopicArn(input.snsTopicArn);
  if (!arn) {
    return [
      {
        path: 'snsTopicArn',
        message:
          'must be the ARN of a standard SNS topic: arn:aws:sns:<region>:<12-digit account>:<name> (SES cannot publish to FIFO topics)',
      },
    ];
  }
  const issues: Array<{ path: string; message: string }> = [];
  if (arn.region !== input.region)
    issues.push({
      path: 'snsTopicArn',
      message: `is a topic of ${arn.region}, not of region ${input.region}: the configuration set's SNS destination and the topic are in one region`,
    });
  if (input.accountId !== undefined && arn.accountId !== input.accountId)
    issues.push({ path: 'snsTopicArn', message: `is a topic of account ${arn.accountId}, not of accountId` });
  if (input.topicName !== undefined && arn.topicName !== input.topicName)
    issues.push({ path: 'topicName', message: 'names another topic than snsTopicArn: give one of them' });
  return issues;
}

/** The topic's name: the ARN's, the one given, or the default. */
export function topicNameOf(input: Pick<TopicInput, 'topicName' | 'snsTopicArn'>): string {
  const fromArn = input.snsTopicArn ? parseSnsTopicArn(input.snsTopicArn)?.topicName : undefined;
  return fromArn ?? input.topicName ?? DEFAULT_TOPIC_NAME;
}

/** The account of a given topic ARN, or undefined. */
export function topicAccountOf(snsTopicArn: string | undefined): string | undefined {
  return snsTopicArn ? parseSnsTopicArn(snsTopicArn)?.accountId : undefined;
}

/**
 * The account step's check for a topic of yours: the credentials must be of the topic's account,
 * since setup reads the topic and the configuration set publishes to it as that account.
 * @throws {Error} naming both accounts when they differ.
 */
export function assertTopicAccount(snsTopicArn: string | undefined, accountId: string): void {
  const owner = topicAccountOf(snsTopicArn);
  if (owner !== undefined && owner !== accountId) {
    throw new Error(
      `the topic ${snsTopicArn} (snsTopicArn) is of account ${owner}, but the credentials are of account ${accountId}: use credentials of the topic's account`,
    );
  }
}
