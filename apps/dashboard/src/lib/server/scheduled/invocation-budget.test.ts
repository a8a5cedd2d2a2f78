import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { buildSesEvent } from 'kuratchi-sdk/email/testing';
import { durableObjectDatabase } from 'kuratchi-sdk/internal/d1';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFaultPlan, failingD1, type FaultPlan } from '../../../../../../packages/kuratchi-sdk/test/failing-d1.js';
import { TEST_NOW } from '../../../../test/clock.js';
import { CRON_QUERY_LIMIT, D1_QUERIES_PER_INVOCATION } from './budget';
import { CRONS } from './crons';
import { GUARD_BESIDE_JOBS_QUERIES, GUARD_CRON_QUERIES } from './jobs';

/**
 * Each cron invocation (the Worker's `scheduled` handler: the guard's trigger, the other jobs'
 * trigger) at a worst case, on local D1 and organisation Durable Objects: more organisations than
 * the guard and the storage measurement take in one run, a purge backlog, rollups to backfill, a full park. Every
 * call to a D1 database (a statement or a batch) and to an organisation's object is counted
 * outside the Worker, as D1's limit ("read subrequest limits") is read here.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
const NOW = TEST_NOW.getTime();
const DAY = 86_400_000;
const ORGANIZATIONS = 320;
const PURGED_ORGANIZATIONS = 4;
const OLD_EMAILS = 4_000;
const BACKFILLED_ORGANIZATIONS = 2;
const PARKED_EXPIRED = 12_000;
const PARKED_ROUTED = 40;

afterEach(() => vi.restoreAllMocks());

const orgId = (i: number) => `org-budget-${String(i).padStart(3, '0')}`;
const orgDb = (i: number) => durableObjectDatabase(env.ORG_DO.get(env.ORG_DO.idFromName(orgId(i))) as never);

/** `n` emails of organisation `i` created at `at`, with their routes when `routed`. */
async function seedEmails(i: number, n: number, at: number, prefix: string) {
  await orgDb(i)
    .prepare(
      `WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ?1)
       INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at)
       SELECT ?2 || n, 'r' || n || '@example.com', 's@example.com', 'Hi', 'delivered', 'ses-' || ?2 || n, ?3 + n, ?3 + n FROM k`,
    )
    .bind(n, prefix, at)
    .run();
}

async function seed() {
  const admin = env.ADMIN_DB;
  await admin.batch(
    Array.from({ length: ORGANIZATIONS }, (_, i) =>
      admin
        .prepare(
          `INSERT INTO organizations (id, name, database_kind, database_binding, created_at) VALUES (?, ?, 'durable-object', 'ORG_DO', 0)`,
        )
        .bind(orgId(i), `Budget ${i}`),
    ),
  );
  // A purge backlog: emails three years old, past any retention.
  for (let i = 0; i < PURGED_ORGANIZATIONS; i++) await seedEmails(i, OLD_EMAILS, NOW - 3 * 365 * DAY, `old-${i}-`);
  // Rollups to backfill (org migration 0011's marker over emails recorded before it).
  for (let i = PURGED_ORGANIZATIONS; i < PURGED_ORGANIZATIONS + BACKFILLED_ORGANIZATIONS; i++) {
    await seedEmails(i, 3_000, NOW - 2 * DAY, `pre-${i}-`);
    await orgDb(i)
      .prepare('INSERT INTO email_rollups_backfill (id, high_water, cursor) SELECT 1, max(rowid), 0 FROM emails')
      .run();
  }
  // A full park: events whose route appeared since (applied by the sweep), and expired ones.
  const routed = ORGANIZATIONS - 1;
  await seedEmails(routed, PARKED_ROUTED, NOW - 60_000, 'routed-');
  for (let n = 1; n <= PARKED_ROUTED; n++) {
    const ses = `ses-routed-${n}`;
    const message = JSON.stringify(
      buildSesEvent({ eventType: 'Delivery', messageId: ses, time: new Date(NOW - 30_000) }),
    );
    await admin.batch([
      admin
        .prepare(
          'INSERT INTO parked_email_events (sns_message_id, ses_message_id, message, parked_at) VALUES (?, ?, ?, ?)',
        )
        .bind(`${ses}-sns`, ses, message, NOW - 30_000),
      admin.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)').bind(ses, orgId(routed), `routed-${n}`),
    ]);
  }
  await admin
    .prepare(
      `WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ?1)
       INSERT INTO parked_email_events (sns_message_id, ses_message_id, message, parked_at)
       SELECT 'sns-expired-' || n, 'ses-expired-' || n, '{}', ?2 FROM k`,
    )
    .bind(PARKED_EXPIRED, NOW - 3 * DAY)
    .run();
}

