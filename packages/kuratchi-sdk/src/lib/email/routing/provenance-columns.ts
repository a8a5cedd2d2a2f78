import type { EventProvenance } from '../model.js';

/**
 * A parked row as read from D1 with its `source` and `archive_key` columns (NULL when unknown or
 * `sns`), with those turned into the optional fields of {@link EventProvenance}.
 * @see https://developers.cloudflare.com/d1/worker-api/return-object/ (NULL reads as null)
 */
export function withProvenance<T extends EventProvenance>(row: T): T {
  const { source, archiveKey, ...rest } = row as T & {
    source: EventProvenance['source'] | null;
    archiveKey: string | null;
  };
  return { ...rest, ...(source ? { source } : {}), ...(archiveKey ? { archiveKey } : {}) } as T;
}
