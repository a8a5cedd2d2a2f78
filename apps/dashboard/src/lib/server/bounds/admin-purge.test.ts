import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { seedOrganizations } from '../../../../test/support.js';
import { ADMIN_KEPT_MS, ADMIN_PURGE_MAX_PAGES, ADMIN_PURGE_PAGE, purgeAdminTables } from './admin-purge';

// Time is an input: every fixture time derives from the pinned `now`; ids are fresh per run, and
// assertions name this file's rows only (the admin database is shared with other test files).
const now = TEST_NOW.getTime();
const db = env.ADMIN_DB;
const id = (what: string) => `${what}-${crypto.randomUUID()}`;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const has = async (table: string, where: string, ...values: unknown[]) =>
  (await db
    .prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)
    .bind(...values)
    .first<{ n: number }>())!.n;

beforeAll(seedOrganizations);

async function incident(clearedAt: number | null) {
  const incidentId = id('incident');
  await db.batch([
    db
      .prepare(
        `INSERT INTO alert_incidents (id, key, kind, organization_id, severity, title, detail, opened_at, cleared_at)
         VALUES (?, ?, 'test', NULL, 'warning', 't', 'd', ?, ?)`,
      )
      .bind(incidentId, clearedAt === null ? id('open-key') : id('key'), now - 400 * 86_400_000, clearedAt),
    db
      .prepare(
        `INSERT INTO alert_notices (incident_id, transition, state, next_attempt_at) VALUES (?, 'opened', 'sent', ?)`,
      )
      .bind(incidentId, now),
  ]);
  return incidentId;
}

async function canaryRun(decidedAt: number | null) {
  const runId = id('run');
  await db.batch([
    db
      .prepare(
        `INSERT INTO canary_runs (id, organization_id, started_at, deadline_at, status, decided_at)
         VALUES (?, 'org-acme', ?, ?, ?, ?)`,
      )
      .bind(runId, now - 400 * 86_400_000, now, decidedAt === null ? 'waiting' : 'passed', decidedAt),
    db
      .prepare(
        `INSERT INTO canary_expectations (run_id, scenario, event_type, recipient, sent_at) VALUES (?, 'success', 'Delivery', 'a@x', ?)`,
      )
      .bind(runId, now),
  ]);
  return runId;
}

