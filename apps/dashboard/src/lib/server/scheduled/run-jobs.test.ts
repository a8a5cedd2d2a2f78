import { describe, expect, it } from 'vitest';
import { InvocationBudget } from './budget';
import { runScheduledJobs, type JobShare } from './run-jobs';

describe('runScheduledJobs', () => {
  it('runs every job in order, each failing independently, one JSON line each', async () => {
    const lines: Array<{ level: string; line: Record<string, unknown> }> = [];
    const log = {
      log: (text: string) => lines.push({ level: 'log', line: JSON.parse(text) }),
      error: (text: string) => lines.push({ level: 'error', line: JSON.parse(text) }),
    };
    const ran: string[] = [];
    const now = new Date(Date.UTC(2026, 10, 28, 12));
    const results = await runScheduledJobs(
      [
        { name: 'first', queries: 1, run: async (at) => (ran.push(`first@${at.toISOString()}`), { purged: 3 }) },
        { name: 'broken', queries: 1, run: async () => Promise.reject(new RangeError('out of range')) },
        { name: 'last', queries: 1, run: async () => void ran.push('last') },
      ],
      { now, cron: '*/10 * * * *', log },
    );
    expect(ran).toEqual(['first@2026-11-28T12:00:00.000Z', 'last']);
    expect(results).toEqual([
      { job: 'first', outcome: 'ok', result: { purged: 3 } },
      { job: 'broken', outcome: 'failed', error: 'RangeError: out of range' },
      { job: 'last', outcome: 'ok' },
    ]);
    const common = {
      msg: 'scheduled-job',
      cron: '*/10 * * * *',
      scheduledTime: '2026-11-28T12:00:00.000Z',
      ms: expect.any(Number),
      queries: 0,
    };
    expect(lines).toEqual([
      { level: 'log', line: { ...common, job: 'first', outcome: 'ok', purged: 3 } },
      { level: 'error', line: { ...common, job: 'broken', outcome: 'failed', error: 'RangeError: out of range' } },
      { level: 'log', line: { ...common, job: 'last', outcome: 'ok' } },
    ]);
  });

  it('gives each job its share of one budget, the `rest` job what the later ones do not reserve', async () => {
    const shares: Array<[string, number]> = [];
    const budget = new InvocationBudget(100);
    const job = (name: string, queries: number, spend: number, rest = false) => ({
      name,
      queries,
      ...(rest ? { rest } : {}),
      run: async (_now: Date, share: JobShare) => {
        shares.push([name, share.queries]);
        budget.charge(spend);
      },
    });
    const log = { log: () => {}, error: () => {} };
    const results = await runScheduledJobs(
      [job('fixed', 30, 10), job('purge', 20, 65, true), job('greedy', 5, 6), job('alerts', 10, 10)],
      { now: new Date(0), cron: 'test', log, budget },
    );
    // 100 − 10 spent − 15 reserved by the two after it = 75 for the purge.
    expect(shares).toEqual([
      ['fixed', 30],
      ['purge', 75],
      ['greedy', 5],
      ['alerts', 10],
    ]);
    expect(results.map((r) => r.error ?? r.outcome)).toEqual([
      'ok',
      'ok',
      "InvocationBudgetError: greedy would exceed its share of the invocation's D1 queries: 6 more call(s), 5 left (the invocation's limit is 100)",
      'ok',
    ]);
    expect(budget.spent).toBe(85);
  });

  it('refuses a job list that reserves more than the budget', async () => {
    const job = { name: 'big', queries: 901, run: async () => {} };
    await expect(runScheduledJobs([job], { now: new Date(0), cron: 'test' })).rejects.toThrow(
      "the scheduled jobs reserve 901 D1 queries, more than the invocation's 900",
    );
  });
});
