import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient, SNSClientConfig } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import { z } from 'zod';
import { AWS_REGION_PATTERN, SNS_TOPIC_NAME_PATTERN, SQS_STANDARD_QUEUE_NAME_PATTERN } from '../shared/aws-names.js';
import { configurationSetNameSchema, DEFAULT_CONFIGURATION_SET_NAME } from '../shared/configuration-set.js';
import {
  defaultDeadLetterQueueName,
  DEFAULT_EVENT_DESTINATION_NAME,
  DEFAULT_TOPIC_NAME,
  SES_EVENT_DESTINATION_TYPES,
  type SesEventDestinationType,
} from './defaults.js';

/** The AWS clients setup, status and teardown use; any of them may be injected. */
export interface SesEventTrackingClients {
  sns: SNSClient;
  sesv2: SESv2Client;
  sts: STSClient;
  /** The dead-letter queue of the webhook's subscription. */
  sqs: SQSClient;
}

/** Which resources, where, and how to reach AWS: common to setup, status and teardown. */
export interface SesEventTrackingTarget {
  /** AWS region of the configuration set and the topic (SES publishes to a topic of its own region). */
  region: string;
  /** Credentials; default the AWS SDK's default chain (environment, profile, SSO… in Node). */
  credentials?: SNSClientConfig['credentials'];
  /** Named profile of the shared AWS config files (Node only). */
  profile?: string;
  /** Overrides the endpoint of SNS, SESv2, SQS and STS alike (LocalStack, tests); never needed with AWS. */
  awsEndpoint?: string;
  /** Clients to use instead of creating them. */
  clients?: Partial<SesEventTrackingClients>;
  /** The AWS account id; default asked of STS GetCallerIdentity. */
  accountId?: string;
  /** Default `kuratchi-email-tracking`. */
  configurationSetName?: string;
  /** Default `kuratchi-ses-events` (a standard topic: SES does not publish to FIFO topics). */
  topicName?: string;
  /** Name of the event destination in the configuration set; default `kuratchi-sns`. */
  eventDestinationName?: string;
  /**
   * Name of the SQS dead-letter queue of the webhook's subscription (a standard queue, in the
   * topic's account and region); default the topic's name and `-dlq`.
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
   */
  deadLetterQueueName?: string;
}

/**
 * HTTPS delivery policy of the topic: how SNS retries and throttles deliveries to the webhook.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/set-topic-attributes-delivery-policy-json.html
 */
export interface HttpsDeliveryPolicy {
  healthyRetryPolicy?: {
    minDelayTarget?: number;
    maxDelayTarget?: number;
    numRetries?: number;
    numNoDelayRetries?: number;
    numMinDelayRetries?: number;
    numMaxDelayRetries?: number;
    backoffFunction?: 'linear' | 'arithmetic' | 'geometric' | 'exponential';
  };
  throttlePolicy?: { maxReceivesPerSecond?: number };
  requestPolicy?: { headerContentType?: string };
}

/** Options of `setupSESEventTracking`. */
export interface SetupSesEventTrackingOptions extends SesEventTrackingTarget {
  /** The webhook SNS posts to: `https://…/api/webhooks/ses-events` (a Basic credential may be in the URL). */
  webhookUrl: string;
  /** Event types to publish; default all ten. */
  eventTypes?: SesEventDestinationType[];
  /** SNS signature version of the topic's messages; default `'2'` (SHA256). */
  signatureVersion?: '1' | '2';
  /** HTTPS delivery policy of the topic; default SNS's own. */
  deliveryPolicy?: HttpsDeliveryPolicy;
  /** Open and click tracking through a custom redirect domain of your own. */
  trackingOptions?: { customRedirectDomain: string; httpsPolicy?: 'REQUIRE' | 'REQUIRE_OPEN_ONLY' | 'OPTIONAL' };
  /** Report the plan without calling AWS. */
  dryRun?: boolean;
}

/** Options of `getSESEventTrackingStatus`. */
export interface SesEventTrackingStatusOptions extends SesEventTrackingTarget {
  /** The webhook whose subscription to report; default any HTTPS subscription of the topic. */
  webhookUrl?: string;
}

