import { accountStep, placedContext } from './account-step.js';
import { redactUrl } from './aws-errors.js';
import { resolveClients } from './aws-clients.js';
import { setupOptionsSchema, type SetupSesEventTrackingOptions } from './options.js';
import { deadLetterQueueStep, subscriptionDeadLetterStep } from './dead-letter-queue-step.js';
import { configurationSetStep, eventDestinationStep, trackingOptionsStep } from './ses-steps.js';
import { firehoseDestinationStep } from './firehose-destination-step.js';
import type { SetupContext } from './setup-context.js';
import { deliveryPolicyStep, signatureVersionStep, topicPolicyStep, topicStep } from './sns-topic-steps.js';
import { runReport, type RunReport, type Step, type StepReport } from './steps.js';
import { subscriptionStep } from './subscription-step.js';
import { tenantAssociationsStep } from './tenant-associations.js';
import { parseOptions } from '../shared/invalid-options.js';
import { plannedEventDestinationName } from './event-destination-name.js';
import { yourTopicPolicyStep, yourTopicSignatureStep, yourTopicStep } from './your-topic-steps.js';

/** What `setupSESEventTracking` did (or, in a dry run, would do). */
export interface SetupReport extends RunReport {
  configurationSetName: string;
  /** The SNS event destination's name (as chosen: given, found, or `kuratchi-sns` created). */
  eventDestinationName: string;
  /**
   * True when setup manages the topic (created or adopted, tagged, its attributes set); false for
   * a topic of yours (`snsTopicArn`), which setup only read.
   */
  topicManaged: boolean;
  /** The webhook URL, its password replaced by `****`; absent when no webhook was given (nothing subscribed). */
  webhookUrl?: string;
  subscriptionArn?: string;
  /** The SQS dead-letter queue of the subscription (its URL is known once found or created). */
  deadLetterQueueArn?: string;
  deadLetterQueueUrl?: string;
  /** True until the webhook confirms the subscription. */
  subscriptionPending?: boolean;
  /** One entry per step, in order: `account`, `topic`, `topic-signature-version`, `topic-policy`,
   * [`topic-delivery-policy`], `configuration-set`, [`tracking-options`], `event-destination`,
   * [`firehose-event-destination`], [`tenant-associations`], and with a webhook `dead-letter-queue`, `subscription`,
   * `subscription-dead-letter`. */
  steps: StepReport[];
  /**
   * What only you can do for events to flow, in words: the policy statement your topic needs,
   * the subscription to make when no webhook was given. Empty when nothing is left to do.
   */
  nextSteps: string[];
}

/**
 * Sets up SES event publishing to the webhook, idempotently, in this order:
 * the account (STS), the SNS topic (standard), its `SignatureVersion`, its access policy letting
 * SES publish (restricted by `AWS:SourceAccount` and `AWS:SourceArn` of the configuration set),
 * optionally its HTTPS delivery policy, the SES configuration set, optionally its tracking options,
 * the SNS event destination (created, or updated when it differs), optionally the Kinesis Data
 * Firehose event destination (`firehose`: same types, to your stream), with `tenants` the
 * configuration set's association with every SES tenant of the account, the SQS dead-letter queue
 * of the subscription (standard, 14-day retention, SNS may send for this topic only), and the
 * HTTPS subscription of the webhook with its `RedrivePolicy` naming that queue. Each step reads
 * the current state and changes only what differs, so a second run
 * reports everything `unchanged` and calls no mutating API. A step that fails stops the run: the
 * report says what was done, what failed (with what to do) and what was skipped; running again
 * resumes. With `dryRun` nothing is called: every step is `planned`.
 *
 * The subscription stays pending until the webhook confirms it, which the kuratchi webhook does
 * by itself once the topic ARN is in its allowlist (`KURATCHI_ALLOWED_TOPIC_ARNS`).
 *
 * The seed's call works as written: `{ region, accessKeyId, secretAccessKey, snsTopicArn,
 * configurationSetName }`. Credentials may be flat; a topic given by ARN is yours: used as given,
 * only read (`your-topic-steps.ts`: its policy checked, the missing statement reported in
 * `nextSteps`), never deleted by teardown; without `webhookUrl` nothing is subscribed and
 * `nextSteps` says how to subscribe; an existing SNS destination `sns-events` is taken as the
 * event destination.
 * @throws {InvalidOptionsError} for invalid options (nothing is called then). AWS errors are
 *   reported in the result, never thrown.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-sns.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-http-https-endpoint-as-subscriber.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 */
export async function setupSESEventTracking(input: SetupSesEventTrackingOptions): Promise<SetupReport> {
  const options = parseOptions('setupSESEventTracking', setupOptionsSchema, input);
  const context: SetupContext = {
    ...placedContext({ options, clients: resolveClients(input) }),
    topicAttributes: {},
    configurationSetCreated: false,
    eventDestinationName: plannedEventDestinationName(options.eventDestinationName),
    nextSteps: [],
  };
  const managed = options.snsTopicArn === undefined;
  const steps: Step<SetupContext>[] = [
    accountStep as Step<SetupContext>,
    ...(managed
      ? [topicStep, signatureVersionStep, topicPolicyStep]
      : [yourTopicStep, yourTopicSignatureStep, yourTopicPolicyStep]),
    ...(options.deliveryPolicy ? [deliveryPolicyStep] : []),
    configurationSetStep,
    ...(options.trackingOptions ? [trackingOptionsStep] : []),
    eventDestinationStep,
    ...(options.firehose ? [firehoseDestinationStep] : []),
    ...(options.tenants ? [tenantAssociationsStep] : []),
    ...(options.webhookUrl ? [deadLetterQueueStep, subscriptionStep, subscriptionDeadLetterStep] : []),
  ];
  const { steps: reports, error, ...run } = await runReport(steps, context, options);
  if (!options.webhookUrl && run.ok) context.nextSteps.push(subscribeYourself(context));
  return {
    ...run,
    configurationSetName: options.configurationSetName,
    eventDestinationName: context.eventDestinationName,
    topicManaged: managed,
    ...(options.webhookUrl ? { webhookUrl: redactUrl(options.webhookUrl) } : {}),
    ...(context.place ? { deadLetterQueueArn: context.deadLetterQueueArn } : {}),
    ...(context.deadLetterQueueUrl ? { deadLetterQueueUrl: context.deadLetterQueueUrl } : {}),
    ...(context.subscriptionArn ? { subscriptionArn: context.subscriptionArn } : {}),
    ...(context.subscriptionPending !== undefined ? { subscriptionPending: context.subscriptionPending } : {}),
    steps: reports,
    nextSteps: context.nextSteps,
    ...(error ? { error } : {}),
  };
}

/** What to do when setup subscribed nothing (no `webhookUrl`). */
function subscribeYourself(c: SetupContext): string {
  return `no webhook is subscribed (no webhookUrl): subscribe your HTTPS endpoint to ${c.topicArn} (SNS Subscribe, protocol https, raw message delivery off) and add the topic to its allowed topics (KURATCHI_ALLOWED_TOPIC_ARNS), or run setup again with webhookUrl, which also makes the subscription's dead-letter queue`;
}
