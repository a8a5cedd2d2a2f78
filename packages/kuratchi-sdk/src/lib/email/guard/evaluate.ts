import type { D1Database } from '@cloudflare/workers-types';
import {
  createD1ReputationGuardStore,
  type GuardStateWrite,
  type GuardWindow,
  type ReputationGuardAuditEntry,
  type ReputationGuardState,
} from './d1-guard-store.js';
import { setConfigurationSetSending } from './configuration-set.js';
import { setSendingAtSes, type SendingChangeAtSes } from './at-ses.js';
import type { SesClientInput } from '../ses/client.js';
import { reputationReport, type ReputationReport } from './report.js';
import { shortWindowSettings, type ReputationGuardSettings } from './settings.js';
import { formatRate, type ReputationVerdict } from './verdict.js';

/** The actor of the guard's own audit entries. */
export const GUARD_ACTOR = 'reputation-guard';

/** What {@link evaluateReputationGuard} needs: the databases, the organisation, the time and the settings. */
export interface EvaluateReputationGuardOptions {
  adminDb: D1Database;
  /** The organisation's own database. */
  orgDb: D1Database;
  organizationId: string;
  now: Date;
  /** From `parseReputationGuardSettings`. */
  settings: ReputationGuardSettings;
  /** The Worker's SESv2 client, to pause the organisation's own configuration set; null: none. */
  ses?: SesClientInput | null;
}

/** What one evaluation found and did. */
export interface ReputationGuardEvaluation {
  organizationId: string;
  previous: ReputationGuardState['state'] | null;
  state: ReputationGuardState['state'];
  changed: boolean;
  report: ReputationReport;
  /**
   * What happened at SES in this evaluation (to the organisation's tenant or its configuration
   * set): disabled on a pause, or a pending call retried (null: nothing done).
   */
  configurationSet: string | null;
}

/**
 * Evaluates one organisation against the guard's thresholds and records its state. Two windows
 * are judged, the long one and the short one (`shortWindowSettings`, unless off), and the worse
 * verdict decides (a short window without a verdict yet changes nothing); the reason names the
 * window:
 * - `paused` stays paused (only a superadmin lifts a pause); its rates are refreshed;
 * - otherwise a pause verdict (`reputationVerdict`: the threshold crossed on enough distinct
 *   addresses and volume) pauses the organisation (and at SES disables its tenant, when
 *   tenants are on, or else its own configuration set, when it has one); the warn threshold
 *   makes it `warn`; else `ok`;
 * - a configuration set call still pending (it failed, or there were no AWS credentials: disabling
 *   for a pause, enabling after a lift; or another call was started before it ended, see
 *   `ConfigurationSetCall`) is retried, so SES ends up agreeing with the guard;
 * - re-arm rule: after a lift, while the lift time is inside the window, only recipients sent
 *   since the lift, and addresses that had not already bounced (complained) in the window, count
 *   towards a new pause (with the same evidence minimum), so neither the data that caused the
 *   lifted pause nor the same people complaining again can pause again; the full window still
 *   drives `warn`.
 * Each change of state writes an audit entry with the rates, in the batch that writes the state.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
 */
export async function evaluateReputationGuard(
  options: EvaluateReputationGuardOptions,
): Promise<ReputationGuardEvaluation> {
  const store = createD1ReputationGuardStore(options.adminDb);
  const previous = await store.getState(options.organizationId);
  const { evaluation, write } = await decideReputationGuard({ ...options, previous });
  await store.saveEvaluations([write]);
  return evaluation;
}

/**
 * {@link evaluateReputationGuard} without its two admin calls: decides from the state the caller
 * read (`previous`) and returns the write (`saveEvaluations` of the guard's store) with the
 * evaluation, so the cron reads and writes a whole slice's states in one call each
 * (`runReputationGuardSlice`). Its admin calls happen only at SES (a pause, a pending call: the
 * configuration set's name and the call's number).
 */