describe('purgeAdminTables (pinned now)', () => {
  it('deletes each table past its time, children with their parent, and keeps what is still read', async () => {
    const K = ADMIN_KEPT_MS;
    const oldIncident = await incident(now - K.clearedIncidents - 1);
    const keptIncident = await incident(now - K.clearedIncidents);
    const openIncident = await incident(null);
    const oldRun = await canaryRun(now - K.decidedCanaryRuns - 1);
    const keptRun = await canaryRun(now - K.decidedCanaryRuns);
    const waitingRun = await canaryRun(null);

    const audit = async (at: number) =>
      (await db
        .prepare(
          `INSERT INTO reputation_guard_audit (organization_id, action, actor, reason, at)
           VALUES ('org-acme', 'warn', 'test', 'r', ?) RETURNING id`,
        )
        .bind(at)
        .first<{ id: number }>())!.id;
    const oldAudit = await audit(now - K.reputationAudit - 1);
    const keptAudit = await audit(now - K.reputationAudit);

    // Two messages of a topic past their time: the latest of the topic stays (the alert reads it).
    const topic = id('arn:aws:sns:eu-west-1:123456789012:t');
    const message = async (receivedAt: number) => {
      const snsId = id('sns');
      await db
        .prepare(
          `INSERT INTO sns_subscription_messages (sns_message_id, type, topic_arn, sns_timestamp, outcome, received_at)
           VALUES (?, 'SubscriptionConfirmation', ?, ?, 'confirmed', ?)`,
        )
        .bind(snsId, topic, receivedAt, receivedAt)
        .run();
      return snsId;
    };
    const olderMessage = await message(now - K.subscriptionMessages - 2);
    const latestMessage = await message(now - K.subscriptionMessages - 1);

    // Export jobs: a finished one past its time goes; one in progress, and the latest day, stay.
    // Days far before the pinned now, so that no other file's export day is later than `latest`.
    const job = async (jobDay: string, state: string) => {
      const jobId = id(`${jobDay}/job`);
      await db
        .prepare(
          `INSERT INTO reconcile_export_jobs (id, day, range_start, range_end, state, next_at, created_at, updated_at)
           VALUES (?, ?, 0, 1, ?, 0, 0, 0)`,
        )
        .bind(jobId, jobDay, state)
        .run();
      return jobId;
    };
    const oldDay = day(now - K.finishedExportJobs - 3 * 86_400_000);
    const doneJob = await job(oldDay, 'done');
    const busyJob = await job(oldDay, 'export');
    const latestDayJob = await job(day(now - K.finishedExportJobs - 86_400_000), 'done');
    const latest = (await db.prepare('SELECT max(day) AS d FROM reconcile_export_jobs').first<{ d: string }>())!.d;

    const tally = async (tallyDay: string) => {
      const reason = id('reason');
      await db
        .prepare(`INSERT INTO dropped_dead_letters (day, reason, dropped, last_dropped_at) VALUES (?, ?, 1, ?)`)
        .bind(tallyDay, reason, now)
        .run();
      return reason;
    };
    const oldTally = await tally(day(now - K.droppedDeadLetterTally - 86_400_000));
    const keptTally = await tally(day(now - K.droppedDeadLetterTally));

    const report = await purgeAdminTables(db, now);
    expect(report.more).toBe(false);
    expect(report.alertIncidents).toBeGreaterThanOrEqual(1);
    expect(report.alertNotices).toBeGreaterThanOrEqual(1);
    expect(report.canaryRuns).toBeGreaterThanOrEqual(1);
    expect(report.canaryExpectations).toBeGreaterThanOrEqual(1);

    expect(await has('alert_incidents', 'id = ?', oldIncident)).toBe(0);
    expect(await has('alert_notices', 'incident_id = ?', oldIncident)).toBe(0);
    for (const kept of [keptIncident, openIncident]) {
      expect(await has('alert_incidents', 'id = ?', kept)).toBe(1);
      expect(await has('alert_notices', 'incident_id = ?', kept)).toBe(1);
    }
    expect(await has('canary_runs', 'id = ?', oldRun)).toBe(0);
    expect(await has('canary_expectations', 'run_id = ?', oldRun)).toBe(0);
    for (const kept of [keptRun, waitingRun]) {
      expect(await has('canary_runs', 'id = ?', kept)).toBe(1);
      expect(await has('canary_expectations', 'run_id = ?', kept)).toBe(1);
    }
    expect(await has('reputation_guard_audit', 'id = ?', oldAudit)).toBe(0);
    expect(await has('reputation_guard_audit', 'id = ?', keptAudit)).toBe(1);
    expect(await has('sns_subscription_messages', 'sns_message_id = ?', olderMessage)).toBe(0);
    expect(await has('sns_subscription_messages', 'sns_message_id = ?', latestMessage)).toBe(1);
    expect(await has('reconcile_export_jobs', 'id = ?', doneJob)).toBe(0);
    expect(await has('reconcile_export_jobs', 'id = ?', busyJob)).toBe(1);
    if (latest === day(now - K.finishedExportJobs - 86_400_000)) {
      expect(await has('reconcile_export_jobs', 'id = ?', latestDayJob)).toBe(1);
    }
    expect(await has('dropped_dead_letters', 'reason = ?', oldTally)).toBe(0);
    expect(await has('dropped_dead_letters', 'reason = ?', keptTally)).toBe(1);

    // Idempotent: nothing of this file's is left to delete.
    await purgeAdminTables(db, now);
    expect(await has('alert_incidents', 'id = ?', keptIncident)).toBe(1);
  });

  it('stops after its page budget and says so; the next run goes on', async () => {
    const many = ADMIN_PURGE_PAGE * ADMIN_PURGE_MAX_PAGES + 1;
    const at = now - ADMIN_KEPT_MS.reputationAudit - 1;
    // One statement inserts them all (a recursive CTE), so that the test stays fast.
    await db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO reputation_guard_audit (organization_id, action, actor, reason, at)
         SELECT 'org-acme', 'warn', 'bulk', 'r', ? FROM n`,
      )
      .bind(many, at)
      .run();
    const first = await purgeAdminTables(db, now);
    expect(first.more).toBe(true);
    expect(first.reputationAudit).toBe(ADMIN_PURGE_PAGE * ADMIN_PURGE_MAX_PAGES);
    const second = await purgeAdminTables(db, now);
    expect(second.more).toBe(false);
    expect(second.reputationAudit).toBeGreaterThanOrEqual(1);
    expect(await has('reputation_guard_audit', "actor = 'bulk'")).toBe(0);
  });
});