/** Options of `teardownSESEventTracking`. */
export interface TeardownSesEventTrackingOptions extends SesEventTrackingTarget {
  /** Only this webhook's subscription is removed; default every HTTPS subscription of the topic. */
  webhookUrl?: string;
  /** Keep the configuration set (only its event destination is removed): sending with it keeps working. */
  keepConfigurationSet?: boolean;
  /**
   * Delete the topic even when subscriptions other than the webhook's remain, and the dead-letter
   * queue even when it still holds messages (run `kuratchi-ses redrive` first: they are lost).
   */
  force?: boolean;
  /** Report the plan without calling AWS. */
  dryRun?: boolean;
}

const region = z.string().regex(AWS_REGION_PATTERN, 'must be an AWS region like eu-west-1');
const httpsUrl = z
  .url('must be an absolute URL')
  .refine(
    (value) => new URL(value).protocol === 'https:',
    'must be an https:// URL (the webhook contract is HTTPS only)',
  )
  .refine((value) => !new URL(value).hash, 'must not have a #fragment');

const target = {
  region,
  credentials: z.unknown().optional(),
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
    .default(DEFAULT_TOPIC_NAME),
  eventDestinationName: configurationSetNameSchema.default(DEFAULT_EVENT_DESTINATION_NAME),
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
const queueNameFits: [
  (o: { topicName: string; deadLetterQueueName?: string | undefined }) => boolean,
  { path: string[]; message: string },
] = [
  (o) => SQS_STANDARD_QUEUE_NAME_PATTERN.test(deadLetterQueueNameOf(o)),
  {
    path: ['deadLetterQueueName'],
    message: 'is required when the topic name is longer than 76 characters (an SQS queue name has at most 80)',
  },
];

const seconds = z.number().int().min(1).max(3600);
const count = z.number().int().min(0).max(100);

/** Validated {@link SetupSesEventTrackingOptions}, defaults filled in. */
export const setupOptionsSchema = z
  .object({
    ...target,
    webhookUrl: httpsUrl,
    eventTypes: z
      .array(z.enum(SES_EVENT_DESTINATION_TYPES))
      .min(1, 'must list at least one event type')
      .transform((types) => [...new Set(types)])
      .default([...SES_EVENT_DESTINATION_TYPES]),
    signatureVersion: z.enum(['1', '2']).default('2'),
    deliveryPolicy: z
      .object({
        healthyRetryPolicy: z
          .object({
            minDelayTarget: seconds,
            maxDelayTarget: seconds,
            numRetries: count,
            numNoDelayRetries: count,
            numMinDelayRetries: count,
            numMaxDelayRetries: count,
            backoffFunction: z.enum(['linear', 'arithmetic', 'geometric', 'exponential']),
          })
          .partial()
          .strict()
          .refine(
            (p) =>
              p.minDelayTarget === undefined || p.maxDelayTarget === undefined || p.minDelayTarget <= p.maxDelayTarget,
            {
              message: 'minDelayTarget must not exceed maxDelayTarget',
            },
          )
          .optional(),
        throttlePolicy: z
          .object({ maxReceivesPerSecond: z.number().int().min(1) })
          .partial()
          .strict()
          .optional(),
        requestPolicy: z
          .object({ headerContentType: z.string().min(1) })
          .partial()
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    trackingOptions: z
      .object({
        customRedirectDomain: z
          .string()
          .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain name'),
        httpsPolicy: z.enum(['REQUIRE', 'REQUIRE_OPEN_ONLY', 'OPTIONAL']).optional(),
      })
      .strict()
      .optional(),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .refine(...queueNameFits);

/** Validated {@link SesEventTrackingStatusOptions}. */
export const statusOptionsSchema = z
  .object({ ...target, webhookUrl: httpsUrl.optional() })
  .strict()
  .refine(...queueNameFits);

/** Validated {@link TeardownSesEventTrackingOptions}. */
export const teardownOptionsSchema = z
  .object({
    ...target,
    webhookUrl: httpsUrl.optional(),
    keepConfigurationSet: z.boolean().default(false),
    force: z.boolean().default(false),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .refine(...queueNameFits);

/** {@link SetupSesEventTrackingOptions} after validation. */
export type ValidSetupOptions = z.output<typeof setupOptionsSchema>;
/** {@link TeardownSesEventTrackingOptions} after validation. */
export type ValidTeardownOptions = z.output<typeof teardownOptionsSchema>;
