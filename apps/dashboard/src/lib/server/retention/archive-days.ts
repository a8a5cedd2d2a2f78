/**
 * The raw archive's retention as it applies to one organisation. Archive keys are not per
 * organisation (R2 `sns/<day>/…`), so one lifecycle rule of `KURATCHI_RETENTION_ARCHIVE_DAYS`
 * expires every organisation's raw SNS messages, whatever its own emails days.
 * @see https://developers.cloudflare.com/r2/buckets/object-lifecycles/
 */
export interface ArchiveRetention {
  /** Days archived raw SNS messages are kept (the deployment's). */
  days: number;
  /** Why these days do not match the organisation's emails days, or null when they do. */
  warning: string | null;
}

/** The archive's days beside an organisation's emails days, with a warning when they differ. */
export function archiveRetention(emailsDays: number, archiveDays: number): ArchiveRetention {
  const setting = `KURATCHI_RETENTION_ARCHIVE_DAYS, every organisation's`;
  const warning =
    emailsDays < archiveDays
      ? `Archived raw SNS messages, with recipient addresses, are kept ${archiveDays} days (${setting}), ` +
        `${archiveDays - emailsDays} day${archiveDays - emailsDays === 1 ? '' : 's'} longer than these emails.`
      : emailsDays > archiveDays
        ? `Archived raw SNS messages are kept ${archiveDays} days only (${setting}): proofs of older emails ` +
          'list their events as archive-expired, and a rebuild cannot restore them.'
        : null;
  return { days: archiveDays, warning };
}
