import type { D1Database } from '@cloudflare/workers-types';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { orgObjectDatabase } from '../../../../test/org-database-kinds.js';
import { createD1ReputationGuardStore } from './d1-guard-store.js';
import { insertSentEmails } from './fixtures/recipients.js';
import { liftSendingPause } from './lift.js';
import { reputationReport } from './report.js';
import { runReputationGuardSlice } from './run-slice.js';
import { parseReputationGuardSettings } from './settings.js';

const DAY = 86_400_000;
// Five Durable Object organisations of this file (the admin database starts empty per file).
const ORGS = ['slice-org-1', 'slice-org-2', 'slice-org-3', 'slice-org-4', 'slice-org-5'];
const settings = parseReputationGuardSettings({ minRecipients: 20, minEvidence: { bounce: 1, complaint: 1 } });

/** A `D1Database` that counts the calls reaching the database (a batch is one call, as on the wire). */
function counting(db: D1Database): { db: D1Database; calls: () => number } {
  let calls = 0;
  type Statement = ReturnType<D1Database['prepare']>;
  // The real statement objects, their calls counted (the batch reads them as they are).
  const counted = (statement: Statement): Statement => {
    const call = (name: 'first' | 'all' | 'run' | 'raw') => {
      const method = statement[name] as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => (calls++, method.apply(statement, args));
    };
    const bind = statement.bind;
    return Object.assign(statement, {
      bind: (...values: unknown[]) => counted(bind.apply(statement, values)),
      first: call('first'),
      all: call('all'),
      run: call('run'),
      raw: call('raw'),
    });
  };
  const wrapped = {
    prepare: (sql: string) => counted(db.prepare(sql)),
    batch: (statements: Statement[]) => (calls++, db.batch(statements)),
    exec: (sql: string) => (calls++, db.exec(sql)),
  } as unknown as D1Database;
  return { db: wrapped, calls: () => calls };
}

beforeAll(async () => {
  await env.ADMIN_DB.batch(
    ORGS.map((id) =>
      env.ADMIN_DB.prepare(
        `INSERT INTO organizations (id, name, database_binding, database_kind, created_at) VALUES (?, ?, 'ORG_DO', 'durable-object', 0)`,
      ).bind(id, id),
    ),
  );
  // slice-org-2 bounces past the pause threshold in both windows; the others send cleanly.
  for (const id of ORGS)
    await insertSentEmails(orgObjectDatabase(id), [
      { sentAt: testTime(-30 * 60_000).getTime(), recipients: 200, bounced: id === 'slice-org-2' ? 40 : 0 },
      { sentAt: testTime(-2 * DAY).getTime(), recipients: 100 },
    ]);
});

describe("the guard's report", () => {
  it('reads every window of an organisation in one call to its database, a lift and the short window included', async () => {
    const { db, calls } = counting(orgObjectDatabase('slice-org-2'));
    const report = await reputationReport(db, {
      now: testTime(0),
      settings,
      rearmAfter: testTime(-3 * DAY).getTime(),
    });
    expect(calls()).toBe(1);
    // Each window read from its own statement of the batch.
    expect(report.verdict).toMatchObject({ recipients: 300, bounced: 40, level: 'pause' });
    expect(report.sinceRearm).toMatchObject({ recipients: 300, bounced: 40 });
    expect(report.short?.verdict).toMatchObject({ recipients: 200, bounced: 40 });
    expect(report.short?.sinceRearm).toMatchObject({ recipients: 200, bounced: 40 });
    expect(report.days.reduce((n, d) => n + d.recipients, 0)).toBe(300);
  });
});

