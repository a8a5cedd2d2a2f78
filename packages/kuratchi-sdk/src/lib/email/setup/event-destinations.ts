import {
  CreateConfigurationSetEventDestinationCommand,
  GetConfigurationSetEventDestinationsCommand,
  UpdateConfigurationSetEventDestinationCommand,
  type EventDestination,
  type EventDestinationDefinition,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { isAwsError } from './aws-errors.js';
import type { StepOutcome } from './steps.js';

/**
 * Makes one event destination of a configuration set match `desired`, idempotently: created when
 * absent (an `AlreadyExistsException` from a concurrent run is followed by an update), updated when
 * `differences` finds any, otherwise `unchanged` with no mutating call. The one create-or-update
 * rule of the SNS and the Firehose destination steps.
 * @param differences what differs between the current destination and the desired one, in words.
 * @param where what the destination publishes to, for the report.
 * @param listed the configuration set's destinations when the caller has just read them (else read here).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetConfigurationSetEventDestinations.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateConfigurationSetEventDestination.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateConfigurationSetEventDestination.html
 */
export async function ensureEventDestination(
  sesv2: SESv2Client,
  target: { ConfigurationSetName: string; EventDestinationName: string },
  desired: EventDestinationDefinition,
  differences: (current: EventDestination) => string[],
  where: string,
  listed?: readonly EventDestination[],
): Promise<StepOutcome> {
  const { ConfigurationSetName, EventDestinationName } = target;
  const destinations =
    listed ??
    (await sesv2.send(new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName }))).EventDestinations;
  const current = destinations?.find((d) => d.Name === EventDestinationName);
  const update = () =>
    sesv2.send(
      new UpdateConfigurationSetEventDestinationCommand({
        ConfigurationSetName,
        EventDestinationName,
        EventDestination: desired,
      }),
    );
  if (!current) {
    try {
      await sesv2.send(
        new CreateConfigurationSetEventDestinationCommand({
          ConfigurationSetName,
          EventDestinationName,
          EventDestination: desired,
        }),
      );
      return { status: 'created', detail: `event destination ${EventDestinationName} publishes to ${where}` };
    } catch (error) {
      // Created meanwhile: make it match instead.
      if (!isAwsError(error, 'AlreadyExistsException')) throw error;
    }
    await update();
    return { status: 'updated', detail: `event destination ${EventDestinationName} publishes to ${where}` };
  }
  const found = differences(current);
  if (!found.length)
    return { status: 'unchanged', detail: `event destination ${EventDestinationName} publishes to ${where}` };
  await update();
  return { status: 'updated', detail: `event destination ${EventDestinationName} updated (${found.join('; ')})` };
}

/**
 * What differs between a current destination and the desired one, in words: disabled, another
 * target (`target`, the caller's own comparison, or null when the same), other event types.
 */
export function destinationDifferences(
  current: EventDestination,
  eventTypes: readonly string[],
  target: string | null,
): string[] {
  return [
    ...(current.Enabled !== true ? ['it was disabled'] : []),
    ...(target ? [target] : []),
    ...(!sameSet(current.MatchingEventTypes ?? [], eventTypes)
      ? [`its event types were ${(current.MatchingEventTypes ?? []).join(', ')}`]
      : []),
  ];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));
}
