/**
 * The raw archive's retention as it applies to one organisation: its override's `archiveDays`
 * (R2 prefix `sns-d<days>/`) or the deployment's `KURATCHI_RETENTION_ARCHIVE_DAYS` (`sns/`), each
 * expired by its own R2 lifecycle rule. A message keeps the prefix it was archived under, so a
 * change applies to messages archived from then on.
 * @see https://developers.cloudflare.com/r2/buckets/object-lifecycles/
 */
export interface ArchiveRetention {
  /** Days the organisation's raw SNS messages archived from now on are kept. */
  days: number;
  /** Why these days do not match the organisation's emails days, or null when they do. */
  warning: string | null;
}

/**
 * The archive's days in force for an organisation (its override, else the deployment's default)
 * beside its emails days, with a warning when they differ.
 * @see https://developers.cloudflare.com/r2/buckets/object-lifecycles/
 */
export function archiveRetention(
  emailsDays: number,
  overrideDays: number | null,
  defaultDays: number,
): ArchiveRetention {
  const days = overrideDays ?? defaultDays;
  const source = overrideDays === null ? 'the deployment default, KURATCHI_RETENTION_ARCHIVE_DAYS' : 'its archive days';
  const longer = days - emailsDays;
  const warning =
    longer > 0
      ? `Its archived raw SNS messages, with recipient addresses, are kept ${days} days (${source}), ` +
        `${longer} day${longer === 1 ? '' : 's'} longer than these emails.`
      : longer < 0
        ? `Its archived raw SNS messages are kept ${days} days only (${source}): proofs of older emails ` +
          'list their events as archive-expired, and a rebuild cannot restore them.'
        : null;
  return { days, warning };
}
