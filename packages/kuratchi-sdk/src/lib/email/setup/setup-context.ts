import type { AwsPlace } from '../shared/aws-names.js';
import type { SesEventTrackingClients, ValidSetupOptions } from './options.js';

/** What the setup steps share: the options, the clients, and what earlier steps found or made. */
export interface SetupContext {
  options: ValidSetupOptions;
  clients: SesEventTrackingClients;
  /** Unknown in a dry run without `accountId` (no AWS call is made). */
  place: AwsPlace | null;
  topicArn: string;
  configurationSetArn: string;
  /** The dead-letter queue's ARN, and its URL once found or created. */
  deadLetterQueueArn: string;
  deadLetterQueueUrl?: string;
  topicAttributes: Record<string, string>;
  /** The SNS event destination's name: as planned, then as the event destination step chose it. */
  eventDestinationName: string;
  /** What the caller must do for events to flow, in words (a policy statement to add, a subscription to make). */
  nextSteps: string[];
  /** Whether the configuration set was created (with the tracking options) by this run. */
  configurationSetCreated: boolean;
  currentTrackingOptions?: { CustomRedirectDomain?: string | undefined; HttpsPolicy?: string | undefined } | undefined;
  subscriptionArn?: string;
  subscriptionPending?: boolean;
  /** Whether this run subscribed the webhook (then with its RedrivePolicy from the start). */
  subscriptionCreated?: boolean;
  /** The attributes of the webhook's confirmed subscription, as the subscription step read them. */
  subscriptionAttributes?: Record<string, string>;
}
