import type { AlertKind, AlertProvider } from './condition';
import type { ClaimedNotice, IncidentStore } from './incident-store';
import { alertWebhookBody, type NoticeEvent } from './notice-message';
import { planAlertRun, toReport, type ProviderOutcome } from './plan';
import { postAlert } from './post-alert';

/** A provider as the alerts job runs it: its name (for the log) and the kinds it decides. */
export interface RegisteredAlertProvider {
  name: string;
  kinds: readonly AlertKind[];
  provide: AlertProvider;
}

/** Inputs of {@link runAlerts}. */
export interface AlertsRunOptions {
  providers: readonly RegisteredAlertProvider[];
  store: IncidentStore;
  /** The alert webhook (`KURATCHI_ALERT_WEBHOOK_URL`), or null: incidents are kept, not sent. */
  webhookUrl: string | null;
  now: Date;
  fetcher?: typeof fetch;
}

/** What one run did (the scheduled job's log line). */
export interface AlertsRunResult {
  opened: number;
  reworded: number;
  cleared: number;
  notices: { sent: number; retrying: number; failed: number };
}

/** Notices claimed per run: the rest wait for the next run (every 10 minutes). */
export const MAX_NOTICES_PER_RUN = 20;
/** A claimed notice is not claimed again for this long (a run that died mid-send). */
export const NOTICE_LEASE_MS = 5 * 60_000;
/** Attempts before a notice is given up (`failed`, shown on the dashboard): about 22 hours. */
export const MAX_NOTICE_ATTEMPTS = 8;

/** The wait after the `attempts`-th failed attempt: 10 minutes, doubling, at most 6 hours. */
export function noticeRetryDelayMs(attempts: number): number {
  return Math.min(10 * 60_000 * 2 ** Math.max(0, attempts - 1), 6 * 3_600_000);
}

/**
 * One alerts run: asks every provider what holds now, opens an incident for each new condition
 * and clears those whose condition is gone (see {@link planAlertRun}), then sends the notices
 * that are due, each at most once per run: an incident is announced once when it opens and once
 * when it clears, never in a loop. A failed send is retried by later runs (10 min, doubling, at
 * most 6 h) and given up after {@link MAX_NOTICE_ATTEMPTS}; an incident that cleared before its
 * opening was announced is announced once, as opened and cleared.
 * @throws when a provider failed, after everything else was done (the cron run then shows as
 *   failed and names it; that provider's incidents were left as they were).
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/
 */
export async function runAlerts(options: AlertsRunOptions): Promise<AlertsRunResult> {
  const { store, now } = options;
  const at = now.getTime();
  // The open incidents are read before the providers are asked, so that a run clears an
  // incident only when its condition was gone after the incident was seen open. Read after, an
  // incident opened meanwhile by an overlapping run would be cleared (or one cleared meanwhile
  // reopened) on an answer older than that run's.
  const open = await store.listOpen();
  const outcomes: Array<ProviderOutcome & { name: string }> = await Promise.all(
    options.providers.map(async ({ name, kinds, provide }) => {
      try {
        return { name, kinds, report: toReport(await provide(now)) };
      } catch (error) {
        return { name, kinds, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      }
    }),
  );
  const plan = planAlertRun(open, outcomes);
  const notice = options.webhookUrl ? 'pending' : 'off';
  for (const condition of plan.open) await store.open(condition, at, notice);
  for (const change of plan.reword) await store.reword(change);
  for (const incident of plan.clear) await store.clear(incident.id, at, notice);

  const notices = options.webhookUrl
    ? await sendDueNotices(store, options.webhookUrl, at, options.fetcher)
    : { sent: 0, retrying: 0, failed: 0 };
  const result = { opened: plan.open.length, reworded: plan.reword.length, cleared: plan.clear.length, notices };
  const failed = outcomes.flatMap((o) => ('error' in o ? [`${o.name}: ${o.error}`] : []));
  if (failed.length) {
    throw new Error(`alert providers failed (${failed.join('; ')}); the rest ran: ${JSON.stringify(result)}`);
  }
  return result;
}

async function sendDueNotices(store: IncidentStore, url: string, at: number, fetcher?: typeof fetch) {
  const counts = { sent: 0, retrying: 0, failed: 0 };
  const claimed = await store.claimDue(at, NOTICE_LEASE_MS, MAX_NOTICES_PER_RUN);
  for (const message of groupByIncident(claimed)) {
    const error = await postAlert(url, alertWebhookBody(message.incident, message.event), fetcher);
    for (const notice of message.notices) {
      if (error === null) {
        await store.settle(message.incident.id, notice.transition, { state: 'sent', at });
        counts.sent += 1;
      } else {
        const gaveUp = notice.attempts >= MAX_NOTICE_ATTEMPTS;
        await store.settle(message.incident.id, notice.transition, {
          state: gaveUp ? 'failed' : 'pending',
          error,
          retryAt: at + noticeRetryDelayMs(notice.attempts),
        });
        counts[gaveUp ? 'failed' : 'retrying'] += 1;
      }
    }
  }
  return counts;
}

/**
 * One message per incident: its "opened" and "cleared" notices together when both are to send
 * (the opening was never announced), so a receiver never sees a clearance before its alert.
 */
function groupByIncident(claimed: readonly ClaimedNotice[]) {
  const byIncident = new Map<string, ClaimedNotice[]>();
  for (const notice of claimed)
    byIncident.set(notice.incident.id, [...(byIncident.get(notice.incident.id) ?? []), notice]);
  return [...byIncident.values()].flatMap((notices) => {
    const incident = notices[0]!.incident;
    const cleared = notices.find((n) => n.transition === 'cleared');
    const opened =
      notices.find((n) => n.transition === 'opened') ??
      // The opening still waits for a retry that is not due: it goes out now, with the clearance.
      (cleared && incident.notices.opened?.state === 'pending'
        ? { incident, transition: 'opened' as const, attempts: incident.notices.opened.attempts }
        : undefined);
    if (cleared && opened)
      return [{ incident, event: 'opened-and-cleared' as NoticeEvent, notices: [opened, cleared] }];
    if (opened) return [{ incident, event: 'opened' as NoticeEvent, notices: [opened] }];
    return [{ incident, event: 'cleared' as NoticeEvent, notices: [cleared!] }];
  });
}
