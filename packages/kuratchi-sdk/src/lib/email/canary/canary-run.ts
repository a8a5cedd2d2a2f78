import type { D1Database } from '@cloudflare/workers-types';
import { z } from 'zod';
import { createEmailSender } from '../send/send-email.js';
import type { SesClientInput } from '../ses/client.js';
import { emailAddressSchema } from '../send/email-address.js';
import { parseOptions } from '../shared/invalid-options.js';
import { mailboxSimulatorAddress } from '../shared/mailbox-simulator.js';
import { sesTagTextSchema } from '../send/ses-names.js';
import { canaryArrivals, createD1CanaryStore } from './d1-canary-store.js';
import { canaryRunReport, decideCanaryRun } from './decide.js';
import { CANARY_EMAIL_TYPE, CANARY_SCENARIOS, CANARY_TAG, type CanaryScenario } from './scenarios.js';
import type { CanaryExpectedEvent, CanaryRun, CanaryRunReport, CanaryTrigger } from './types.js';

/** Default time every expected event of a run has to come back: 15 minutes. */
export const DEFAULT_CANARY_DEADLINE_MS = 15 * 60_000;

/** Where canary runs send, record and look. */
export interface CanaryConfig {
  /** SESv2 client or its configuration (the Worker's own AWS credentials). */
  ses: SesClientInput;
  /** The admin database: the routes sendEmail writes, and the canary runs. */
  adminDb: D1Database;
  /** An organisation's database, e.g. `createOrgDatabaseClient(adminDb, env)`. */
  orgDatabase: (organizationId: string) => Promise<D1Database>;
  /** The organisation whose database holds the canary emails (a dedicated one is best). */
  organizationId: string;
  /** A verified SES identity to send from. */
  from: string;
  /** Configuration set; default sendEmail's (`kuratchi-email-tracking`). */
  configurationSetName?: string;
  /** How long the expected events have to come back; default 15 minutes. */
  deadlineMs?: number;
  /** The emails of a run; default {@link CANARY_SCENARIOS}. */
  scenarios?: readonly CanaryScenario[];
  /** Id of a new run; default `crypto.randomUUID()`. Letters, digits, `-` and `_` (it labels the addresses). */
  newRunId?: () => string;
}

const configSchema = z.object({
  organizationId: sesTagTextSchema,
  from: emailAddressSchema,
  deadlineMs: z.number().int().min(60_000, 'must be at least one minute').optional(),
});

/**
 * Starts a canary run as of `now`: sends one email per scenario through the real `sendEmail`
 * (configuration set, tags, tracking rows, route: the path every email takes) to the SES
 * mailbox simulator, labelled with the run's id (`bounce+<run>@simulator.amazonses.com`), tagged
 * `kuratchi-canary=<run>`, marked `canary` (kept out of the organisation's statistics) and with
 * `allowSuppressed` (the suppression list is not what a canary tests; simulator addresses are never
 * suppressed by ingestion anyway). Records the run and the events each email must produce in the
 * admin database. A send that SES or the database refuses makes the run `send-failed` with the
 * reason, not an exception.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export async function startCanaryRun(
  config: CanaryConfig,
  now: Date,
  trigger: CanaryTrigger = 'scheduled',
): Promise<CanaryRunReport> {
  parseOptions('startCanaryRun', configSchema, {
    organizationId: config.organizationId,
    from: config.from,
    deadlineMs: config.deadlineMs,
  });
  const id = config.newRunId?.() ?? crypto.randomUUID();
  const startedAt = now.getTime();
  const sender = createEmailSender({
    ses: config.ses,
    adminDb: config.adminDb,
    orgDatabase: config.orgDatabase,
    from: config.from,
    now: () => now,
    ...(config.configurationSetName ? { configurationSetName: config.configurationSetName } : {}),
  });
  const events: CanaryExpectedEvent[] = [];
  const errors: string[] = [];
  for (const { scenario, expect } of config.scenarios ?? CANARY_SCENARIOS) {
    const recipient = mailboxSimulatorAddress(scenario, id);
    let emailId: string | null = null;
    let sesMessageId: string | null = null;
    try {
      const result = await sender.sendEmail({
        organizationId: config.organizationId,
        to: recipient,
        subject: `kuratchi canary ${id} (${scenario})`,
        text: `Canary email of run ${id}: the SES mailbox simulator's ${scenario} scenario. Its events measure the event path end to end.`,
        tags: { [CANARY_TAG]: id },
        emailType: CANARY_EMAIL_TYPE,
        metadata: { canaryRunId: id, scenario },
        allowSuppressed: true,
        canary: true,
      });
      emailId = result.emailId ?? null;
      sesMessageId = result.id ?? null;
      if (!result.success) errors.push(`${scenario}: ${result.error ?? 'not sent'}`);
    } catch (error) {
      errors.push(`${scenario}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
    for (const eventType of expect) {
      events.push({
        scenario,
        eventType,
        recipient,
        emailId,
        sesMessageId,
        sentAt: startedAt,
        arrivedAt: null,
        lagMs: null,
      });
    }
  }
  const run: CanaryRun = {
    id,
    organizationId: config.organizationId,
    startedAt,
    deadlineAt: startedAt + (config.deadlineMs ?? DEFAULT_CANARY_DEADLINE_MS),
    status: errors.length ? 'send-failed' : 'waiting',
    decidedAt: errors.length ? startedAt : null,
    error: errors.length ? errors.join('; ') : null,
    trigger,
    events,
  };
  await createD1CanaryStore(config.adminDb).insertRun(run);
  return canaryRunReport(run);
}

/** What {@link checkCanaryRun} needs: the admin database and the organisations' databases. */
export type CanaryReadConfig = Pick<CanaryConfig, 'adminDb' | 'orgDatabase'>;

