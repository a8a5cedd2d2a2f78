/**
 * The options every target shares (setup, status, teardown) as a schema: region, credentials
 * (nested or flat), names, the topic (managed or yours), and the checks across them, each
 * reported as an issue of its option. The rules themselves live in `credentials.ts` and
 * `topic-choice.ts`.
 */
import { z } from 'zod';
import { AWS_REGION_PATTERN, SNS_TOPIC_NAME_PATTERN, SQS_STANDARD_QUEUE_NAME_PATTERN } from '../shared/aws-names.js';
import { configurationSetNameSchema, DEFAULT_CONFIGURATION_SET_NAME } from '../shared/configuration-set.js';
import { credentialIssues, flatCredentialFields } from './credentials.js';
import { defaultDeadLetterQueueName } from './defaults.js';
import { topicChoiceIssues, topicNameOf } from './topic-choice.js';

const region = z.string().regex(AWS_REGION_PATTERN, 'must be an AWS region like eu-west-1');
/** An https:// URL without a fragment (the webhook contract is HTTPS only). */
export const httpsUrl = z
  .url('must be an absolute URL')
  .refine(
    (value) => new URL(value).protocol === 'https:',
    'must be an https:// URL (the webhook contract is HTTPS only)',
  )
  .refine((value) => !new URL(value).hash, 'must not have a #fragment');

/** The schema fields of `SesEventTrackingTarget`. */
export const targetFields = {
  region,
  credentials: z.unknown().optional(),
  ...flatCredentialFields,
  profile: z.string().min(1).optional(),
  awsEndpoint: z.url('must be an absolute URL').optional(),
  clients: z.object({ sns: z.unknown(), sesv2: z.unknown(), sts: z.unknown(), sqs: z.unknown() }).partial().optional(),
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
  configurationSetName: configurationSetNameSchema.default(DEFAULT_CONFIGURATION_SET_NAME),
  topicName: z
    .string()
    .regex(
      SNS_TOPIC_NAME_PATTERN,
      'must be 1 to 256 letters, digits, "_" or "-" (a standard topic: SES cannot publish to FIFO topics)',
    )
    .optional(),
  // Checked with the region and account (topicChoiceIssues), so the message names them all.
  snsTopicArn: z.string().optional(),
  eventDestinationName: configurationSetNameSchema.optional(),
  deadLetterQueueName: z
    .string()
    .regex(
      SQS_STANDARD_QUEUE_NAME_PATTERN,
      'must be 1 to 80 letters, digits, "_" or "-" (a standard queue: the subscription of a standard topic takes no FIFO dead-letter queue)',
    )
    .optional(),
};

/**
 * The dead-letter queue's name: the one given, or the topic's name and `-dlq`.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 */
export function deadLetterQueueNameOf(options: {
  topicName: string;
  deadLetterQueueName?: string | undefined;
}): string {
  return options.deadLetterQueueName ?? defaultDeadLetterQueueName(options.topicName);
}

/** A topic name too long for the default queue name needs `deadLetterQueueName` (SQS names: at most 80). */
export const queueNameFits: [
  (o: { topicName: string; deadLetterQueueName?: string | undefined }) => boolean,
  { path: string[]; message: string },
] = [
  (o) => SQS_STANDARD_QUEUE_NAME_PATTERN.test(deadLetterQueueNameOf(o)),
  {
    path: ['deadLetterQueueName'],
    message: 'is required when the topic name is longer than 76 characters (an SQS queue name has at most 80)',
  },
];

/** Problems found across options, each naming its option. */
export type Issues = Array<{ path: string; message: string }>;

/** Adds the cross-option problems (credentials, topic) as issues of their option. */
export function addIssues(issues: Issues, ctx: z.RefinementCtx): void {
  for (const { path, message } of issues) ctx.addIssue({ code: 'custom', path: [path], message });
}

/** The checks every target shares: the credentials given one way, the topic named one way. */
export function targetIssues(
  o: Parameters<typeof credentialIssues>[0] & Parameters<typeof topicChoiceIssues>[0],
): Issues {
  return [...credentialIssues(o), ...topicChoiceIssues(o)];
}

/** The topic's name filled in (the ARN's, the one given, or the default). */
export function withTopicName<T extends { topicName?: string | undefined; snsTopicArn?: string | undefined }>(
  o: T,
): T & { topicName: string } {
  return { ...o, topicName: topicNameOf(o) };
}
