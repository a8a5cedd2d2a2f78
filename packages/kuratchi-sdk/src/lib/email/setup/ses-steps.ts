import {
  CreateConfigurationSetCommand,
  GetConfigurationSetCommand,
  PutConfigurationSetTrackingOptionsCommand,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { isAwsError } from './aws-errors.js';
import { eventDestinationNameOf, listEventDestinations } from './event-destination-name.js';
import { destinationDifferences, ensureEventDestination } from './event-destinations.js';
import type { SetupContext } from './setup-context.js';
import type { Step } from './steps.js';

/**
 * The configuration set exists (created with the tracking options when given).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateConfigurationSet.html
 */
export const configurationSetStep: Step<SetupContext> = {
  name: 'configuration-set',
  plan: (c) => `create the SES configuration set ${c.options.configurationSetName} if it does not exist`,
  async run(c) {
    const name = c.options.configurationSetName;
    const existing = await readConfigurationSet(c.clients.sesv2, name);
    if (existing) {
      c.currentTrackingOptions = existing.TrackingOptions;
      return { status: 'unchanged', detail: `configuration set ${name} exists` };
    }
    const tracking = desiredTrackingOptions(c);
    try {
      await c.clients.sesv2.send(
        new CreateConfigurationSetCommand({
          ConfigurationSetName: name,
          ...(tracking ? { TrackingOptions: tracking } : {}),
        }),
      );
    } catch (error) {
      // Created meanwhile by someone else: it exists, which is all this step ensures.
      if (!isAwsError(error, 'AlreadyExistsException')) throw error;
      c.currentTrackingOptions = (await readConfigurationSet(c.clients.sesv2, name))?.TrackingOptions;
      return { status: 'unchanged', detail: `configuration set ${name} exists` };
    }
    c.configurationSetCreated = true;
    c.currentTrackingOptions = tracking;
    return { status: 'created', detail: `created configuration set ${name}` };
  },
};

/**
 * Open and click tracking uses the custom redirect domain (only when given).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetTrackingOptions.html
 */
export const trackingOptionsStep: Step<SetupContext> = {
  name: 'tracking-options',
  plan: (c) =>
    `use ${c.options.trackingOptions?.customRedirectDomain} as the custom redirect domain of open and click tracking`,
  async run(c) {
    const desired = desiredTrackingOptions(c)!;
    const current = c.currentTrackingOptions;
    const same =
      current?.CustomRedirectDomain?.toLowerCase() === desired.CustomRedirectDomain.toLowerCase() &&
      (desired.HttpsPolicy === undefined || current?.HttpsPolicy === desired.HttpsPolicy);
    if (same) {
      return {
        status: c.configurationSetCreated ? 'created' : 'unchanged',
        detail: `custom redirect domain ${desired.CustomRedirectDomain}`,
      };
    }
    await c.clients.sesv2.send(
      new PutConfigurationSetTrackingOptionsCommand({
        ConfigurationSetName: c.options.configurationSetName,
        ...desired,
      }),
    );
    c.currentTrackingOptions = desired;
    return {
      status: 'updated',
      detail: `custom redirect domain ${current?.CustomRedirectDomain ?? '(none)'} -> ${desired.CustomRedirectDomain}`,
    };
  },
};

/**
 * The configuration set publishes the chosen event types to the topic through an enabled SNS
 * event destination: created, or updated when it exists with other settings. Its name is the one
 * given, else an existing `kuratchi-sns` or (the seed's) `sns-events`, else `kuratchi-sns`
 * (`event-destination-name.ts`).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateConfigurationSetEventDestination.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateConfigurationSetEventDestination.html
 */
export const eventDestinationStep: Step<SetupContext> = {
  name: 'event-destination',
  plan: (c) =>
    `publish ${c.options.eventTypes.join(', ')} of ${c.options.configurationSetName} to the topic through the enabled event destination ${c.eventDestinationName}`,
  async run(c) {
    // Without a name, the list says which destination is setup's; it then serves the step too.
    const listed =
      c.options.eventDestinationName === undefined
        ? await listEventDestinations(c.clients.sesv2, c.options.configurationSetName)
        : undefined;
    if (listed) c.eventDestinationName = eventDestinationNameOf(listed);
    return ensureEventDestination(
      c.clients.sesv2,
      { ConfigurationSetName: c.options.configurationSetName, EventDestinationName: c.eventDestinationName },
      { Enabled: true, MatchingEventTypes: c.options.eventTypes, SnsDestination: { TopicArn: c.topicArn } },
      (current) =>
        destinationDifferences(
          current,
          c.options.eventTypes,
          current.SnsDestination?.TopicArn !== c.topicArn
            ? `it published to ${current.SnsDestination?.TopicArn ?? 'another kind of destination'}`
            : null,
        ),
      c.topicArn,
      listed,
    );
  },
};

/** The configuration set, or null when it does not exist. */
export async function readConfigurationSet(sesv2: SESv2Client, name: string) {
  try {
    return await sesv2.send(new GetConfigurationSetCommand({ ConfigurationSetName: name }));
  } catch (error) {
    if (isAwsError(error, 'NotFoundException')) return null;
    throw error;
  }
}

function desiredTrackingOptions(c: SetupContext) {
  const tracking = c.options.trackingOptions;
  if (!tracking) return undefined;
  return {
    CustomRedirectDomain: tracking.customRedirectDomain,
    ...(tracking.httpsPolicy ? { HttpsPolicy: tracking.httpsPolicy } : {}),
  };
}