describe("the guard's cron, one slice per invocation", () => {
  it('evaluates `limit` organisations per call in id order, goes on where it stopped, and starts again after the last', async () => {
    const run = (limit: number, minutes: number) =>
      runReputationGuardSlice({
        adminDb: env.ADMIN_DB,
        orgDatabase: ({ organizationId, location }) => {
          expect(location).toEqual({ kind: 'durable-object', binding: 'ORG_DO', movingSince: null });
          return orgObjectDatabase(organizationId);
        },
        now: testTime(minutes * 60_000),
        settings,
        limit,
      });
    const first = await run(2, 0);
    expect(first).toMatchObject({ after: '', organizations: ORGS.slice(0, 2), last: false, failures: [] });
    expect(first.evaluations.map((e) => [e.organizationId, e.state])).toEqual([
      ['slice-org-1', 'ok'],
      ['slice-org-2', 'paused'],
    ]);
    // The cursor carries the time of the call that moved it (what the other jobs' cron reads).
    expect(await createD1ReputationGuardStore(env.ADMIN_DB).lastRunAt()).toBe(testTime(0).getTime());
    expect(await run(2, 1)).toMatchObject({ after: 'slice-org-2', organizations: ORGS.slice(2, 4), last: false });
    expect(await run(2, 2)).toMatchObject({ after: 'slice-org-4', organizations: ORGS.slice(4), last: true });
    // After the last: from the first again; with a limit above the count, all of them every call.
    expect(await run(2, 3)).toMatchObject({ after: '', organizations: ORGS.slice(0, 2) });
    expect(await run(10, 4)).toMatchObject({ after: 'slice-org-2', organizations: ORGS.slice(2), last: true });
    expect(await run(5, 5)).toMatchObject({ after: '', organizations: ORGS, last: true });
    expect(await run(5, 6)).toMatchObject({ after: '', organizations: ORGS, last: true });
    // Every organisation's state carries the time of the call that evaluated it last.
    const states = await Promise.all(ORGS.map((id) => createD1ReputationGuardStore(env.ADMIN_DB).getState(id)));
    expect(states.map((s) => [s?.state, s?.evaluatedAt])).toEqual(
      ORGS.map((id) => [id === 'slice-org-2' ? 'paused' : 'ok', testTime(6 * 60_000).getTime()]),
    );
    expect(await createD1ReputationGuardStore(env.ADMIN_DB).lastRunAt()).toBe(testTime(6 * 60_000).getTime());
  });

  it('goes on past an organisation that fails, reports it, and moves the cursor past it', async () => {
    const slice = await runReputationGuardSlice({
      adminDb: env.ADMIN_DB,
      orgDatabase: ({ organizationId }) => {
        if (organizationId === 'slice-org-1') throw new Error('unreachable');
        return orgObjectDatabase(organizationId);
      },
      now: testTime(10 * 60_000),
      settings,
      limit: 3,
    });
    expect(slice.organizations).toEqual(ORGS.slice(0, 3));
    expect(slice.failures).toEqual([{ organizationId: 'slice-org-1', error: new Error('unreachable') }]);
    expect(slice.evaluations.map((e) => e.organizationId)).toEqual(['slice-org-2', 'slice-org-3']);
    const next = await runReputationGuardSlice({
      adminDb: env.ADMIN_DB,
      orgDatabase: ({ organizationId }) => orgObjectDatabase(organizationId),
      now: testTime(11 * 60_000),
      settings,
      limit: 3,
    });
    expect(next).toMatchObject({ after: 'slice-org-3', organizations: ORGS.slice(3), last: true });
  });

  it("reads the slice's states with its organisations in one admin call and writes them all in one batch", async () => {
    const admin = counting(env.ADMIN_DB);
    const orgCalls: Array<() => number> = [];
    const slice = await runReputationGuardSlice({
      adminDb: admin.db,
      orgDatabase: ({ organizationId }) => {
        const org = counting(orgObjectDatabase(organizationId));
        orgCalls.push(org.calls);
        return org.db;
      },
      now: testTime(20 * 60_000),
      settings,
      limit: 5,
    });
    expect(slice).toMatchObject({ after: '', organizations: ORGS, last: true, failures: [] });
    expect(orgCalls.map((calls) => calls())).toEqual([1, 1, 1, 1, 1]);
    // Two calls for five organisations (and for 200): ≤ 1 per organisation from a slice of 2 up.
    expect(admin.calls()).toBe(2);
    const states = await Promise.all(ORGS.map((id) => createD1ReputationGuardStore(env.ADMIN_DB).getState(id)));
    expect(states.map((s) => s?.evaluatedAt)).toEqual(ORGS.map(() => testTime(20 * 60_000).getTime()));
  });

  it('leaves a pause lifted while the slice was being evaluated lifted (its state is not overwritten)', async () => {
    const store = createD1ReputationGuardStore(env.ADMIN_DB);
    expect((await store.getState('slice-org-2'))?.state).toBe('paused');
    const liftedAt = testTime(30 * 60_000);
    const slice = await runReputationGuardSlice({
      adminDb: env.ADMIN_DB,
      // The slice has read the states already: the superadmin lifts slice-org-2's pause now.
      orgDatabase: async ({ organizationId, state }) => {
        if (organizationId === 'slice-org-2') {
          expect(state?.state).toBe('paused');
          await liftSendingPause({
            adminDb: env.ADMIN_DB,
            organizationId,
            actor: 'root@example.com',
            reason: 'fixed',
            now: liftedAt,
          });
        }
        return orgObjectDatabase(organizationId);
      },
      now: testTime(31 * 60_000),
      settings,
      limit: 5,
    });
    expect(slice.evaluations.find((e) => e.organizationId === 'slice-org-2')?.state).toBe('paused');
    expect(await store.getState('slice-org-2')).toMatchObject({
      state: 'ok',
      since: liftedAt.getTime(),
      rearmAfter: liftedAt.getTime(),
    });
    // The others are written in the same batch; the lift is the last audit entry of slice-org-2.
    expect((await store.getState('slice-org-1'))?.evaluatedAt).toBe(testTime(31 * 60_000).getTime());
    expect((await store.listAudit({ organizationId: 'slice-org-2', limit: 1 }))[0]).toMatchObject({ action: 'lift' });
  });

  it('writes nothing of a slice whose batch fails: the next invocation evaluates the same organisations', async () => {
    const store = createD1ReputationGuardStore(env.ADMIN_DB);
    const before = await Promise.all(ORGS.map((id) => store.getState(id)));
    const failing = {
      prepare: (sql: string) => env.ADMIN_DB.prepare(sql),
      batch: () => Promise.reject(new Error('D1 unavailable')),
    } as unknown as D1Database;
    const run = (adminDb: D1Database, minutes: number) =>
      runReputationGuardSlice({
        adminDb,
        orgDatabase: ({ organizationId }) => orgObjectDatabase(organizationId),
        now: testTime(minutes * 60_000),
        settings,
        limit: 2,
      });
    await expect(run(failing, 40)).rejects.toThrow('D1 unavailable');
    expect(await Promise.all(ORGS.map((id) => store.getState(id)))).toEqual(before);
    const next = await run(env.ADMIN_DB, 41);
    expect(next).toMatchObject({ after: '', organizations: ORGS.slice(0, 2) });
  });

  it('stops starting organisations at its deadline, after one at least, and the next call goes on after it', async () => {
    const run = (minutes: number, deadline?: number) =>
      runReputationGuardSlice({
        adminDb: env.ADMIN_DB,
        orgDatabase: ({ organizationId }) => orgObjectDatabase(organizationId),
        now: testTime(minutes * 60_000),
        settings,
        limit: 5,
        ...(deadline === undefined ? {} : { deadline }),
      });
    // From the first (the earlier tests' cursor may be anywhere): a whole pass without a deadline.
    while (!(await run(50)).last);
    // A deadline already past: one organisation per call.
    const first = await run(51, 0);
    expect(first).toMatchObject({ after: '', organizations: ORGS.slice(0, 1), last: false, stoppedAtDeadline: true });
    expect(first.evaluations.map((e) => e.organizationId)).toEqual(ORGS.slice(0, 1));
    expect(await run(52, 0)).toMatchObject({ after: 'slice-org-1', organizations: ORGS.slice(1, 2) });
    // A deadline not reached: the rest of the pass.
    expect(await run(53, Date.now() + 60_000)).toMatchObject({
      after: 'slice-org-2',
      organizations: ORGS.slice(2),
      last: true,
      stoppedAtDeadline: false,
    });
  });

  it('two overlapping calls write an organisation’s first state once, with one audit entry', async () => {
    // No state yet (each organisation's first evaluation) and the cursor at the start.
    const marks = ORGS.map(() => '?').join(', ');
    await env.ADMIN_DB.batch([
      env.ADMIN_DB.prepare(`DELETE FROM reputation_guard_state WHERE organization_id IN (${marks})`).bind(...ORGS),
      env.ADMIN_DB.prepare(`DELETE FROM reputation_guard_audit WHERE organization_id IN (${marks})`).bind(...ORGS),
      env.ADMIN_DB.prepare('DELETE FROM reputation_guard_cursor'),
    ]);
    const run = (orgDatabase: Parameters<typeof runReputationGuardSlice>[0]['orgDatabase']) =>
      runReputationGuardSlice({ adminDb: env.ADMIN_DB, orgDatabase, now: testTime(60 * 60_000), settings, limit: 5 });
    // The second call (a cron event delivered twice, or a run past its interval) reads the same
    // cursor and no states, and saves all of them while the first is still evaluating.
    let second: Awaited<ReturnType<typeof runReputationGuardSlice>> | undefined;
    const first = await run(async ({ organizationId }) => {
      second ??= await run(({ organizationId: id }) => orgObjectDatabase(id));
      return orgObjectDatabase(organizationId);
    });
    expect([first.organizations, second!.organizations]).toEqual([ORGS, ORGS]);
    expect(first.evaluations.find((e) => e.organizationId === 'slice-org-2')?.state).toBe('paused');
    const store = createD1ReputationGuardStore(env.ADMIN_DB);
    expect((await store.listAudit({ organizationId: 'slice-org-2', limit: 10 })).map((e) => e.action)).toEqual([
      'pause',
    ]);
    expect((await store.getState('slice-org-2'))?.state).toBe('paused');
  });

  it('refuses a limit that is not a whole number ≥ 1', async () => {
    for (const limit of [0, 1.5, -1])
      await expect(
        runReputationGuardSlice({
          adminDb: env.ADMIN_DB,
          orgDatabase: ({ organizationId }) => orgObjectDatabase(organizationId),
          now: testTime(0),
          settings,
          limit,
        }),
      ).rejects.toThrow(RangeError);
  });
});
