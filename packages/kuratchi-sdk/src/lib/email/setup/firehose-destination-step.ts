import { destinationDifferences, ensureEventDestination } from './event-destinations.js';
import type { SetupContext } from './setup-context.js';
import type { Step } from './steps.js';

/**
 * The configuration set also publishes the chosen event types to an Amazon Data Firehose stream
 * through an enabled event destination of kind `KinesisFirehoseDestination` (stream ARN and the
 * IAM role SES assumes): created, or updated when it exists with another stream, role or types.
 * Only when `firehose` is given.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_KinesisFirehoseDestination.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateConfigurationSetEventDestination.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-firehose.html
 */
export const firehoseDestinationStep: Step<SetupContext> = {
  name: 'firehose-event-destination',
  plan: (c) =>
    `publish ${c.options.eventTypes.join(', ')} of ${c.options.configurationSetName} to the Firehose stream ${c.options.firehose!.deliveryStreamArn} through the enabled event destination ${c.options.firehose!.eventDestinationName}`,
  run(c) {
    const { deliveryStreamArn, iamRoleArn, eventDestinationName } = c.options.firehose!;
    return ensureEventDestination(
      c.clients.sesv2,
      { ConfigurationSetName: c.options.configurationSetName, EventDestinationName: eventDestinationName },
      {
        Enabled: true,
        MatchingEventTypes: c.options.eventTypes,
        KinesisFirehoseDestination: { DeliveryStreamArn: deliveryStreamArn, IamRoleArn: iamRoleArn },
      },
      (current) => {
        const now = current.KinesisFirehoseDestination;
        const target =
          now?.DeliveryStreamArn !== deliveryStreamArn || now?.IamRoleArn !== iamRoleArn
            ? `it published to ${now?.DeliveryStreamArn ?? 'another kind of destination'}${now ? ` as ${now.IamRoleArn}` : ''}`
            : null;
        return destinationDifferences(current, c.options.eventTypes, target);
      },
      deliveryStreamArn,
    );
  },
};
