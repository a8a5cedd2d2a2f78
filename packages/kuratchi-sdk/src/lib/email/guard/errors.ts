import type { ReputationMetric } from './settings.js';
import { formatRate } from './verdict.js';

/**
 * `sendEmail` refused the message: the reputation guard has paused the organisation's sending
 * because one of its rates crossed the pause threshold. Nothing was sent (SES was not called)
 * and nothing was written but the refusal count. A superadmin lifts the pause.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 */
export class SendingPausedError extends Error {
  override readonly name = 'SendingPausedError';
  constructor(
    readonly organizationId: string,
    readonly metric: ReputationMetric,
    /** The rate that caused the pause (a fraction). */
    readonly rate: number,
    /** The pause threshold it crossed (a fraction). */
    readonly threshold: number,
    /** When the pause began (epoch ms). */
    readonly pausedAt: number,
  ) {
    super(
      `not sent: sending for organisation ${organizationId} is paused by the reputation guard since ${new Date(pausedAt).toISOString()}: ` +
        `its ${metric} rate ${formatRate(rate)} crossed the pause threshold ${formatRate(threshold)}; a superadmin can lift the pause with a reason`,
    );
  }
}

/** A lift was asked for an organisation whose sending is not paused. */
export class NotPausedError extends Error {
  override readonly name = 'NotPausedError';
  constructor(readonly organizationId: string) {
    super(`organisation ${organizationId} is not paused by the reputation guard`);
  }
}

/**
 * An organisation's own configuration set is already another organisation's (a pause disables it
 * at SES, so two organisations must never share one). Nothing was written. HTTP paths answer 409
 * with `code`.
 */
export class ConfigurationSetTakenError extends Error {
  override readonly name = 'ConfigurationSetTakenError';
  /** The stable code HTTP paths answer with. */
  readonly code = 'configuration-set-taken';
  constructor(
    readonly configurationSetName: string,
    /** The organisation that holds it (null if it could not be read back). */
    readonly heldBy: string | null,
  ) {
    super(
      `configuration set ${configurationSetName} is already the own configuration set of ${heldBy ? `organisation ${heldBy}` : 'another organisation'}: two organisations cannot share one (a pause of one would stop the other at SES)`,
    );
  }
}
