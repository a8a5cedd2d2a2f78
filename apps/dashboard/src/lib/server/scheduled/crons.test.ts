import { describe, expect, it } from 'vitest';
import wranglerDev from '../../../../../../wrangler.dev.toml?raw';
import wrangler from '../../../../../../wrangler.toml?raw';
import { CRONS, cronName } from './crons';

/** The `crons = [...]` of a wrangler configuration's `[triggers]`, as written. */
const cronsOf = (toml: string) =>
  [...(/^crons\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1]?.matchAll(/"([^"]+)"/g) ?? [])].map((match) => match[1]);

describe('the cron triggers', () => {
  it('are the ones wrangler.toml and wrangler.dev.toml declare (scripts/dev.mjs fires those)', () => {
    expect(cronsOf(wrangler)).toEqual([CRONS.guard, CRONS.jobs]);
    expect(cronsOf(wranglerDev)).toEqual([CRONS.guard, CRONS.jobs]);
  });

  it('names the trigger that fired, and nothing for another cron', () => {
    expect([cronName('* * * * *'), cronName('*/10 * * * *'), cronName('*/5 * * * *')]).toEqual(['guard', 'jobs', null]);
  });
});
