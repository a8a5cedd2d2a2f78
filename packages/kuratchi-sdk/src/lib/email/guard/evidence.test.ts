import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { addOrganizations } from '../../../../test/seed.js';
import { createD1ReputationGuardStore } from './d1-guard-store.js';
import { ConfigurationSetTakenError } from './errors.js';
import { evaluateReputationGuard } from './evaluate.js';
import { insertBulkSent } from './fixtures/recipients.js';
import { liftSendingPause } from './lift.js';
import { parseReputationGuardSettings } from './settings.js';
import { describeNeeds, reputationVerdict } from './verdict.js';

/**
 * The guard's evidence minimum with its DEFAULT settings (issue 31, item 1): what an outside party
 * can do (one "report spam" click, a handful of typed non-existent addresses, one person
 * complaining again and again, again after a lift) never pauses an organisation; "no verdict yet"
 * says what more is needed; an own configuration set belongs to one organisation only.
 * Each organisation of this file is evaluated at instants of its own, far from other files'.
 */
const DAY = 86_400_000;
const defaults = parseReputationGuardSettings();
const store = () => createD1ReputationGuardStore(env.ADMIN_DB);
const ORGS = [
  'ev-one-complaint',
  'ev-eight-bounces',
  'ev-same-address',
  'ev-relift',
  'ev-set-a',
  'ev-set-b',
  'ev-set-c',
];

// Admin rows only: `evaluate` is given the database the fixtures write to. A D1 database belongs
// to one organisation (admin migration 0016), so these name a Durable Object.
beforeAll(() => addOrganizations(ORGS.map((id) => ({ id }))));

const evaluate = (organizationId: string, now: Date) =>
  evaluateReputationGuard({ adminDb: env.ADMIN_DB, orgDb: env.ORG_DB_ACME, organizationId, now, settings: defaults });

describe('the verdict with the default evidence minimum (50 bounced, 10 complaining addresses)', () => {
  it('gives no verdict on one complaint or 8 bounces among 200 recipients, and says what more it needs', () => {
    const one = reputationVerdict({ recipients: 200, bounced: 0, complained: 1 }, defaults);
    expect(one).toMatchObject({ level: 'none', cause: null, complaintRate: 0.005 });
    // 0.5 % is past the pause threshold of 0.08 %, on 1 address of the 10 needed.
    expect(one.metrics.complaint).toMatchObject({ level: 'none', needs: { events: 9, recipients: 1800 } });
    // No bounce: ok only once a rate at the pause threshold (4 %) would have shown 50 addresses.
    expect(one.metrics.bounce).toMatchObject({ level: 'none', needs: { events: 0, recipients: 1050 } });
    expect(describeNeeds('complaint', one.metrics.complaint)).toBe(
      '9 more complaining addresses or 1,800 more recipients',
    );
    expect(describeNeeds('bounce', one.metrics.bounce)).toBe('1,050 more recipients');

    const eight = reputationVerdict({ recipients: 200, bounced: 8, complained: 0 }, defaults);
    expect(eight).toMatchObject({ level: 'none', cause: null, bounceRate: 0.04 });
  });

  it('pauses on the evidence minimum, and is ok below the warn threshold on enough volume', () => {
    expect(reputationVerdict({ recipients: 1250, bounced: 50, complained: 0 }, defaults).metrics.bounce.level).toBe(
      'pause',
    );
    expect(reputationVerdict({ recipients: 1250, bounced: 49, complained: 0 }, defaults).metrics.bounce).toMatchObject({
      level: 'none',
      needs: { events: 1, recipients: 26 },
    });
    expect(reputationVerdict({ recipients: 12_500, bounced: 0, complained: 10 }, defaults)).toMatchObject({
      level: 'pause',
      cause: { metric: 'complaint', rate: 0.0008, threshold: 0.0008 },
    });
    expect(reputationVerdict({ recipients: 12_500, bounced: 100, complained: 1 }, defaults)).toMatchObject({
      level: 'ok',
      metrics: { bounce: { level: 'ok', needs: null }, complaint: { level: 'ok', needs: null } },
    });
    // A warn on one metric is a verdict even while the other has none yet.
    expect(reputationVerdict({ recipients: 2000, bounced: 50, complained: 0 }, defaults)).toMatchObject({
      level: 'warn',
      metrics: { complaint: { level: 'none' } },
    });
  });
});

