import { GetMessageInsightsCommand, type GetMessageInsightsCommandOutput } from '@aws-sdk/client-sesv2';
import type { D1Database } from '@cloudflare/workers-types';
import { applySesEventMessages } from '../ingest/apply-messages.js';
import type { EventSinkPorts } from '../routing/record.js';
import { unsignedSesEventMessage } from '../ingest/unsigned-event.js';
import { resolveSesClient, type SesClientInput } from '../ses/client.js';
import {
  createD1ReconcileStore,
  reconcileCursor,
  type ReconcileAsk,
  type ReconcileCandidate,
} from './d1-reconcile-store.js';
import { sesEventsFromInsights } from './insights-events.js';
import { DEFAULT_RECONCILE_SETTINGS, nextAskAt, type ReconcileSettings } from './settings.js';
import { createThrottle, type Throttle } from './throttle.js';
import { readVdmStatus, type VdmStatus } from './vdm.js';

/** What {@link Reconciler.reconcileOrganization} did for one organisation. */
export interface ReconcileReport {
  organizationId: string;
  /** `done`; `vdm-off`: nothing asked, nothing written; `throttled`: SES refused a call, the run stopped there. */
  status: 'done' | 'vdm-off' | 'throttled';
  /** Why it did nothing (`vdm-off`) or stopped (`throttled`). */
  message?: string;
  dryRun: boolean;
  /** Emails found with no outcome, due to be asked. */
  candidates: number;
  /** GetMessageInsights calls made. */
  asked: number;
  /** Emails SES told an outcome of. */
  learned: number;
  /** Outcome events SES told (one per event and recipient). */
  events: number;
  /** Events applied (new to the email); 0 in a dry run. */
  applied: number;
  /** Events the email already had (the same content identity): counted once. */
  duplicates: number;
  /** Events the sink could not apply now (parked, orphaned, dead-lettered, or a database error to retry). */
  unapplied: number;
  /** Emails SES knew no outcome of yet (asked again later). */
  nothingYet: number;
  /** Emails given up on this run (no outcome within the give-up window). */
  gaveUp: number;
  /** Emails SES cannot answer about: unknown to it (NotFoundException) or more than one recipient. */
  notAvailable: number;
  /** Keyset cursor after the last email looked at (`<created_at>:<id>`), or null when the window is done. */
  next: string | null;
}

/** One organisation's run. */
export interface ReconcileOrganizationOptions {
  organizationId: string;
  /** The organisation's own D1 database (org migrations up to 0006). */
  orgDb: D1Database;
  /** The time of the run (time is an input). */
  now: Date;
  /** Ask, map and count, but write nothing (no events, no ask records). */
  dryRun?: boolean;
  /** Most emails to look at this call; default `settings.maxPerRun`. */
  limit?: number;
  /** Continue after this keyset cursor (`next` of an earlier report). */
  after?: { createdAt: number; emailId: string };
}

/** What a {@link Reconciler} is built from. */
export interface ReconcilerOptions {
  /** The Worker's own SESv2 client or its configuration (region, explicit credentials, endpoint). */
  ses: SesClientInput;
  /** Where learnt events go: the same sink as the webhook's (idempotent by content identity). */
  sink: EventSinkPorts;
  /** Settings; each missing one takes its default ({@link DEFAULT_RECONCILE_SETTINGS}). */
  settings?: Partial<ReconcileSettings>;
  /** Spaces GetMessageInsights calls; default one a second. */
  throttle?: Throttle;
}

/** Asks SES about emails with no outcome yet and applies what it learns. */
export interface Reconciler {
  /** The account's VDM state, read once per reconciler. */
  vdmStatus(): Promise<VdmStatus>;
  reconcileOrganization(options: ReconcileOrganizationOptions): Promise<ReconcileReport>;
  readonly settings: Readonly<ReconcileSettings>;
}