/** ORG_DO whose objects count each SQL call they are sent (kuratchi-sdk's OrganizationDatabaseRpc). */
function countingNamespace(namespace: DurableObjectNamespace, plan: FaultPlan): DurableObjectNamespace {
  return new Proxy(namespace, {
    get(target, property) {
      if (property === 'get')
        return (...args: Parameters<DurableObjectNamespace['get']>) => {
          const stub = target.get(...args) as unknown as Record<string, (...a: unknown[]) => unknown>;
          return new Proxy(stub, {
            get(s, name) {
              if (name === 'runStatements')
                return (statements: unknown[], atomic: boolean) => (plan.calls++, s.runStatements!(statements, atomic));
              if (name === 'recordEvents' || name === 'databaseSize')
                return (...a: unknown[]) => (plan.calls++, s[name]!(...a));
              return Reflect.get(s, name);
            },
          });
        };
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Runs the cron `cron` once on counting bindings; the calls counted and the jobs' log lines. */
async function runCron(at: number, cron: string) {
  const plan = createFaultPlan();
  const counted = {
    ...env,
    ADMIN_DB: failingD1(env.ADMIN_DB, plan),
    ORG_DB_ACME: failingD1(env.ORG_DB_ACME, plan),
    ORG_DB_GLOBEX: failingD1(env.ORG_DB_GLOBEX, plan),
    ORG_DO: countingNamespace(env.ORG_DO as unknown as DurableObjectNamespace, plan),
  };
  const lines: Array<Record<string, unknown>> = [];
  const capture = (text: unknown) => {
    const line = JSON.parse(String(text)) as Record<string, unknown>;
    if (line['msg'] === 'scheduled-job') lines.push(line);
  };
  vi.spyOn(console, 'log').mockImplementation(capture);
  vi.spyOn(console, 'error').mockImplementation(capture);
  // The Worker's clock held still: the guard's count bounds its run here, not its 30 s (GUARD_RUN_MS),
  // which a loaded machine's slow objects would reach first.
  vi.spyOn(Date, 'now').mockReturnValue(Date.now());
  const ctx = createExecutionContext();
  const error = await Promise.resolve(
    worker.scheduled!(createScheduledController({ scheduledTime: new Date(at), cron }), counted as never, ctx),
  ).then(
    () => null,
    (e: unknown) => e,
  );
  await waitOnExecutionContext(ctx);
  vi.restoreAllMocks();
  return { calls: plan.calls, lines, error };
}

/** What every run must show: every job ok and given the calls it wanted, all counted, within D1's limit. */
function expectWithinBudget(run: Awaited<ReturnType<typeof runCron>>) {
  const byJob = Object.fromEntries(run.lines.map((l) => [l['job'], l['queries']]));
  console.info(`cron run: ${run.calls} calls`, JSON.stringify(byJob));
  expect(run.lines.filter((l) => l['outcome'] !== 'ok')).toEqual([]);
  expect(run.error).toBeNull();
  // No job went without calls it wanted (the alerts' events-stopped reads its organisations in turn).
  expect(run.lines.filter((l) => l['refused']).map((l) => l['job'])).toEqual([]);
  // The budget saw every call the bindings counted.
  expect(run.lines.reduce((sum, l) => sum + Number(l['queries']), 0)).toBe(run.calls);
  expect(run.calls).toBeLessThanOrEqual(CRON_QUERY_LIMIT);
  expect(run.calls).toBeLessThanOrEqual(D1_QUERIES_PER_INVOCATION);
}

describe('one D1 query budget per cron invocation', () => {
  it('keeps each trigger’s invocation within D1’s 1,000 queries at a worst case, every job ok', async () => {
    await seed();
    // The guard's own trigger ran a minute ago: the other jobs' run leaves the guard to it (one
    // query), and the purge spends what the guard left. Ten and twenty minutes later the guard's
    // trigger has been silent (a wrangler.toml without it): the other jobs' run takes its place.
    const before = await runCron(NOW - 60_000, CRONS.guard);
    expectWithinBudget(before);
    const runs = [];
    for (let k = 0; k < 3; k++) runs.push(await runCron(NOW + k * 600_000, CRONS.jobs));
    for (const run of runs) expectWithinBudget(run);
    const guardLines = runs.map((run) => run.lines.find((l) => l['job'] === 'reputation-guard')!);
    // Taking its place: the cursor's read, then the pass goes on (the 20 organisations left), then
    // from the first, as many as its share allows less the slice's 32 (one call each, 2 for the slice).
    const beside = GUARD_BESIDE_JOBS_QUERIES - 1 - 32;
    expect(guardLines.map((l) => [l['queries'], l['skipped'] ?? l['evaluated']])).toEqual([
      [1, `its trigger ran at ${new Date(NOW - 60_000).toISOString()}`],
      [1 + (ORGANIZATIONS - 300) + 2, ORGANIZATIONS - 300],
      [1 + beside + 2, beside],
    ]);
    // The worst case is one: the storage measurement takes its whole share, the purge spends what
    // is left on its backlog.
    const first = runs[0]!.lines;
    const job = (name: string) => first.find((l) => l['job'] === name)!;
    expect(job('retention-purge')['emailsDeleted']).toBeGreaterThan(0);
    expect(job('rollup-backfill')['rowids']).toBeGreaterThan(0);

    // The guard alone, every minute: KURATCHI_GUARD_ORGANIZATIONS_PER_RUN's default of them, one
    // call each and the slice's two admin calls.
    expect(before.lines.map((l) => l['job'])).toEqual(['reputation-guard']);
    expect(before.calls).toBeLessThanOrEqual(GUARD_CRON_QUERIES);
    expect([before.lines[0]!['evaluated'], before.calls]).toEqual([300, 302]);
  });
});
