import type { SesEventType } from '../ses-events/ses-event.js';
import type { MailboxSimulatorScenario } from '../shared/mailbox-simulator.js';

/**
 * One email of a canary run: a mailbox simulator scenario and the SES events it must produce
 * (with the configuration set publishing Send, as `setupSESEventTracking` configures it).
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export interface CanaryScenario {
  scenario: MailboxSimulatorScenario;
  expect: readonly SesEventType[];
}

/**
 * The emails of one canary run: `success@` (Send, Delivery), `bounce@` (Send, a Permanent Bounce)
 * and `complaint@` (Send, Delivery, Complaint), each labelled with the run's id. `ooto@` adds
 * nothing the path does not already prove with `success@` (its out-of-office reply goes to the
 * Return-Path, not through SNS), and `suppressionlist@` is a second kind of Bounce.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export const CANARY_SCENARIOS: readonly CanaryScenario[] = [
  { scenario: 'success', expect: ['Send', 'Delivery'] },
  { scenario: 'bounce', expect: ['Send', 'Bounce'] },
  { scenario: 'complaint', expect: ['Send', 'Delivery', 'Complaint'] },
];

/**
 * The SES message tag of every canary email; its value is the run's id. Lets SES-side tools (the
 * event destination, CloudWatch dimensions, VDM) tell canary traffic apart.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html
 */
export const CANARY_TAG = 'kuratchi-canary';

/** The email type (`emails.email_type`) of canary emails. */
export const CANARY_EMAIL_TYPE = 'canary';
