/**
 * Which SNS event destination of the configuration set is setup's, when no `eventDestinationName`
 * is given: `kuratchi-sns`, else an SNS destination named `sns-events` (the seed's name), else
 * `kuratchi-sns` (to create). Setup, status and teardown share this rule, so a deployment made
 * with either name is found, updated and removed alike, and never gets a second destination
 * publishing the same events.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetConfigurationSetEventDestinations.html
 */
import {
  GetConfigurationSetEventDestinationsCommand,
  type EventDestination,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { isAwsError } from './aws-errors.js';
import { DEFAULT_EVENT_DESTINATION_NAME, SEED_EVENT_DESTINATION_NAME } from './defaults.js';

/** The destination's name: the one given, else the first that exists of the two known names, else the default. */
export function eventDestinationNameOf(destinations: readonly EventDestination[], given?: string): string {
  if (given !== undefined) return given;
  if (destinations.some((d) => d.Name === DEFAULT_EVENT_DESTINATION_NAME)) return DEFAULT_EVENT_DESTINATION_NAME;
  // The seed's destination is taken only when it is an SNS one: another kind of that name is not ours.
  if (destinations.some((d) => d.Name === SEED_EVENT_DESTINATION_NAME && d.SnsDestination))
    return SEED_EVENT_DESTINATION_NAME;
  return DEFAULT_EVENT_DESTINATION_NAME;
}

/** How a plan names the destination before the configuration set is read. */
export function plannedEventDestinationName(given?: string): string {
  return given ?? `${DEFAULT_EVENT_DESTINATION_NAME} (or an existing SNS destination ${SEED_EVENT_DESTINATION_NAME})`;
}

/**
 * The event destinations of a configuration set, or none when the set does not exist.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetConfigurationSetEventDestinations.html
 */
export async function listEventDestinations(
  sesv2: SESv2Client,
  configurationSetName: string,
): Promise<EventDestination[]> {
  try {
    const output = await sesv2.send(
      new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: configurationSetName }),
    );
    return output.EventDestinations ?? [];
  } catch (error) {
    if (isAwsError(error, 'NotFoundException')) return [];
    throw error;
  }
}
