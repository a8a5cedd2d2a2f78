import { addSuppression, listSuppressions, removeSuppression, tenantSyncStatus } from 'kuratchi-sdk/internal/send';
import { emailAddressSchema } from 'kuratchi-sdk/internal/send';
import { z } from 'zod';

/**
 * Managing an organisation's suppression list, for its page (`/emails/suppressions`) and the
 * operations API (`kuratchi-ses suppressions`): one page of it, and adding or removing a few
 * addresses at a time, all checked before any is written.
 * @see https://developers.cloudflare.com/d1/platform/limits/ (≤ 100 entries: ≤ 200 queries a request)
 */

/** Most addresses one request adds or removes. */
export const MAX_CHANGES_PER_REQUEST = 100;

/** Query of one page of the list. */
export const pageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    after: z.string().max(320).optional(),
    reason: z.enum(['bounce', 'complaint', 'manual']).optional(),
    search: z.string().max(320).optional(),
  })
  .strict();

/** Addresses to add by hand, each with an optional note (kept as the entry's detail). */
export const addBody = z
  .object({
    entries: z
      .array(z.object({ emailAddress: emailAddressSchema, detail: z.string().max(1000).optional() }).strict())
      .min(1)
      .max(MAX_CHANGES_PER_REQUEST),
  })
  .strict();

/** Addresses to remove. */
export const removeBody = z
  .object({ emailAddresses: z.array(emailAddressSchema).min(1).max(MAX_CHANGES_PER_REQUEST) })
  .strict();

/**
 * One page of the list in address order with the cursor of the next page, and where its sync with
 * the SES tenant's list stands (changes waiting for SES, the last pull error).
 */
export async function suppressionPage(db: D1Database, query: z.output<typeof pageQuery>) {
  const { limit, ...filter } = query;
  const defined = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''));
  const [suppressions, sync] = await Promise.all([listSuppressions(db, { limit, ...defined }), tenantSyncStatus(db)]);
  return {
    suppressions,
    next: suppressions.length === limit ? suppressions.at(-1)!.emailAddress : null,
    sync: { queued: sync.queued, failing: sync.failing, lastError: sync.lastError, lastPassAt: sync.lastPassAt },
  };
}

/** Adds each address (reason `manual`); one already suppressed keeps its entry. */
export async function addSuppressions(db: D1Database, body: z.output<typeof addBody>, now: Date) {
  let added = 0;
  for (const entry of body.entries) {
    const result = await addSuppression(db, entry.emailAddress, {
      now,
      ...(entry.detail ? { detail: entry.detail } : {}),
    });
    if (result.added) added++;
  }
  return { added, existing: body.entries.length - added };
}

/** Removes each address, whatever put it there. */
export async function removeSuppressions(db: D1Database, body: z.output<typeof removeBody>) {
  let removed = 0;
  for (const address of body.emailAddresses) if (await removeSuppression(db, address)) removed++;
  return { removed, absent: body.emailAddresses.length - removed };
}
