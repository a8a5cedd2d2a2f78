import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient, SNSClientConfig } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import { z } from 'zod';
import { configurationSetNameSchema } from '../shared/configuration-set.js';
import type { FlatCredentials } from './credentials.js';
import {
  DEFAULT_FIREHOSE_EVENT_DESTINATION_NAME,
  SES_EVENT_DESTINATION_TYPES,
  type SesEventDestinationType,
} from './defaults.js';
import { addIssues, httpsUrl, queueNameFits, targetFields, targetIssues, withTopicName } from './target-schema.js';

/** The AWS clients setup, status and teardown use; any of them may be injected. */
export interface SesEventTrackingClients {
  sns: SNSClient;
  sesv2: SESv2Client;
  sts: STSClient;
  /** The dead-letter queue of the webhook's subscription. */
  sqs: SQSClient;
}

/**
 * Which resources, where, and how to reach AWS: common to setup, status and teardown. Unknown
 * keys are refused (a misspelt option is an error, never ignored).
 */
export interface SesEventTrackingTarget extends FlatCredentials {
  /** AWS region of the configuration set and the topic (SES publishes to a topic of its own region). */
  region: string;
  /**
   * Credentials; default the flat `accessKeyId`/`secretAccessKey`/`sessionToken`, else the AWS
   * SDK's default chain (environment, profile, SSO… in Node). Both forms at once must agree.
   */
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
  /**
   * The topic setup manages: created (tagged `kuratchi:managed-by`), or adopted when it exists;
   * default `kuratchi-ses-events` (a standard topic: SES does not publish to FIFO topics).
   */
  topicName?: string;
  /**
   * A topic of yours, used as given (the seed's call): setup creates no topic and changes none of
   * its attributes, it reads its policy and reports whether SES may publish (with the statement
   * to add when not); teardown never deletes it. Same region, and the credentials' account.
   */
  snsTopicArn?: string;
  /**
   * Name of the SNS event destination in the configuration set; default an existing
   * `kuratchi-sns`, else an existing SNS destination `sns-events` (the seed's), else `kuratchi-sns`.
   */
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
  /**
   * The webhook SNS posts to: `https://…/api/webhooks/ses-events` (a Basic credential may be in
   * the URL), subscribed with its dead-letter queue. Without it nothing is subscribed (you
   * subscribe yourself): the report's `nextSteps` says what to do.
   */
  webhookUrl?: string;
  /** Event types to publish; default all ten. */
  eventTypes?: SesEventDestinationType[];
  /** SNS signature version of the topic's messages; default `'2'` (SHA256). Not with `snsTopicArn`. */
  signatureVersion?: '1' | '2';
  /** HTTPS delivery policy of the topic; default SNS's own. Not with `snsTopicArn`. */
  deliveryPolicy?: HttpsDeliveryPolicy;
  /** Open and click tracking through a custom redirect domain of your own. */
  trackingOptions?: { customRedirectDomain: string; httpsPolicy?: 'REQUIRE' | 'REQUIRE_OPEN_ONLY' | 'OPTIONAL' };
  /**
   * Also publish the same event types to an Amazon Data Firehose stream (an SES event destination
   * of kind `KinesisFirehoseDestination`), e.g. one whose HTTP endpoint destination is the
   * dashboard's Firehose endpoint, or S3 for `kuratchi-ses import`. The stream and the IAM role
   * SES assumes to write to it (`firehose:PutRecordBatch`) are yours to create.
   * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-firehose.html
   */
  firehose?: FirehoseDestinationOptions;
  /**
   * Associate the configuration set with every SES tenant of the account (one per organisation
   * when the dashboard runs with `KURATCHI_SES_TENANTS=on`), so sends with `TenantName` may use
   * it. Default false.
   * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenantResourceAssociation.html
   */
  tenants?: boolean;
  /** Report the plan without calling AWS. */
  dryRun?: boolean;
}

/**
 * The Firehose event destination of `setupSESEventTracking`.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_KinesisFirehoseDestination.html
 */
export interface FirehoseDestinationOptions {
  /** ARN of the Firehose stream: `arn:aws:firehose:<region>:<account>:deliverystream/<name>`. */
  deliveryStreamArn: string;
  /** ARN of the IAM role SES assumes to put records on the stream: `arn:aws:iam::<account>:role/<name>`. */
  iamRoleArn: string;
  /** Name of the event destination; default `kuratchi-firehose`. */
  eventDestinationName?: string;
}

