import { z } from 'zod';
import { parseOptions } from '../shared/invalid-options.js';
import { ARCHIVE_DAYS_CHOICES, isArchiveDaysChoice } from '../shared/archive-days.js';

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/**
 * The bounds of every retention, in days: at least 1 (a shorter one would purge what the
 * park, the reconciliation and the guard still read), at most 3,650 (ten years). Postmark lets
 * its customers choose 7 to 365 days; ours is wider so that a demonstration can use 1 day and a
 * regulated sender 10 years.
 * @see https://postmarkapp.com/support/article/1194-how-long-does-postmark-keep-message-data
 */
export const RETENTION_DAYS_LIMITS = { min: 1, max: 3_650 } as const;

/**
 * How long an organisation's data is kept, in whole days.
 * - `eventsDays`: raw events (`email_events`); the email row keeps its status, times and counts.
 * - `emailsDays`: emails with their recipients, events and search rows, and their routes in the
 *   admin database. Never shorter than `eventsDays`.
 * The suppression list is never purged by age.
 */
export interface RetentionPolicy {
  eventsDays: number;
  emailsDays: number;
}

/**
 * The deployment's defaults: 45 days of events and of emails, as Postmark keeps by default
 * (Mailgun keeps at least 30 days on paid plans); the raw archive as long (`archiveDays`).
 * @see https://postmarkapp.com/support/article/1194-how-long-does-postmark-keep-message-data
 * @see https://documentation.mailgun.com/docs/mailgun/user-manual/events/
 */
export const DEFAULT_RETENTION: Readonly<RetentionPolicy & { archiveDays: number }> = {
  eventsDays: 45,
  emailsDays: 45,
  archiveDays: 45,
};

const days = (what: string) =>
  z
    .number({ error: `${what} must be a whole number of days` })
    .int(`${what} must be a whole number of days`)
    .min(RETENTION_DAYS_LIMITS.min, `${what} must be at least ${RETENTION_DAYS_LIMITS.min} day`)
    .max(RETENTION_DAYS_LIMITS.max, `${what} must be at most ${RETENTION_DAYS_LIMITS.max} days`);

/**
 * An organisation's override: each field a number of days, or null for the deployment's default.
 * `archiveDays` (raw SNS messages archived from now on: an R2 lifecycle rule per choice,
 * `shared/archive-days.ts`) is one of `ARCHIVE_DAYS_CHOICES`; absent from the input means null.
 */
export interface RetentionOverride {
  eventsDays: number | null;
  emailsDays: number | null;
  archiveDays: number | null;
}

const overrideSchema = z.object({
  eventsDays: days('eventsDays').nullable(),
  emailsDays: days('emailsDays').nullable(),
  archiveDays: z
    .number({ error: `archiveDays must be one of ${ARCHIVE_DAYS_CHOICES.join(', ')} days` })
    .refine(isArchiveDaysChoice, `archiveDays must be one of ${ARCHIVE_DAYS_CHOICES.join(', ')} days`)
    .nullable()
    .optional(),
});

/**
 * Validates an organisation's override (each field within {@link RETENTION_DAYS_LIMITS} or null,
 * `archiveDays` one of `ARCHIVE_DAYS_CHOICES` or null); an absent `archiveDays` is null.
 * @throws {InvalidOptionsError} naming each bad field.
 */
export function parseRetentionOverride(input: unknown): RetentionOverride {
  const override = parseOptions('setOrganizationRetention', overrideSchema, input);
  return { ...override, archiveDays: override.archiveDays ?? null };
}

/**
 * The policy in force: the override's fields where set, the deployment's otherwise (the default
 * events days shortened to the emails days when those are shorter).
 * @throws {InvalidOptionsError} when events set for the organisation would outlive its emails.
 */
export function effectiveRetention(
  defaults: RetentionPolicy,
  override: Pick<RetentionOverride, 'eventsDays' | 'emailsDays'> | null,
): RetentionPolicy {
  const emailsDays = override?.emailsDays ?? defaults.emailsDays;
  // Events not set for the organisation: the default, but never past its emails.
  const policy = { eventsDays: override?.eventsDays ?? Math.min(defaults.eventsDays, emailsDays), emailsDays };
  return parseOptions(
    'retention',
    z
      .object({ eventsDays: days('eventsDays'), emailsDays: days('emailsDays') })
      .refine((p) => p.eventsDays <= p.emailsDays, {
        path: ['eventsDays'],
        message: 'must not be longer than emailsDays (events are deleted with their email)',
      }),
    policy,
  );
}

/** The times before which events and emails are purged, for `now` (epoch ms). */
export function retentionCutoffs(policy: RetentionPolicy, now: Date): { events: number; emails: number } {
  return { events: now.getTime() - policy.eventsDays * DAY_MS, emails: now.getTime() - policy.emailsDays * DAY_MS };
}
