import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { CRONS, type CronName } from '../scheduled/crons';
import { scheduledJobs } from '../scheduled/jobs';
import { TABLE_BOUNDS } from './table-bounds';

describe('the table-bounds registry', () => {
  it('names only cron jobs the Worker runs (test/node/table-bounds.test.mjs checks the tables)', () => {
    const jobs = (Object.keys(CRONS) as CronName[]).flatMap((cron) =>
      scheduledJobs(env as never, cron).map((j) => j.name),
    );
    const named = [...new Set(TABLE_BOUNDS.flatMap((b) => ('job' in b.enforcedBy ? [b.enforcedBy.job] : [])))];
    expect(named.filter((name) => !jobs.includes(name))).toEqual([]);
    expect(named).toEqual(expect.arrayContaining(['admin-purge', 'storage-measure', 'park-sweep', 'retention-purge']));
  });
});
