import {
  DeleteConfigurationSetCommand,
  DeleteConfigurationSetEventDestinationCommand,
  GetConfigurationSetEventDestinationsCommand,
} from '@aws-sdk/client-sesv2';
import { parseOptions } from '../shared/invalid-options.js';
import { accountStep, placedContext } from './account-step.js';
import { resolveClients } from './aws-clients.js';
import { deadLetterQueueTeardownStep } from './dead-letter-queue-teardown.js';
import { isAwsError } from './aws-errors.js';
import {
  eventDestinationNameOf,
  listEventDestinations,
  plannedEventDestinationName,
} from './event-destination-name.js';
import { teardownOptionsSchema, type TeardownSesEventTrackingOptions } from './options.js';
import { runReport, type RunReport, type Step } from './steps.js';
import type { TeardownContext } from './teardown-context.js';
import { subscriptionTeardownStep, topicTeardownStep } from './topic-teardown.js';

/**
 * What `teardownSESEventTracking` removed (or, in a dry run, would remove); its `steps` are
 * `account`, `event-destination`, `firehose-event-destination`, `configuration-set`,
 * `subscription`, `topic`, `dead-letter-queue`: deleted, absent, kept, failed…
 */
export type TeardownReport = RunReport;

/**
 * Deletes one event destination of the configuration set: `deleted`, or `absent` when not there.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_DeleteConfigurationSetEventDestination.html
 */
function deleteDestinationStep(name: string, destinationOf: (c: TeardownContext) => string): Step<TeardownContext> {
  return {
    name,
    plan: (c) => `delete the event destination ${destinationOf(c)} of ${c.options.configurationSetName}`,
    async run(c) {
      const destination = destinationOf(c);
      try {
        await c.clients.sesv2.send(
          new DeleteConfigurationSetEventDestinationCommand({
            ConfigurationSetName: c.options.configurationSetName,
            EventDestinationName: destination,
          }),
        );
        return { status: 'deleted', detail: `deleted event destination ${destination}` };
      } catch (error) {
        if (isAwsError(error, 'NotFoundException'))
          return { status: 'absent', detail: `no event destination ${destination}` };
        throw error;
      }
    },
  };
}

/**
 * The SNS event destination: the one named, else the one setup would take (`kuratchi-sns`, else
 * the seed's `sns-events`), looked up first so an absent one makes no mutating call.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetConfigurationSetEventDestinations.html
 */
const eventDestinationStep: Step<TeardownContext> = {
  name: 'event-destination',
  plan: (c) =>
    `delete the event destination ${plannedEventDestinationName(c.options.eventDestinationName)} of ${c.options.configurationSetName}`,
  async run(c) {
    const given = c.options.eventDestinationName;
    if (given !== undefined) return deleteDestinationStep('event-destination', () => given).run(c);
    const destinations = await listEventDestinations(c.clients.sesv2, c.options.configurationSetName);
    const name = eventDestinationNameOf(destinations);
    if (!destinations.some((d) => d.Name === name)) return { status: 'absent', detail: `no event destination ${name}` };
    return deleteDestinationStep('event-destination', () => name).run(c);
  },
};

/**
 * The Firehose destination setup creates when asked (`firehose`): looked up first, so a
 * deployment without one makes no mutating call (`absent`).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetConfigurationSetEventDestinations.html
 */
const firehoseDestinationStep: Step<TeardownContext> = {
  ...deleteDestinationStep('firehose-event-destination', (c) => c.options.firehoseEventDestinationName),
  async run(c) {
    const name = c.options.firehoseEventDestinationName;
    let names: string[];
    try {
      const output = await c.clients.sesv2.send(
        new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: c.options.configurationSetName }),
      );
      names = (output.EventDestinations ?? []).map((d) => d.Name ?? '');
    } catch (error) {
      if (isAwsError(error, 'NotFoundException')) return { status: 'absent', detail: `no event destination ${name}` };
      throw error;
    }
    if (!names.includes(name)) return { status: 'absent', detail: `no event destination ${name}` };
    return deleteDestinationStep('firehose-event-destination', () => name).run(c);
  },
};

const configurationSetStep: Step<TeardownContext> = {
  name: 'configuration-set',
  plan: (c) =>
    c.options.keepConfigurationSet
      ? `keep the configuration set ${c.options.configurationSetName}`
      : `delete the configuration set ${c.options.configurationSetName} unless other event destinations use it`,
  async run(c) {
    const name = c.options.configurationSetName;
    if (c.options.keepConfigurationSet) return { status: 'kept', detail: `configuration set ${name} kept, as asked` };
    let others: string[];
    try {
      const output = await c.clients.sesv2.send(
        new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: name }),
      );
      others = (output.EventDestinations ?? []).map((d) => d.Name ?? '?');
    } catch (error) {
      if (isAwsError(error, 'NotFoundException')) return { status: 'absent', detail: `no configuration set ${name}` };
      throw error;
    }
    if (others.length)
      return {
        status: 'kept',
        detail: `configuration set ${name} kept: other event destinations use it (${others.join(', ')})`,
      };
    await c.clients.sesv2.send(new DeleteConfigurationSetCommand({ ConfigurationSetName: name }));
    return {
      status: 'deleted',
      detail: `deleted configuration set ${name} (sending with it now fails until setup runs again)`,
    };
  },
};

/**
 * Removes what `setupSESEventTracking` created, newest first: the event destination, the Firehose
 * event destination (when there), the
 * configuration set (kept when asked, or when other event destinations use it), the webhook's
 * subscription, and the topic (kept, without SES's publish permission, when subscriptions other
 * than the webhook's remain, unless `force`), and the subscription's SQS dead-letter queue (kept
 * while it holds messages, unless `force`). Missing resources are reported `absent`, so it is
 * safe to run twice. A failing step stops the run, reported like setup's. Only a topic setup
 * manages (tagged at creation) is ever deleted: a topic of yours (`snsTopicArn`) or an untagged
 * one is kept, and only the named webhook's subscription is removed from it
 * (`topic-teardown.ts`).
 * @throws {InvalidOptionsError} for invalid options; AWS errors are reported in the result.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_DeleteConfigurationSet.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_DeleteTopic.html
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteQueue.html
 */
export async function teardownSESEventTracking(input: TeardownSesEventTrackingOptions): Promise<TeardownReport> {
  const options = parseOptions('teardownSESEventTracking', teardownOptionsSchema, input);
  const context: TeardownContext = placedContext({ options, clients: resolveClients(input) });
  const steps = [
    accountStep as Step<TeardownContext>,
    eventDestinationStep,
    firehoseDestinationStep,
    configurationSetStep,
    subscriptionTeardownStep,
    topicTeardownStep,
    deadLetterQueueTeardownStep as Step<TeardownContext>,
  ];
  return runReport(steps, context, options);
}
