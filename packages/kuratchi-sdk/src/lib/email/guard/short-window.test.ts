import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { addOrganizations } from '../../../../test/seed.js';
import { createD1ReputationGuardStore, describeGuardWindow } from './d1-guard-store.js';
import { evaluateReputationGuard } from './evaluate.js';
import { insertBulkSent } from './fixtures/recipients.js';
import { liftSendingPause } from './lift.js';
import { parseReputationGuardSettings, type ReputationGuardSettings } from './settings.js';

/**
 * The two windows with the DEFAULT settings (issue 28): the long window (7 days) and the short one
 * (60 minutes: 200 recipients, 20 bounced / 5 complaining addresses, twice the thresholds); the
 * worse verdict decides and the reason names the window. Each organisation of this file is
 * evaluated at instants of its own, far from other files'.
 */
const DAY = 86_400_000;
const MINUTE = 60_000;
const defaults = parseReputationGuardSettings();
const ORGS = ['sw-burst', 'sw-small-burst', 'sw-long', 'sw-off'];

// Admin rows only: `evaluate` is given the database the fixtures write to.
beforeAll(() => addOrganizations(ORGS.map((id) => ({ id }))));

const evaluate = (organizationId: string, now: Date, settings: ReputationGuardSettings = defaults) =>
  evaluateReputationGuard({ adminDb: env.ADMIN_DB, orgDb: env.ORG_DB_ACME, organizationId, now, settings });

/** 13,000 clean recipients three days before `now`: the long window's rates stay low. */
const cleanWeek = (now: Date) => insertBulkSent(env.ORG_DB_ACME, { sentAt: now.getTime() - 3 * DAY, emails: 13_000 });

describe('the short window', () => {
  it('pauses on a burst within the hour past its thresholds on enough volume, though the long window is ok', async () => {
    const now = testTime(5500 * DAY);
    await cleanWeek(now);
    // 30 of 300 bounced 10 minutes ago: 10 % is past the short pause threshold (2 × 4 % = 8 %).
    await insertBulkSent(env.ORG_DB_ACME, { sentAt: now.getTime() - 10 * MINUTE, emails: 300, bounced: 30 });
    const result = await evaluate('sw-burst', now);
    expect(result.report.verdict).toMatchObject({ recipients: 13_300, bounced: 30, level: 'ok' });
    expect(result.report.short?.verdict).toMatchObject({ recipients: 300, bounced: 30, level: 'pause' });
    expect(result).toMatchObject({ state: 'paused', changed: true });
    const state = await createD1ReputationGuardStore(env.ADMIN_DB).getState('sw-burst');
    expect(state).toMatchObject({
      metric: 'bounce',
      rate: 0.1,
      threshold: 0.08,
      decidedBy: 'short',
      windowMinutes: 60,
    });
    expect(describeGuardWindow(state!)).toBe('short window 60 minutes');
    const [entry] = await createD1ReputationGuardStore(env.ADMIN_DB).listAudit({ organizationId: 'sw-burst' });
    expect(entry?.reason).toBe(
      'bounce rate 10 % crossed the pause threshold 8 % over 300 recipients of the last 60 minutes (30 bounced addresses)',
    );

    // Why it is paused, as the ops API shows it: the reason of its latest pause or warn.
    expect((await createD1ReputationGuardStore(env.ADMIN_DB).stateReasons())['sw-burst']).toBe(entry?.reason);

    // After a lift, the burst that caused the pause does not pause again (the re-arm rule).
    await liftSendingPause({
      adminDb: env.ADMIN_DB,
      organizationId: 'sw-burst',
      actor: 'root@kuratchi.test',
      reason: 'list cleaned',
      now: new Date(now.getTime() + MINUTE),
    });
    const after = await evaluate('sw-burst', new Date(now.getTime() + 5 * MINUTE));
    expect(after.state).toBe('warn'); // the burst is still in the hour: held back, it warns
    const warned = await createD1ReputationGuardStore(env.ADMIN_DB).getState('sw-burst');
    expect(describeGuardWindow(warned!)).toBe('short window 60 minutes');
    expect(after.report.short?.sinceRearm).toMatchObject({ recipients: 0, bounced: 0 });
  });

  it('does not pause on the same rate below its minimum volume of 200 recipients', async () => {
    const now = testTime(5600 * DAY);
    await cleanWeek(now);
    // 30 of 150 bounced (20 %, on 30 addresses): past every threshold, on too few recipients.
    await insertBulkSent(env.ORG_DB_ACME, { sentAt: now.getTime() - 10 * MINUTE, emails: 150, bounced: 30 });
    const result = await evaluate('sw-small-burst', now);
    expect(result.report.short?.verdict).toMatchObject({ recipients: 150, bounced: 30, level: 'none' });
    expect(result).toMatchObject({ state: 'ok', changed: false });
  });

  it('is off with 0 minutes: the same burst as above does not pause', async () => {
    const now = testTime(5800 * DAY);
    await cleanWeek(now);
    await insertBulkSent(env.ORG_DB_ACME, { sentAt: now.getTime() - 10 * MINUTE, emails: 300, bounced: 30 });
    const off = parseReputationGuardSettings({ shortWindowMinutes: 0 });
    const result = await evaluate('sw-off', now, off);
    expect(result.report.short).toBeNull();
    expect(result).toMatchObject({ state: 'ok', report: { verdict: { level: 'ok' } } });
    expect(() => parseReputationGuardSettings({ shortWindowMinutes: -1 })).toThrow(
      /shortWindowMinutes: must be 0 \(off\) or more/,
    );
  });
});

describe('the long window', () => {
  it('still pauses on its own when the last hour is quiet, and the reason names it', async () => {
    const now = testTime(5700 * DAY);
    // 100 of 2,000 bounced three days ago: 5 % past the pause threshold of 4 % on 100 addresses.
    await insertBulkSent(env.ORG_DB_ACME, { sentAt: now.getTime() - 3 * DAY, emails: 2_000, bounced: 100 });
    const result = await evaluate('sw-long', now);
    expect(result.report.short?.verdict).toMatchObject({ recipients: 0, level: 'none' });
    expect(result).toMatchObject({ state: 'paused', changed: true });
    const [entry] = await createD1ReputationGuardStore(env.ADMIN_DB).listAudit({ organizationId: 'sw-long' });
    expect(entry?.reason).toBe(
      'bounce rate 5 % crossed the pause threshold 4 % over 2000 recipients of the last 7 days (100 bounced addresses)',
    );
    const state = await createD1ReputationGuardStore(env.ADMIN_DB).getState('sw-long');
    expect(describeGuardWindow(state!)).toBe('long window 7 days');
  });
});