export async function decideReputationGuard(
  options: EvaluateReputationGuardOptions & { previous: ReputationGuardState | null },
): Promise<{ evaluation: ReputationGuardEvaluation; write: GuardStateWrite }> {
  const { organizationId, settings, previous } = options;
  const now = options.now.getTime();
  const store = createD1ReputationGuardStore(options.adminDb);
  const report = await reputationReport(options.orgDb, {
    now: options.now,
    settings,
    rearmAfter: previous?.rearmAfter,
  });
  const full = report.verdict;
  const rearmAfter = report.sinceRearm ? (previous?.rearmAfter ?? null) : null;
  const rates = { bounceRate: full.bounceRate, complaintRate: full.complaintRate, recipients: full.recipients };
  const base = {
    organizationId,
    ...rates,
    bounced: full.bounced,
    complained: full.complained,
    evaluatedAt: now,
    rearmAfter,
  };

  const windows: Window[] = [
    {
      label: `the last ${settings.windowDays} days`,
      kind: 'long',
      minutes: settings.windowDays * 1440,
      settings,
      full,
      pauseBasis: report.sinceRearm ?? full,
    },
  ];
  if (report.short)
    windows.push({
      label: `the last ${report.short.minutes} minutes`,
      kind: 'short',
      minutes: report.short.minutes,
      settings: shortWindowSettings(settings),
      full: report.short.verdict,
      pauseBasis: report.short.sinceRearm ?? report.short.verdict,
    });
  let next: Omit<ReputationGuardState, 'refusedSends' | 'lastRefusedAt'>;
  let reason = '';
  let change: SendingChangeAtSes | null = null;
  const pausing = worst(
    windows.flatMap((w) =>
      w.pauseBasis.level === 'pause' && w.pauseBasis.cause ? [{ w, cause: w.pauseBasis.cause }] : [],
    ),
  );
  const sending = previous?.configurationSetSending ?? null;
  const configurationSetOf = () => store.configurationSetOf(organizationId);
  const at = { adminDb: options.adminDb, ses: options.ses, organizationId, now, configurationSetOf };
  const retry = async (enabled: boolean) =>
    setConfigurationSetSending({ ...at, configurationSetName: await configurationSetOf(), enabled });
  if (previous?.state === 'paused') {
    if (sending === 'disable-pending') change = await retry(false);
    next = {
      ...previous,
      ...base,
      rearmAfter: previous.rearmAfter,
      configurationSetSending: change?.sending ?? sending,
    };
  } else if (pausing) {
    change = await setSendingAtSes({ ...at, enabled: false });
    next = {
      ...base,
      state: 'paused',
      since: now,
      ...pausing.cause,
      configurationSetSending: change?.sending ?? null,
      decidedBy: pausing.w.kind,
      windowMinutes: pausing.w.minutes,
    };
    reason = describe('pause', pausing.w.pauseBasis, pausing.w.label, pausing.w.pauseBasis !== pausing.w.full);
  } else {
    if (sending === 'enable-pending') change = await retry(true);
    const warning = worst(
      windows.flatMap((w) => {
        const cause = warnCause(w.full, w.settings);
        return cause ? [{ w, cause }] : [];
      }),
    );
    const warn = warning?.cause ?? null;
    const state = warn ? 'warn' : 'ok';
    const unchanged = (previous?.state ?? 'ok') === state;
    next = {
      ...base,
      state,
      since: unchanged && previous ? previous.since : now,
      metric: warn?.metric ?? null,
      rate: warn?.rate ?? null,
      threshold: warn?.threshold ?? null,
      configurationSetSending: change?.sending ?? sending,
      decidedBy: warning?.w.kind ?? null,
      windowMinutes: warning?.w.minutes ?? null,
    };
    if (!unchanged)
      reason = warning
        ? describe('warn', { ...warning.w.full, cause: warning.cause }, warning.w.label, false)
        : 'rates back below the warn thresholds';
  }
  const changed = (previous?.state ?? 'ok') !== next.state;
  const entry: Omit<ReputationGuardAuditEntry, 'id'> | undefined = changed
    ? {
        organizationId,
        action: next.state === 'paused' ? 'pause' : next.state === 'warn' ? 'warn' : 'clear',
        actor: GUARD_ACTOR,
        reason,
        ...rates,
        configurationSet: change?.note ?? null,
        at: now,
      }
    : undefined;
  return {
    evaluation: {
      organizationId,
      previous: previous?.state ?? null,
      state: next.state,
      changed,
      report,
      configurationSet: change?.note ?? null,
    },
    write: {
      state: { ...next, refusedSends: 0, lastRefusedAt: null },
      previous,
      entry,
      ...(change?.call ? { call: change.call } : {}),
    },
  };
}

/** One judged window: its verdict on everything, and the one that may pause (after a lift, since it). */
interface Window {
  label: string;
  kind: GuardWindow;
  minutes: number;
  settings: ReputationGuardSettings;
  full: ReputationVerdict;
  pauseBasis: ReputationVerdict;
}

type Cause = NonNullable<ReputationVerdict['cause']>;

/** The worse of the windows' causes: the rate furthest past its threshold (the long window on a tie). */
function worst(found: { w: Window; cause: Cause }[]): { w: Window; cause: Cause } | null {
  return found.reduce<{ w: Window; cause: Cause } | null>(
    (a, b) => (a && a.cause.rate / a.cause.threshold >= b.cause.rate / b.cause.threshold ? a : b),
    null,
  );
}

/** The warn-level cause of a verdict (a pause-level verdict held back by the re-arm rule warns). */
function warnCause(verdict: ReputationVerdict, settings: ReputationGuardSettings): ReputationVerdict['cause'] {
  if (!verdict.cause) return null;
  return { ...verdict.cause, threshold: settings.thresholds[verdict.cause.metric].warn };
}

function describe(step: 'pause' | 'warn', verdict: ReputationVerdict, window: string, sinceLift: boolean): string {
  const cause = verdict.cause!;
  const addresses = `${verdict.metrics[cause.metric].events} ${cause.metric === 'bounce' ? 'bounced' : 'complaining'} addresses`;
  return `${cause.metric} rate ${formatRate(cause.rate)} crossed the ${step} threshold ${formatRate(cause.threshold)} over ${verdict.recipients} recipients of ${window}${sinceLift ? ' sent since the last lift' : ''} (${addresses})`;
}