/**
 * Reconciliation: the polling alternative to SNS done with the real per-message API. For each
 * email of the organisation sent between `lookBackMs` and `afterMs` ago with no outcome yet, due to
 * be asked (keyset order, at most `limit`), it calls SESv2 GetMessageInsights (one a second), maps
 * the outcome events to SES event records (`sesEventsFromInsights`) and applies them through the
 * same inline path as an import (`applySesEventMessages` with `unsignedSesEventMessage`, source
 * `reconcile`): keyed by content identity, so SES's own copy arriving later by SNS, or a second
 * reconciliation, counts once. What it asked is remembered (org table `email_reconciliation`): an
 * email SES knew nothing more about is asked again after `retryAfterMs` and given up after
 * `giveUpAfterMs`. Emails with more than one recipient are not asked: the API leaves their
 * deliveries, bounces and complaints out.
 * Without Virtual Deliverability Manager (`GetAccount`) it asks nothing and writes nothing.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetAccount.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/vdm-settings.html
 */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  const client = resolveSesClient(options.ses);
  const settings: ReconcileSettings = { ...DEFAULT_RECONCILE_SETTINGS, ...definedOnly(options.settings ?? {}) };
  const throttle = options.throttle ?? createThrottle();
  let vdm: Promise<VdmStatus> | undefined;
  const vdmStatus = () => (vdm ??= readVdmStatus(client));

  return {
    settings,
    vdmStatus,
    async reconcileOrganization(run) {
      const report = emptyReport(run.organizationId, run.dryRun === true);
      const status = await vdmStatus();
      if (!status.enabled) return { ...report, status: 'vdm-off', message: status.message };
      const now = run.now.getTime();
      const store = createD1ReconcileStore(run.orgDb);
      const limit = run.limit ?? settings.maxPerRun;
      const candidates = await store.candidates({
        createdFrom: now - settings.lookBackMs,
        createdBefore: now - settings.afterMs,
        dueAt: now,
        after: run.after,
        limit,
      });
      report.candidates = candidates.length;
      const asks: ReconcileAsk[] = [];
      let last: ReconcileCandidate | undefined;
      for (const candidate of candidates) {
        if (candidate.recipients.length > 1) {
          report.notAvailable++;
          asks.push({ emailId: candidate.emailId, askedAt: now, nextAskAt: null, result: 'multi-recipient' });
          last = candidate;
          continue;
        }
        await throttle.wait();
        let answer: GetMessageInsightsCommandOutput;
        try {
          answer = await client.send(new GetMessageInsightsCommand({ MessageId: candidate.sesMessageId }));
        } catch (error) {
          const name = (error as { name?: string }).name;
          if (name === 'NotFoundException') {
            report.asked++;
            report.notAvailable++;
            asks.push({ emailId: candidate.emailId, askedAt: now, nextAskAt: null, result: 'not-found' });
            last = candidate;
            continue;
          }
          if (isThrottling(error)) {
            report.status = 'throttled';
            report.message = `SES refused GetMessageInsights (${name}): the rest is asked on the next run`;
            break;
          }
          throw error;
        }
        report.asked++;
        last = candidate;
        const events = sesEventsFromInsights(answer, candidate);
        if (!events.length) {
          const next = nextAskAt(candidate.firstAskedAt ?? now, now, settings);
          if (next === null) report.gaveUp++;
          else report.nothingYet++;
          asks.push({
            emailId: candidate.emailId,
            askedAt: now,
            nextAskAt: next,
            result: next === null ? 'gave-up' : 'nothing-yet',
          });
          continue;
        }
        report.learned++;
        report.events += events.length;
        if (report.dryRun) continue;
        const messages = await Promise.all(
          events.map((event) => unsignedSesEventMessage(JSON.stringify(event), 'reconcile', run.now)),
        );
        // Recorded at the run's time: what they are judged against (retention's cutoffs) is its.
        const { outcomes } = await applySesEventMessages({ ...options.sink, now: () => run.now }, messages);
        for (const outcome of outcomes) {
          if (outcome === 'applied') report.applied++;
          else if (outcome === 'duplicate') report.duplicates++;
          else report.unapplied++;
        }
        // A database error leaves the email unrecorded: it is due again on the next run.
        if (!outcomes.includes('retry'))
          asks.push({ emailId: candidate.emailId, askedAt: now, nextAskAt: null, result: 'learned' });
      }
      if (!report.dryRun) await store.recordAsks(asks);
      report.next = report.status === 'done' && candidates.length === limit && last ? reconcileCursor(last) : null;
      return report;
    },
  };
}

/** SES's answer to a call over the account's rate (the API's own 429, or the SDK's throttling error). */
function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'TooManyRequestsException' || e.name === 'ThrottlingException' || e.$metadata?.httpStatusCode === 429
  );
}

function emptyReport(organizationId: string, dryRun: boolean): ReconcileReport {
  return {
    organizationId,
    status: 'done',
    dryRun,
    candidates: 0,
    asked: 0,
    learned: 0,
    events: 0,
    applied: 0,
    duplicates: 0,
    unapplied: 0,
    nothingYet: 0,
    gaveUp: 0,
    notAvailable: 0,
    next: null,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
