import type { SesEventTrackingTarget } from 'kuratchi-sdk/email/setup';
import { stringFlag, type FlagSpec, type ParsedArgs } from './args.js';
import { UsageError } from './usage-error.js';

/** Flags shared by setup, status and teardown: where the resources are and how to reach AWS (SNS, SESv2, SQS, STS). */
export const AWS_FLAGS: FlagSpec = {
  region: { type: 'string' },
  profile: { type: 'string' },
  'account-id': { type: 'string' },
  'configuration-set': { type: 'string' },
  topic: { type: 'string' },
  'event-destination': { type: 'string' },
  'dead-letter-queue': { type: 'string' },
  'aws-endpoint-url': { type: 'string' },
  json: { type: 'boolean' },
};

/** Help lines of {@link AWS_FLAGS}. */
export const AWS_FLAGS_HELP = `  --region REGION            AWS region (default: AWS_REGION or AWS_DEFAULT_REGION)
  --profile NAME             named profile of the AWS config files (default: the SDK's credential chain)
  --account-id ID            the AWS account id (default: asked of STS GetCallerIdentity)
  --configuration-set NAME   SES configuration set (default kuratchi-email-tracking)
  --topic NAME               SNS topic name (default kuratchi-ses-events)
  --event-destination NAME   event destination name (default kuratchi-sns)
  --dead-letter-queue NAME   SQS dead-letter queue of the subscription (default <topic>-dlq)
  --aws-endpoint-url URL     send every AWS call to this endpoint (LocalStack, tests)
  --json                     print the result as JSON`;

/** The target options of the flags. Credentials come from the AWS SDK's default chain. */
export function targetFromFlags(args: ParsedArgs): SesEventTrackingTarget {
  const region = stringFlag(args, 'region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError('--region is required (or set AWS_REGION)');
  const optional = {
    profile: stringFlag(args, 'profile'),
    accountId: stringFlag(args, 'account-id'),
    configurationSetName: stringFlag(args, 'configuration-set'),
    topicName: stringFlag(args, 'topic'),
    eventDestinationName: stringFlag(args, 'event-destination'),
    deadLetterQueueName: stringFlag(args, 'dead-letter-queue'),
    awsEndpoint: stringFlag(args, 'aws-endpoint-url'),
  };
  return { region, ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)) };
}
