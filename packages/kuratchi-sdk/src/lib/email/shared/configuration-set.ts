import { z } from 'zod';

/**
 * The SES configuration set both concerns name: `sendEmail` sends with it and
 * `setupSESEventTracking` creates it (with its event destination), so a default send and a
 * default setup agree without configuration.
 */

/**
 * Configuration set `setupSESEventTracking` creates and `sendEmail` sends with by default.
 * @see https://docs.aws.amazon.com/ses/latest/dg/using-configuration-sets.html
 */
export const DEFAULT_CONFIGURATION_SET_NAME = 'kuratchi-email-tracking';

/**
 * SES configuration set (and event destination) names: letters, digits, `_` and `-`, at most 64.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference/API_ConfigurationSet.html
 */
export const configurationSetNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]{1,64}$/,
    'must be 1 to 64 ASCII letters, digits, "_" or "-" (SES configuration set name rule)',
  );
