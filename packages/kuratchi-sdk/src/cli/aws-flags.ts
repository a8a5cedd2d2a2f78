import type { SesEventTrackingTarget } from 'kuratchi-sdk/internal/setup';
import { stringFlag, type ParsedArgs } from './args.js';
import { own, use, type Flag } from './flags.js';
import { UsageError } from './usage-error.js';

/** Flags shared by setup, status and teardown: where the resources are and how to reach AWS (SNS, SESv2, SQS, STS). */
export const AWS_FLAGS: readonly Flag[] = [
  use('region', { note: 'default AWS_REGION or AWS_DEFAULT_REGION' }),
  use('profile', { note: "default the AWS SDK's credential chain" }),
  own('account-id', {
    kind: 'text',
    value: 'ID',
    meaning: 'the AWS account id (default: asked of STS GetCallerIdentity)',
  }),
  own('configuration-set', {
    kind: 'text',
    value: 'NAME',
    meaning: 'the SES configuration set',
    default: 'kuratchi-email-tracking',
  }),
  own('topic', {
    kind: 'text',
    value: 'NAME',
    meaning: 'the SNS topic setup manages (creates, tags, may delete)',
    default: 'kuratchi-ses-events',
  }),
  use('topic-arn', {
    note: 'a topic of yours instead of --topic: used as given, only read, never created, changed or deleted',
  }),
  own('event-destination', {
    kind: 'text',
    value: 'NAME',
    meaning: 'the SNS event destination name',
    default: 'an existing kuratchi-sns, else an existing sns-events, else kuratchi-sns',
  }),
  own('dead-letter-queue', {
    kind: 'text',
    value: 'NAME',
    meaning: 'the SQS dead-letter queue of the subscription',
    default: '<topic>-dlq',
  }),
  use('aws-endpoint-url'),
  use('json'),
];

/** The target options of the flags. Credentials come from the AWS SDK's default chain. */
export function targetFromFlags(args: ParsedArgs): SesEventTrackingTarget {
  const region = stringFlag(args, 'region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError('--region is required (or set AWS_REGION)');
  const optional = {
    profile: stringFlag(args, 'profile'),
    accountId: stringFlag(args, 'account-id'),
    configurationSetName: stringFlag(args, 'configuration-set'),
    topicName: stringFlag(args, 'topic'),
    snsTopicArn: stringFlag(args, 'topic-arn'),
    eventDestinationName: stringFlag(args, 'event-destination'),
    deadLetterQueueName: stringFlag(args, 'dead-letter-queue'),
    awsEndpoint: stringFlag(args, 'aws-endpoint-url'),
  };
  return { region, ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)) };
}
