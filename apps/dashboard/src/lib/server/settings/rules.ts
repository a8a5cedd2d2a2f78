import { RETENTION_DAYS_LIMITS } from 'kuratchi-sdk/internal/retention';
import { z } from 'zod';

/** Hosts where an alert webhook may be plain http (a local sink in the demo and tests). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** A positive number of hours (`what` says what the hours are for). */
export const hours = (what: string) => z.coerce.number().positive(`must be a positive number of hours (${what})`);

/** A whole number of minutes within `[min, max]`. */
export const minutes = (min: number, minMessage: string, max?: { value: number; message: string }) => {
  const whole = z.coerce.number().int('must be a whole number of minutes').min(min, minMessage);
  return max ? whole.max(max.value, max.message) : whole;
};

/** A random token of at least 32 characters (a bearer token, an access key). */
export const token = () => z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)');

/** A number, for settings whose range the SDK checks (the guard's). */
export const number = () => z.coerce.number({ error: 'must be a number' });

/**
 * An http(s) URL that holds its own token (Slack's incoming webhooks do): https, or plain http to
 * a loopback host only.
 */
export const webhookUrl = () =>
  z
    .url({ protocol: /^https?$/, error: 'must be an https URL' })
    .refine(
      (url) => url.startsWith('https:') || LOOPBACK_HOSTS.has(new URL(url).hostname),
      'must be https (plain http only to 127.0.0.1, ::1 or localhost)',
    );

/** A comma-separated list, each item trimmed, empty items dropped, each checked by `item`. */
export const commaList = (item: z.ZodType<string, string>) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

/** A whole number of retention days within the SDK's bounds (1 to 3,650). */
export const retentionDays = () =>
  z.coerce
    .number()
    .int('must be a whole number of days')
    .min(RETENTION_DAYS_LIMITS.min, `must be at least ${RETENTION_DAYS_LIMITS.min}`)
    .max(RETENTION_DAYS_LIMITS.max, `must be at most ${RETENTION_DAYS_LIMITS.max}`);
