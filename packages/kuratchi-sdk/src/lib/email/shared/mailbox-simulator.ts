/**
 * The Amazon SES mailbox simulator: addresses at `simulator.amazonses.com` that answer each
 * message with a set outcome. What SES documents of it, and what the canary relies on:
 * - `success@`: delivered (a Delivery event); `bounce@`: a hard bounce, SMTP 550 5.1.1 (a
 *   Permanent Bounce event); `ooto@`: delivered, then an out-of-office reply to the Return-Path
 *   (a Delivery event only); `complaint@`: delivered, then a complaint (Delivery and Complaint);
 *   `suppressionlist@`: a hard bounce as if the address were on the suppression list (a Permanent
 *   Bounce event). With a configuration set that publishes them, each message also has its Send.
 * - It works in the SES sandbox, is limited by the maximum send rate but does not count toward
 *   the daily sending quota, and does not affect the reputation metrics (bounce and complaint
 *   rates); it is billed like any other email.
 * - SES never places a simulator address on its suppression list after its bounce.
 * - It supports labels: `bounce+label1@simulator.amazonses.com` is the bounce scenario too.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export const MAILBOX_SIMULATOR_DOMAIN = 'simulator.amazonses.com';

/**
 * The mailbox simulator's scenarios (the local part of each address).
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export const MAILBOX_SIMULATOR_SCENARIOS = ['success', 'bounce', 'ooto', 'complaint', 'suppressionlist'] as const;

/** One of {@link MAILBOX_SIMULATOR_SCENARIOS}. */
export type MailboxSimulatorScenario = (typeof MAILBOX_SIMULATOR_SCENARIOS)[number];

/**
 * The simulator address of a scenario, with an optional label (`bounce+run-1@…`): letters,
 * digits, `-` and `_` only.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export function mailboxSimulatorAddress(scenario: MailboxSimulatorScenario, label?: string): string {
  if (label !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(label)) {
    throw new RangeError(`a mailbox simulator label is 1 to 64 letters, digits, - or _, not ${JSON.stringify(label)}`);
  }
  return `${scenario}${label === undefined ? '' : `+${label}`}@${MAILBOX_SIMULATOR_DOMAIN}`;
}

/**
 * Whether an address (bare, any case) is a mailbox simulator address, labelled or not.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export function isMailboxSimulatorAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  return at > 0 && address.slice(at + 1).toLowerCase() === MAILBOX_SIMULATOR_DOMAIN;
}
