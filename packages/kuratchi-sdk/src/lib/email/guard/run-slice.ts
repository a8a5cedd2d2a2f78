import type { D1Database } from '@cloudflare/workers-types';
import { createD1ReputationGuardStore, type GuardedOrganization, type GuardStateWrite } from './d1-guard-store.js';
import { decideReputationGuard, type ReputationGuardEvaluation } from './evaluate.js';
import type { SesClientInput } from '../ses/client.js';
import type { ReputationGuardSettings } from './settings.js';

/**
 * Organisations one call evaluates by default. Each costs 1 call to its own database (one batch:
 * one request to its Durable Object); the admin database gets 2 calls per slice (the
 * organisations with their states; then every state, audit entry and the cursor in one batch),
 * plus up to three for an organisation paused at SES (its tenant, or its configuration set and the
 * call's number). So 300 make about 300 subrequests (and 300 D1 queries when they are D1
 * organisations) of Workers' 1,000 (10,000 on the current Paid plan) and D1's 1,000 per
 * invocation, and at 100 ms a call take 30 s: a cron run every minute ends before the next.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @see https://developers.cloudflare.com/workers/platform/limits/#subrequests
 */
export const DEFAULT_ORGANIZATIONS_PER_RUN = 300;

/** What {@link runReputationGuardSlice} needs. */
export interface ReputationGuardSliceOptions {
  adminDb: D1Database;
  /**
   * Opens an organisation's database at the location its `organizations` row names (read with
   * the slice, so not read again): `openOrgDatabase` of `kuratchi-sdk/internal/d1`, or for an
   * organisation being moved (`movingSince` set) a lookup that fails with `organization-moving`.
   */
  orgDatabase: (organization: GuardedOrganization) => D1Database | Promise<D1Database>;
  now: Date;
  settings: ReputationGuardSettings;
  /** The Worker's SESv2 client (see `evaluateReputationGuard`); null: none. */
  ses?: SesClientInput | null;
  /** Most organisations evaluated by this call (default {@link DEFAULT_ORGANIZATIONS_PER_RUN}). */
  limit?: number;
  /**
   * The Worker's clock (`Date.now()`) past which no further organisation is started: the call
   * then ends with those evaluated (at least one) and the next call goes on after them. None: no
   * time bound.
   */
  deadline?: number;
}

/** What one slice of the guard's run did. */
export interface ReputationGuardSlice {
  /** The slice started after this organisation ('': from the first). */
  after: string;
  /** The organisations of this slice, in id order. */
  organizations: string[];
  evaluations: ReputationGuardEvaluation[];
  /** Organisations whose evaluation failed (their database unreachable…), with the error. */
  failures: Array<{ organizationId: string; error: unknown }>;
  /** This slice reached the last organisation: the next call starts again from the first. */
  last: boolean;
  /** The call stopped at its `deadline`, before `limit` organisations. */
  stoppedAtDeadline: boolean;
}

/**
 * One cron invocation's share of the reputation guard: evaluates (`decideReputationGuard`) the
 * next `limit` organisations in id order after the one the previous call stopped at (admin table
 * `reputation_guard_cursor`), then moves the cursor past them, or back to the first after the
 * last one. With no more organisations than `limit`, every call evaluates all of them; with more,
 * every organisation is evaluated once per ⌈organisations / limit⌉ calls. One organisation
 * failing does not stop the others (and the cursor still moves past it: it is evaluated again on
 * the next pass). The slice's states are read with its organisations in one admin query and
 * written, with the audit entries and the cursor, in one batch at the end (see `GuardStateWrite`:
 * a pause lifted meanwhile stays lifted); when that batch fails, nothing of the slice is written
 * and the next invocation evaluates the same organisations again. With a `deadline`, the call
 * stops starting organisations once it has passed (the cursor then goes past the last evaluated).
 *
 * Calls must not overlap (the caller bounds each below its cron's interval): two calls that read
 * the same cursor evaluate the same organisations. The cursor is not corrupted (each writes the
 * end of a slice it evaluated: at worst organisations are evaluated twice, none is skipped), and a
 * change of state is written once with one audit entry (a write needs the state it was decided
 * from, or no row for a first state), but both may call SES with the same wish.
 * @throws {RangeError} when `limit` is not a positive whole number.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 */
export async function runReputationGuardSlice(options: ReputationGuardSliceOptions): Promise<ReputationGuardSlice> {
  const limit = options.limit ?? DEFAULT_ORGANIZATIONS_PER_RUN;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError('runReputationGuardSlice: limit must be a whole number ≥ 1');
  const store = createD1ReputationGuardStore(options.adminDb);
  const { after, organizations, last } = await store.nextOrganizations(limit);
  const slice: ReputationGuardSlice = {
    after,
    organizations: [],
    evaluations: [],
    failures: [],
    last,
    stoppedAtDeadline: false,
  };
  const writes: GuardStateWrite[] = [];
  for (const organization of organizations) {
    const { organizationId } = organization;
    if (slice.organizations.length && options.deadline !== undefined && Date.now() >= options.deadline) {
      slice.stoppedAtDeadline = true;
      slice.last = false;
      break;
    }
    slice.organizations.push(organizationId);
    try {
      const { evaluation, write } = await decideReputationGuard({
        adminDb: options.adminDb,
        orgDb: await options.orgDatabase(organization),
        organizationId,
        now: options.now,
        settings: options.settings,
        ses: options.ses,
        previous: organization.state,
      });
      slice.evaluations.push(evaluation);
      writes.push(write);
    } catch (error) {
      slice.failures.push({ organizationId, error });
    }
  }
  await store.saveEvaluations(writes, {
    after: slice.last ? '' : slice.organizations.at(-1)!,
    at: options.now.getTime(),
  });
  return slice;
}