/**
 * A run as of `now`, or null when there is no such run: the arrivals of its expected events are
 * read from the organisation's database (`email_events.received_at`) and stored, and a waiting run
 * is decided once every event is back or its deadline has passed (see `decideCanaryRun`).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export async function checkCanaryRun(
  config: CanaryReadConfig,
  runId: string,
  now: Date,
): Promise<CanaryRunReport | null> {
  const store = createD1CanaryStore(config.adminDb);
  const run = await store.getRun(runId);
  return run ? canaryRunReport(await refresh(config, store, run, now)) : null;
}

/**
 * Brings every waiting run (at most `limit`, oldest first) up to date as of `now` and decides
 * those that can be: what the scheduled job runs before it starts a new run.
 * @returns the runs it looked at, with their status now.
 */
export async function checkWaitingCanaryRuns(
  config: CanaryReadConfig,
  now: Date,
  limit = 20,
): Promise<CanaryRunReport[]> {
  const store = createD1CanaryStore(config.adminDb);
  const runs = await store.waitingRuns(limit);
  const checked: CanaryRunReport[] = [];
  for (const run of runs) checked.push(canaryRunReport(await refresh(config, store, run, now)));
  return checked;
}

/**
 * The latest runs, newest first, as stored (the health panel and the alert provider read these;
 * `checkWaitingCanaryRuns` keeps them current).
 */
export async function latestCanaryRuns(
  adminDb: D1Database,
  limit = 1,
  options: { decidedOnly?: boolean } = {},
): Promise<CanaryRunReport[]> {
  return (await createD1CanaryStore(adminDb).latestRuns(limit, options)).map(canaryRunReport);
}

async function refresh(
  config: CanaryReadConfig,
  store: ReturnType<typeof createD1CanaryStore>,
  run: CanaryRun,
  now: Date,
): Promise<CanaryRun> {
  const pending = run.events.filter((e) => e.arrivedAt === null && e.emailId !== null);
  let events = run.events;
  const found: Array<{ scenario: string; eventType: string; arrivedAt: number }> = [];
  if (pending.length) {
    const arrivals = await canaryArrivals(await config.orgDatabase(run.organizationId), [
      ...new Set(pending.map((e) => e.emailId!)),
    ]);
    events = run.events.map((e) => {
      const arrivedAt = e.arrivedAt ?? (e.emailId ? arrivals.get(`${e.emailId}/${e.eventType}`) : undefined) ?? null;
      if (arrivedAt !== null && e.arrivedAt === null)
        found.push({ scenario: e.scenario, eventType: e.eventType, arrivedAt });
      return { ...e, arrivedAt, lagMs: arrivedAt === null ? null : arrivedAt - e.sentAt };
    });
  }
  const updated: CanaryRun = { ...run, events };
  const status = decideCanaryRun(updated, now.getTime());
  const decision = status !== run.status && status !== 'waiting' ? { status, at: now.getTime() } : null;
  if (found.length || decision) await store.update(run.id, found, decision);
  return decision ? { ...updated, status: decision.status, decidedAt: decision.at } : updated;
}
