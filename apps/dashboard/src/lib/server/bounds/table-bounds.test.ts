import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { scheduledJobs } from '../scheduled/jobs';
import { TABLE_BOUNDS } from './table-bounds';

/**
 * Jobs that other branches of issue 30 add (retention's `retention-purge`). When one lands,
 * this test fails until its name is taken off this list.
 */
const LANDING = ['retention-purge'];

describe('the table-bounds registry', () => {
  it('names only cron jobs the Worker runs (test/node/table-bounds.test.mjs checks the tables)', () => {
    const jobs = scheduledJobs(env as never).map((j) => j.name);
    const named = [...new Set(TABLE_BOUNDS.flatMap((b) => ('job' in b.enforcedBy ? [b.enforcedBy.job] : [])))];
    expect(named.filter((name) => !jobs.includes(name) && !LANDING.includes(name))).toEqual([]);
    expect(
      LANDING.filter((name) => jobs.includes(name)),
      'landed: take it off LANDING',
    ).toEqual([]);
    expect(named).toEqual(expect.arrayContaining(['admin-purge', 'storage-measure', 'park-sweep']));
  });
});