describe('evaluation with the default settings', () => {
  it('one "report spam" click among 200 recipients does not pause (it did: 0.5 % over 200)', async () => {
    const now = testTime(5000 * DAY);
    await insertBulkSent(env.ORG_DB_ACME, { sentAt: now.getTime() - DAY, emails: 200, complained: 1 });
    const result = await evaluate('ev-one-complaint', now);
    expect(result).toMatchObject({ state: 'ok', report: { verdict: { level: 'none', complained: 1 } } });
  });

  it('8 typed non-existent addresses among 200 recipients do not pause (they did: 4 % over 200)', async () => {
    const now = testTime(5100 * DAY);
    await insertBulkSent(env.ORG_DB_ACME, { sentAt: now.getTime() - DAY, emails: 200, bounced: 8 });
    const result = await evaluate('ev-eight-bounces', now);
    expect(result).toMatchObject({ state: 'ok', report: { verdict: { level: 'none', bounced: 8 } } });
    expect(await store().getState('ev-eight-bounces')).toMatchObject({ state: 'ok', recipients: 200, bounced: 8 });
  });

  it('one address complaining on 12 emails counts once (12 complaints over 12,500 recipients paused)', async () => {
    const now = testTime(5200 * DAY);
    await insertBulkSent(env.ORG_DB_ACME, { sentAt: now.getTime() - 2 * DAY, emails: 12_500 });
    await insertBulkSent(env.ORG_DB_ACME, {
      sentAt: now.getTime() - DAY,
      emails: 12,
      complained: 12,
      address: 'angry@example.com',
    });
    const result = await evaluate('ev-same-address', now);
    expect(result.state).toBe('ok');
    expect(result.report.verdict).toMatchObject({ recipients: 12_512, complained: 1, level: 'ok' });
  });

  it('after a lift, the same people complaining again do not pause again; new people do', async () => {
    const now = testTime(5300 * DAY);
    const at = (days: number) => new Date(now.getTime() + days * DAY);
    // 11 distinct complaining addresses among 12,500 recipients: 0.088 %, past 0.08 % on enough evidence.
    await insertBulkSent(env.ORG_DB_ACME, {
      sentAt: now.getTime() - DAY,
      emails: 12_500,
      complained: 11,
      prefix: 'ev-relift',
    });
    expect(await evaluate('ev-relift', now)).toMatchObject({ state: 'paused', changed: true });
    await liftSendingPause({
      adminDb: env.ADMIN_DB,
      organizationId: 'ev-relift',
      actor: 'root@kuratchi.test',
      reason: 'list cleaned',
      now: at(0.1),
    });
    // The same 11 people receive the next mailing and complain again, among 12,500 recipients.
    await insertBulkSent(env.ORG_DB_ACME, {
      sentAt: at(0.2).getTime(),
      emails: 12_500,
      complained: 11,
      prefix: 'ev-relift',
    });
    const again = await evaluate('ev-relift', at(0.5));
    expect(again.state).not.toBe('paused');
    expect(again.report.sinceRearm).toMatchObject({ recipients: 12_500, complained: 0 });
    // Twelve new people complaining since the lift (12 of 12,512: 0.096 %) is new evidence: it pauses.
    await insertBulkSent(env.ORG_DB_ACME, { sentAt: at(0.6).getTime(), emails: 12, complained: 12 });
    const fresh = await evaluate('ev-relift', at(0.7));
    expect(fresh).toMatchObject({ state: 'paused', report: { sinceRearm: { complained: 12 } } });
  });
});

describe("an organisation's own configuration set", () => {
  it('belongs to one organisation: a second is refused (any case), nothing written', async () => {
    await store().setConfigurationSet('ev-set-a', 'ev-shared-set');
    const refused = await store()
      .setConfigurationSet('ev-set-b', 'EV-Shared-Set')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigurationSetTakenError);
    expect(refused).toMatchObject({ code: 'configuration-set-taken', heldBy: 'ev-set-a' });
    expect((refused as Error).message).toMatch(/already the own configuration set of organisation ev-set-a/);
    expect(await store().configurationSetOf('ev-set-b')).toBeNull();
    // The same organisation may record it again, and another may take it once it is released.
    await store().setConfigurationSet('ev-set-a', 'ev-shared-set');
    await store().setConfigurationSet('ev-set-a', null);
    await store().setConfigurationSet('ev-set-b', 'ev-shared-set');
    expect(await store().configurationSetOf('ev-set-b')).toBe('ev-shared-set');
  });

  it('is refused by the database itself, whoever writes the row (wrangler d1 execute, a future path)', async () => {
    await expect(
      env.ADMIN_DB.prepare(
        "INSERT INTO organization_configuration_sets (organization_id, configuration_set_name) VALUES ('ev-set-c', 'ev-shared-set')",
      ).run(),
    ).rejects.toThrow(/UNIQUE constraint failed: organization_configuration_sets\.configuration_set_name/);
    expect(await store().configurationSetOf('ev-set-c')).toBeNull();
  });

  it('must be a name SES accepts', async () => {
    await expect(store().setConfigurationSet('ev-set-a', 'has space')).rejects.toThrow(
      /name: must be 1 to 64 ASCII letters/,
    );
  });
});
