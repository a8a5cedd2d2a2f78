import type { D1Database } from '@cloudflare/workers-types';
import {
  DeleteSuppressedDestinationCommand,
  ListSuppressedDestinationsCommand,
  PutSuppressedDestinationCommand,
} from '@aws-sdk/client-sesv2';
import { resolveSesClient, type SesClientInput } from '../ses/client.js';
import { sesTenantName } from '../shared/ses-tenant.js';
import {
  createD1TenantSyncStore,
  type QueuedSuppressionChange,
  type SesListedAddress,
  type TenantSyncState,
} from './d1-tenant-sync-store.js';

/**
 * Tenant-scoped suppression: with `KURATCHI_SES_TENANTS=on` an organisation's suppression list and
 * its SES tenant's list agree. Each run (the dashboard's cron):
 * 1. pulls a few pages of SES's list (`ListSuppressedDestinations` with `TenantName`): addresses
 *    SES suppressed join ours; a pass over every page, resumed run after run by its `NextToken`,
 *    ends by removing from ours what SES saw before and no longer lists (removed at SES);
 * 2. pushes the changes ours queued (migrations/org/0009: a trigger queues every add and removal,
 *    whatever made it): `PutSuppressedDestination` / `DeleteSuppressedDestination` with `TenantName`.
 * A failed call stays queued with its error and is retried next run; ingestion never waits for it.
 * A failed pull (the tenant does not exist yet, throttling) is recorded in the sync state and the
 * push waits for the next run: the push needs to know the tenant exists, because SES answers
 * NotFoundException both for an address not on the list (documented) and, it seems, for an unknown
 * tenant (not documented), and only the first means a delete is done.
 * SES keeps an address's case and its calls need it (tenant-level manage page): we push lower-case,
 * and delete with the case SES listed. A send to an address on the tenant's list bounces with the
 * subtype `OnTenantSuppressionList`: ingestion suppresses it here as already on SES's list
 * (migrations/org/0009). The `ses:tenant-name` tag SES adds to bounce and complaint notifications
 * names the organisation the route already finds (the tenant name is its id), so nothing depends
 * on the tag; whether other event types carry it is not documented.
 * @see https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list-tenant-level-manage.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListSuppressedDestinations.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutSuppressedDestination.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_DeleteSuppressedDestination.html
 */

/** Options of {@link syncTenantSuppressions}. */
export interface TenantSuppressionSyncOptions {
  /** The organisation's database (D1 or its Durable Object). */
  db: D1Database;
  organizationId: string;
  ses: SesClientInput;
  now: Date;
  /** Pages of SES's list read per run; default 5. */
  maxPages?: number;
  /** Queued changes pushed per run; default 50. */
  maxChanges?: number;
}

/** What one run did, for the cron's log line. */
export interface TenantSuppressionSyncReport {
  organizationId: string;
  /** Addresses read from SES's list this run (new ones join ours). */
  seen: number;
  /** Addresses removed from ours because SES no longer lists them. */
  removedHere: number;
  pass: 'continued' | 'completed';
  pushed: number;
  /** Changes SES refused this run (kept queued). */
  failed: number;
  /** Why the pull failed (nothing pushed this run), if it did. */
  error?: string;
}

/** Addresses per ListSuppressedDestinations page (the reference states no maximum; SES pages with NextToken regardless). */
const PAGE_SIZE = 1000;

/**
 * Brings an organisation's list and its SES tenant's list into agreement, a bounded step at a time.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListSuppressedDestinations.html
 */
export async function syncTenantSuppressions(
  options: TenantSuppressionSyncOptions,
): Promise<TenantSuppressionSyncReport> {
  const { db, organizationId, now } = options;
  const TenantName = sesTenantName(organizationId);
  const ses = resolveSesClient(options.ses);
  const store = createD1TenantSyncStore(db);
  const report: TenantSuppressionSyncReport = {
    organizationId,
    seen: 0,
    removedHere: 0,
    pass: 'continued',
    pushed: 0,
    failed: 0,
  };
  let state: TenantSyncState = await store.state();
  try {
    for (let page = 0; page < (options.maxPages ?? 5); page++) {
      const passStartedAt = state.passStartedAt ?? now.getTime();
      const answer = await ses.send(
        new ListSuppressedDestinationsCommand({
          TenantName,
          PageSize: PAGE_SIZE,
          ...(state.nextToken ? { NextToken: state.nextToken } : {}),
        }),
      );
      const listed: SesListedAddress[] = (answer.SuppressedDestinationSummaries ?? []).flatMap((s) =>
        s.EmailAddress
          ? [{ sesAddress: s.EmailAddress, reason: s.Reason === 'COMPLAINT' ? 'complaint' : 'bounce' }]
          : [],
      );
      const healthy = { failures: 0, lastError: null, lastErrorAt: null };
      if (answer.NextToken) {
        state = { ...state, ...healthy, passStartedAt, nextToken: answer.NextToken };
        await store.recordPage(listed, now.getTime(), state);
        report.seen += listed.length;
        continue;
      }
      state = { ...state, ...healthy, passStartedAt: null, nextToken: null, lastPassAt: now.getTime() };
      await store.recordPage(listed, now.getTime(), state);
      report.seen += listed.length;
      report.removedHere = await store.endPass(passStartedAt, state);
      report.pass = 'completed';
      break;
    }
  } catch (error) {
    const message = describe(error);
    // An expired token: the next run starts the pass again.
    const restart = (error as { name?: string }).name === 'InvalidNextTokenException';
    await store.saveState({
      ...state,
      ...(restart ? { passStartedAt: null, nextToken: null } : {}),
      failures: state.failures + 1,
      lastError: message,
      lastErrorAt: now.getTime(),
    });
    return { ...report, error: message };
  }
  for (const change of await store.queued(options.maxChanges ?? 50)) {
    try {
      await push(ses, change, TenantName);
    } catch (error) {
      const notOnList = change.change === 'delete' && (error as { name?: string }).name === 'NotFoundException';
      if (!notOnList) {
        await store.failed(change, describe(error), now.getTime());
        report.failed++;
        if ((error as { name?: string }).name === 'TooManyRequestsException') break;
        continue;
      }
    }
    await store.done(change, now.getTime());
    report.pushed++;
  }
  return report;
}

/**
 * The SES call of a queued change. SES's reasons are BOUNCE and COMPLAINT only: an address we
 * suppressed by hand goes as BOUNCE (both keep SES from sending to it).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutSuppressedDestination.html
 */
async function push(ses: ReturnType<typeof resolveSesClient>, change: QueuedSuppressionChange, TenantName: string) {
  if (change.change === 'delete') {
    return ses.send(new DeleteSuppressedDestinationCommand({ EmailAddress: change.sesAddress, TenantName }));
  }
  return ses.send(
    new PutSuppressedDestinationCommand({
      EmailAddress: change.sesAddress,
      Reason: change.reason === 'complaint' ? 'COMPLAINT' : 'BOUNCE',
      TenantName,
    }),
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Where an organisation's tenant sync stands: the pull's state and the changes waiting for SES
 * (shown by `kuratchi-ses suppressions list` and the dashboard's suppression page).
 */
export async function tenantSyncStatus(db: D1Database) {
  const store = createD1TenantSyncStore(db);
  const [state, queue] = await Promise.all([store.state(), store.queueCounts()]);
  return { ...state, ...queue };
}
