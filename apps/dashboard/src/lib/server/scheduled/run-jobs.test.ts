import { describe, expect, it } from 'vitest';
import { runScheduledJobs } from './run-jobs';

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
        { name: 'first', run: async (at) => (ran.push(`first@${at.toISOString()}`), { purged: 3 }) },
        { name: 'broken', run: async () => Promise.reject(new RangeError('out of range')) },
        { name: 'last', run: async () => void ran.push('last') },
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
    };
    expect(lines).toEqual([
      { level: 'log', line: { ...common, job: 'first', outcome: 'ok', purged: 3 } },
      { level: 'error', line: { ...common, job: 'broken', outcome: 'failed', error: 'RangeError: out of range' } },
      { level: 'log', line: { ...common, job: 'last', outcome: 'ok' } },
    ]);
  });
});