/** Options of `getSESEventTrackingStatus`. */
export interface SesEventTrackingStatusOptions extends SesEventTrackingTarget {
  /** The webhook whose subscription to report; default any HTTPS subscription of the topic. */
  webhookUrl?: string;
  /** Also report which SES tenants of the account lack the configuration set. Default false. */
  tenants?: boolean;
}

/** Options of `teardownSESEventTracking`. */
export interface TeardownSesEventTrackingOptions extends SesEventTrackingTarget {
  /**
   * Only this webhook's subscription is removed; default every HTTPS subscription of a topic setup
   * manages (of a topic of yours, or an untagged one, none unless this is given).
   */
  webhookUrl?: string;
  /** Name of the Firehose event destination to remove too (absent is fine); default `kuratchi-firehose`. */
  firehoseEventDestinationName?: string;
  /** Keep the configuration set (only its event destination is removed): sending with it keeps working. */
  keepConfigurationSet?: boolean;
  /**
   * Delete the topic even when subscriptions other than the webhook's remain, and the dead-letter
   * queue even when it still holds messages (run `kuratchi-ses redrive` first: they are lost). A
   * topic setup does not manage (yours, or untagged) is never deleted, forced or not.
   */
  force?: boolean;
  /** Report the plan without calling AWS. */
  dryRun?: boolean;
}

const seconds = z.number().int().min(1).max(3600);
const count = z.number().int().min(0).max(100);

/** Validated {@link SetupSesEventTrackingOptions}, defaults filled in. */
export const setupOptionsSchema = z
  .object({
    ...targetFields,
    webhookUrl: httpsUrl.optional(),
    eventTypes: z
      .array(z.enum(SES_EVENT_DESTINATION_TYPES))
      .min(1, 'must list at least one event type')
      .transform((types) => [...new Set(types)])
      .default([...SES_EVENT_DESTINATION_TYPES]),
    signatureVersion: z.enum(['1', '2']).optional(),
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
    firehose: z
      .object({
        deliveryStreamArn: z
          .string()
          .regex(
            /^arn:aws(-cn|-us-gov)?:firehose:[a-z0-9-]+:\d{12}:deliverystream\/[A-Za-z0-9_.-]{1,64}$/,
            'must be a Firehose stream ARN (arn:aws:firehose:<region>:<account>:deliverystream/<name>)',
          ),
        iamRoleArn: z
          .string()
          .regex(
            /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
            'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
          ),
        eventDestinationName: configurationSetNameSchema.default(DEFAULT_FIREHOSE_EVENT_DESTINATION_NAME),
      })
      .strict()
      .optional(),
    tenants: z.boolean().default(false),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .superRefine((o, ctx) => {
    addIssues(targetIssues(o), ctx);
    // A topic of yours keeps its attributes: setup reads it and changes nothing of it.
    for (const option of ['signatureVersion', 'deliveryPolicy'] as const)
      if (o.snsTopicArn !== undefined && o[option] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [option],
          message: 'sets an attribute of the topic, which setup leaves as it is when the topic is yours (snsTopicArn)',
        });
  })
  .transform((o) => ({ ...withTopicName(o), signatureVersion: o.signatureVersion ?? ('2' as const) }))
  .refine(...queueNameFits);

/** Validated {@link SesEventTrackingStatusOptions}. */
export const statusOptionsSchema = z
  .object({ ...targetFields, webhookUrl: httpsUrl.optional(), tenants: z.boolean().default(false) })
  .strict()
  .superRefine((o, ctx) => addIssues(targetIssues(o), ctx))
  .transform(withTopicName)
  .refine(...queueNameFits);

/** Validated {@link TeardownSesEventTrackingOptions}. */
export const teardownOptionsSchema = z
  .object({
    ...targetFields,
    webhookUrl: httpsUrl.optional(),
    keepConfigurationSet: z.boolean().default(false),
    firehoseEventDestinationName: configurationSetNameSchema.default(DEFAULT_FIREHOSE_EVENT_DESTINATION_NAME),
    force: z.boolean().default(false),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .superRefine((o, ctx) => addIssues(targetIssues(o), ctx))
  .transform(withTopicName)
  .refine(...queueNameFits);

/** {@link SetupSesEventTrackingOptions} after validation. */
export type ValidSetupOptions = z.output<typeof setupOptionsSchema>;
/** {@link TeardownSesEventTrackingOptions} after validation. */
export type ValidTeardownOptions = z.output<typeof teardownOptionsSchema>;
