import type { D1Database } from '@cloudflare/workers-types';
import { z } from 'zod';
import { emailAddressSchema } from './email-address.js';
import { parseOptions } from '../shared/invalid-options.js';
import { createD1SuppressionStore } from './d1-suppression-store.js';
import type { SuppressionListEntry, SuppressionReason } from './ports.js';

/**
 * An organisation's suppression list: the addresses `sendEmail` refuses unless told otherwise.
 * SES events add permanent bounces and complaints; these functions list, add and remove entries.
 * Each takes the organisation's D1 database, e.g. `await orgDatabaseClient(organizationId)`.
 * Addresses are compared lower-cased.
 */

/** Options of {@link listSuppressions}. */
export interface ListSuppressionsOptions {
  /** Page size, 1 to 500; default 100. */
  limit?: number;
  /** Continue after this address (the last one of the previous page). */
  after?: string;
  /** Only entries added for this reason. */
  reason?: SuppressionReason;
  /** Only addresses containing this text (compared lower-cased). */
  search?: string;
}

const listSchema = z
  .object({
    limit: z.number().int().min(1).max(500).default(100),
    after: z.string().optional(),
    reason: z.enum(['bounce', 'complaint', 'manual']).optional(),
    search: z.string().max(320).optional(),
  })
  .strict();

/**
 * One page of the suppression list, in address order.
 * @throws {InvalidOptionsError} for an invalid limit or reason.
 */
export async function listSuppressions(
  db: D1Database,
  options: ListSuppressionsOptions = {},
): Promise<SuppressionListEntry[]> {
  const query = parseOptions('listSuppressions', listSchema, options);
  return createD1SuppressionStore(db).list({
    limit: query.limit,
    ...(query.after !== undefined ? { after: query.after.toLowerCase() } : {}),
    ...(query.reason ? { reason: query.reason } : {}),
    ...(query.search ? { search: query.search.toLowerCase() } : {}),
  });
}

/** Options of {@link addSuppression}. */
export interface AddSuppressionOptions {
  /** Why it was added by hand (kept as the entry's detail). */
  detail?: string;
  /** Time of the entry; default now. */
  now?: Date;
}

const addSchema = z
  .object({ emailAddress: emailAddressSchema, detail: z.string().max(1000).optional(), now: z.date().optional() })
  .strict();

/**
 * Suppresses an address by hand (reason `manual`).
 * @returns `added: false` when it was already suppressed (the existing entry, e.g. a bounce, is kept).
 * @throws {InvalidOptionsError} when the address is not a plain email address.
 */
export async function addSuppression(
  db: D1Database,
  emailAddress: string,
  options: AddSuppressionOptions = {},
): Promise<{ added: boolean; entry: SuppressionListEntry }> {
  const input = parseOptions('addSuppression', addSchema, { emailAddress, ...options });
  const entry: SuppressionListEntry = {
    emailAddress: input.emailAddress.toLowerCase(),
    reason: 'manual',
    detail: input.detail ?? null,
    sourceEmailId: null,
    createdAt: (input.now ?? new Date()).getTime(),
  };
  const store = createD1SuppressionStore(db);
  const added = await store.add(entry);
  if (added) return { added, entry };
  const [existing] = await store.find([entry.emailAddress]);
  return { added, entry: existing ?? entry };
}

/**
 * Removes an address from the suppression list, whatever put it there.
 * @returns false when it was not suppressed.
 * @throws {InvalidOptionsError} when the address is not a plain email address.
 */
export async function removeSuppression(db: D1Database, emailAddress: string): Promise<boolean> {
  const input = parseOptions('removeSuppression', z.object({ emailAddress: emailAddressSchema }), { emailAddress });
  return createD1SuppressionStore(db).remove(input.emailAddress.toLowerCase());
}

/** The suppression entries of these addresses (compared lower-cased); empty when none is suppressed. */
export async function findSuppressedRecipients(
  db: D1Database,
  emailAddresses: readonly string[],
): Promise<SuppressionListEntry[]> {
  return createD1SuppressionStore(db).find(emailAddresses.map((address) => address.toLowerCase()));
}
