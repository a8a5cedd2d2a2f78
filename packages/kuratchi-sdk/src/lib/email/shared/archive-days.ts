/**
 * How long the raw archive keeps an SNS message, per organisation, on R2 lifecycle rules alone.
 *
 * A lifecycle rule expires objects by key prefix and age, so each retention the archive offers has
 * its own prefix and rule: the deployment's default (`KURATCHI_RETENTION_ARCHIVE_DAYS`) keeps
 * `sns/`, and an organisation's override, one of {@link ARCHIVE_DAYS_CHOICES}, is archived under
 * `sns-d<days>/`. `kuratchi-ses deploy` creates one rule per prefix, whatever the organisations
 * choose, so an override set in the dashboard never waits for a deploy. The prefixes do not nest
 * (`sns/` is not a prefix of `sns-d30/`), so each object matches exactly one rule.
 * @see https://developers.cloudflare.com/r2/buckets/object-lifecycles/
 */

/**
 * The days an organisation's archive override may take: each has its own lifecycle rule, so the
 * list is short (from a week, as Postmark's shortest, to ten years, `RETENTION_DAYS_LIMITS.max`).
 * @see https://postmarkapp.com/support/article/1194-how-long-does-postmark-keep-message-data
 */
export const ARCHIVE_DAYS_CHOICES = [7, 14, 30, 45, 60, 90, 180, 365, 730, 1095, 1825, 3650] as const;

/** One of {@link ARCHIVE_DAYS_CHOICES}. */
export type ArchiveDaysChoice = (typeof ARCHIVE_DAYS_CHOICES)[number];

/** The key prefix of messages archived with the deployment's default retention. */
export const DEFAULT_ARCHIVE_PREFIX = 'sns/';

/** Whether `days` is one of {@link ARCHIVE_DAYS_CHOICES}. */
export function isArchiveDaysChoice(days: unknown): days is ArchiveDaysChoice {
  return (ARCHIVE_DAYS_CHOICES as readonly unknown[]).includes(days);
}

/**
 * The key prefix of messages archived for `days` (an organisation's override), or the default's
 * (`sns/`) for null or undefined.
 * @throws {RangeError} for days that are not one of {@link ARCHIVE_DAYS_CHOICES} (no rule would expire them).
 */
export function archivePrefix(days?: number | null): string {
  if (days === null || days === undefined) return DEFAULT_ARCHIVE_PREFIX;
  if (!isArchiveDaysChoice(days))
    throw new RangeError(`archive days must be one of ${ARCHIVE_DAYS_CHOICES.join(', ')}, not ${days}`);
  return `sns-d${days}/`;
}

/** Each prefix the archive writes messages under, with its days (null: the deployment's). */
const DAYS_BY_PREFIX = new Map<string, number | null>([
  [DEFAULT_ARCHIVE_PREFIX, null],
  ...ARCHIVE_DAYS_CHOICES.map((days): [string, number] => [archivePrefix(days), days]),
]);

/** Every prefix the archive writes messages under, in key order (how R2 lists them). */
export const ARCHIVE_PREFIXES: readonly string[] = [...DAYS_BY_PREFIX.keys()].sort();

/** The archive prefix a key is under (they do not nest: at most one), or null. */
export function archivePrefixOfKey(key: string): string | null {
  return ARCHIVE_PREFIXES.find((prefix) => key.startsWith(prefix)) ?? null;
}

/**
 * The retention a message's archive key says it has: `{ days }` for an override's prefix,
 * `{ days: null }` for the default's (its days are the deployment's), or null for a key that is
 * not an archived message's.
 */
export function archiveDaysOfKey(key: string): { days: number | null } | null {
  const prefix = archivePrefixOfKey(key);
  return prefix === null ? null : { days: DAYS_BY_PREFIX.get(prefix)! };
}
