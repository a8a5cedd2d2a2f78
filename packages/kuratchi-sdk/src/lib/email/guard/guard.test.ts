import { PutConfigurationSetSendingOptionsCommand, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { orgObjectDatabase } from '../../../../test/org-database-kinds.js';
import { addOrganizations, countRows } from '../../../../test/seed.js';
import { stubbedSes } from '../../../../test/ses-stub.js';
import { held } from '../../../../test/held.js';
import { InvalidOptionsError } from '../shared/invalid-options.js';
import { createEmailSender } from '../send/send-email.js';
import { createOrgDatabaseClient } from '../organizations/org-databases.js';
import { createD1ReputationGuardStore } from './d1-guard-store.js';
import { decideReputationGuard, evaluateReputationGuard } from './evaluate.js';
import { NotPausedError, SendingPausedError } from './errors.js';
import { insertComplainedDay, insertSentEmails } from './fixtures/recipients.js';
import { liftSendingPause } from './lift.js';
import { reputationReport } from './report.js';
import { parseReputationGuardSettings } from './settings.js';
import { reputationVerdict } from './verdict.js';

const DAY = 86_400_000;
// Organisations of this file only, on the test databases, evaluated at instants of their own
// (derived from the pinned clock, far from the other files' fixtures) so nothing else counts.
const ORG_A = 'guard-org-a';
const ORG_B = 'guard-org-b';
const ORG_C = 'guard-org-c';
// The mechanics (window, pause, lift, SES calls) on small fixtures: evidence minimum 1 address.
// The default minimum is tested with the attacks it stops in evidence.test.ts.
const settings = parseReputationGuardSettings({ minRecipients: 20, minEvidence: { bounce: 1, complaint: 1 } });
const store = () => createD1ReputationGuardStore(env.ADMIN_DB);

beforeAll(async () => {
  await addOrganizations([
    { id: ORG_A, name: 'Guard A', binding: 'ORG_DB_ACME' },
    { id: ORG_B, name: 'Guard B', binding: 'ORG_DB_GLOBEX' },
    // One organisation per D1 database (admin migration 0016): C sends from its object, and
    // its rates are read from the database the test hands over.
    { id: ORG_C, name: 'Guard C' },
  ]);
  await store().setConfigurationSet(ORG_C, 'guard-c-set');
});

/** Evaluates Guard C at `now`, its rates read from Globex's database (where its fixtures go), SES through `ses`. */
const evaluateC = (now: Date, ses: SESv2Client) =>
  evaluateReputationGuard({
    adminDb: env.ADMIN_DB,
    orgDb: env.ORG_DB_GLOBEX,
    organizationId: ORG_C,
    now,
    settings,
    ses,
  });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });

/** Stubbed SES whose first configuration set call is throttled (later ones agree), and a day that pauses Guard C at `now`. */
async function throttledOnce(now: Date) {
  const stub = stubbedSes();
  stub.mock.on(PutConfigurationSetSendingOptionsCommand).rejectsOnce(throttled()).resolves({});
  await insertComplainedDay(env.ORG_DB_GLOBEX, now);
  return stub;
}

describe("an organisation's own configuration set", () => {
  it('is never the shared default one, which a pause would disable for every organisation', async () => {
    await expect(store().setConfigurationSet(ORG_A, 'kuratchi-email-tracking')).rejects.toThrow(
      /name: kuratchi-email-tracking is the configuration set every organisation shares/,
    );
    expect(await store().configurationSetOf(ORG_A)).toBeNull();
  });
});

describe('the settings', () => {
  it('default to bounce 2 % / 4 %, complaint 0.05 % / 0.08 %, 7 days and 60 minutes, 200 recipients, 50 / 10 addresses', () => {
    expect(parseReputationGuardSettings()).toEqual({
      windowDays: 7,
      shortWindowMinutes: 60,
      minRecipients: 200,
      minEvidence: { bounce: 50, complaint: 10 },
      thresholds: { bounce: { warn: 0.02, pause: 0.04 }, complaint: { warn: 0.0005, pause: 0.0008 } },
    });
  });

  it("refuse thresholds at or above SES's review levels, and warn not below pause", () => {
    expect(() => parseReputationGuardSettings({ thresholds: { bounce: { pause: 0.05 } } })).toThrow(
      /thresholds\.bounce\.pause: must be below SES's review level of 5 %/,
    );
    expect(() => parseReputationGuardSettings({ thresholds: { complaint: { warn: 0.001 } } })).toThrow(
      /thresholds\.complaint\.warn: must be below SES's review level of 0\.1 %/,
    );
    expect(() => parseReputationGuardSettings({ thresholds: { bounce: { warn: 0.03, pause: 0.03 } } })).toThrow(
      /thresholds\.bounce: warn must be below pause/,
    );
    expect(() => parseReputationGuardSettings({ windowDays: 0, minRecipients: 1.5 })).toThrow(InvalidOptionsError);
    expect(() => parseReputationGuardSettings({ minEvidence: { complaint: 0 } })).toThrow(
      /minEvidence\.complaint: must be at least 1/,
    );
  });
});

describe('the verdict', () => {
  it('gives none below the minimum volume, whatever the rates', () => {
    expect(reputationVerdict({ recipients: 19, bounced: 19, complained: 0 }, settings)).toMatchObject({
      level: 'none',
      cause: null,
      bounceRate: 1,
    });
  });

  it('crosses a threshold at equality, and names the worse metric relative to its threshold', () => {
    expect(reputationVerdict({ recipients: 1000, bounced: 20, complained: 0 }, settings)).toMatchObject({
      level: 'warn',
      cause: { metric: 'bounce', rate: 0.02, threshold: 0.02 },
    });
    expect(reputationVerdict({ recipients: 10_000, bounced: 400, complained: 9 }, settings)).toMatchObject({
      level: 'pause',
      cause: { metric: 'complaint', rate: 0.0009, threshold: 0.0008 },
    });
  });
});

describe('the rates over the trailing window', () => {
  it('count per recipient, inside [now - window, now), Permanent bounces only, canaries left out', async () => {
    const now = testTime(400 * DAY);
    const start = now.getTime() - 7 * DAY;
    const fixture = [
      { sentAt: start, recipients: 3, bounced: 1 }, // first instant of the window: counted, 3 recipients
      { sentAt: start - 1, recipients: 5, bounced: 5 }, // just before it: not counted
      { sentAt: now.getTime(), recipients: 4, bounced: 4 }, // `now` itself is outside [from, to)
      { sentAt: now.getTime() - 1, recipients: 2, complained: 1 },
      { sentAt: start + DAY, recipients: 6, bounced: 2, bounceType: 'Transient' as const }, // soft bounces do not count
      { sentAt: start + 2 * DAY, recipients: 10, bounced: 10, canary: true }, // canary: kept apart
    ];
    await insertSentEmails(env.ORG_DB_ACME, fixture);
    const report = await reputationReport(env.ORG_DB_ACME, { now, settings });
    expect(report.verdict).toMatchObject({ recipients: 11, bounced: 1, complained: 1, level: 'none' });
    // The trend: every UTC day the window touches, whole (so its first and last days also count
    // the emails just outside the window that were sent on them).
    const day = (t: number) => Math.floor(t / DAY);
    const expected = new Map<number, { recipients: number; bounced: number }>();
    for (let d = day(start); d <= day(now.getTime() - 1); d++) expected.set(d, { recipients: 0, bounced: 0 });
    for (const email of fixture.filter((e) => !e.canary && expected.has(day(e.sentAt)))) {
      const counts = expected.get(day(email.sentAt))!;
      counts.recipients += email.recipients;
      if (email.bounceType !== 'Transient') counts.bounced += email.bounced ?? 0;
    }
    expect(report.days.map((d) => ({ start: d.start, recipients: d.recipients, bounced: d.bounced }))).toEqual(
      [...expected].map(([d, counts]) => ({ start: d * DAY, ...counts })),
    );
    expect(report.days.length).toBeGreaterThanOrEqual(7);
  });
});

describe('evaluation, pause, lift and re-arm', () => {
  it('warns, pauses once, stays paused, and a lift is not undone by the same data', async () => {
    const now = testTime(800 * DAY);
    const at = (days: number) => new Date(now.getTime() + days * DAY);
    const evaluate = (when: Date) =>
      evaluateReputationGuard({
        adminDb: env.ADMIN_DB,
        orgDb: env.ORG_DB_ACME,
        organizationId: ORG_A,
        now: when,
        settings,
      });

    await insertSentEmails(env.ORG_DB_ACME, [{ sentAt: now.getTime() - DAY, recipients: 100, bounced: 3 }]);
    expect(await evaluate(now)).toMatchObject({ previous: null, state: 'warn', changed: true });

    await insertSentEmails(env.ORG_DB_ACME, [{ sentAt: now.getTime() + 1000, recipients: 50, bounced: 4 }]);
    const paused = await evaluate(at(0.5));
    expect(paused).toMatchObject({ previous: 'warn', state: 'paused', changed: true, configurationSet: null });
    expect(await store().getState(ORG_A)).toMatchObject({
      state: 'paused',
      since: at(0.5).getTime(),
      metric: 'bounce',
      rate: 7 / 150,
      threshold: 0.04,
      recipients: 150,
    });
    await store().countRefusal(ORG_A, at(0.55).getTime());
    // Rates falling do not lift a pause: only a superadmin does.
    await insertSentEmails(env.ORG_DB_ACME, [{ sentAt: at(0.6).getTime(), recipients: 500 }]);
    expect(await evaluate(at(0.7))).toMatchObject({ state: 'paused', changed: false });
    expect(await store().getState(ORG_A)).toMatchObject({ refusedSends: 1, lastRefusedAt: at(0.55).getTime() });

    await expect(
      liftSendingPause({
        adminDb: env.ADMIN_DB,
        organizationId: ORG_A,
        actor: 'root@kuratchi.test',
        reason: ' ',
        now: at(1),
      }),
    ).rejects.toThrow(/reason: is required/);
    await liftSendingPause({
      adminDb: env.ADMIN_DB,
      organizationId: ORG_A,
      actor: 'root@kuratchi.test',
      reason: 'list cleaned, bounced addresses suppressed',
      now: at(1),
    });
    await expect(
      liftSendingPause({ adminDb: env.ADMIN_DB, organizationId: ORG_A, actor: 'a@b.c', reason: 'again', now: at(1) }),
    ).rejects.toBeInstanceOf(NotPausedError);

    // Re-arm: the same (and even worse) pre-lift data does not pause again; the full window still warns.
    // (Its healthy recipients moved out of the window: a deleted row still counts, as a purged one does.)
    await env.ORG_DB_ACME.prepare('UPDATE email_recipients SET sent_at = ? WHERE sent_at = ?')
      .bind(at(-30).getTime(), at(0.6).getTime())
      .run();
    expect(await evaluate(at(1.1))).toMatchObject({ state: 'warn', changed: true });
    // Recipients sent after the lift, with enough volume and bounces, pause again.
    await insertSentEmails(env.ORG_DB_ACME, [{ sentAt: at(1.2).getTime(), recipients: 19, bounced: 1 }]);
    expect(await evaluate(at(1.3))).toMatchObject({ state: 'warn' }); // 19 < minRecipients since the lift
    await insertSentEmails(env.ORG_DB_ACME, [{ sentAt: at(1.4).getTime(), recipients: 5 }]);
    const again = await evaluate(at(1.5));
    expect(again).toMatchObject({ state: 'paused', changed: true });
    expect(again.report.sinceRearm).toMatchObject({ recipients: 24, bounced: 1 });
    // A new pause counts its own refused sends, not the last pause's.
    expect(await store().getState(ORG_A)).toMatchObject({ refusedSends: 0, lastRefusedAt: null });

    const audit = await store().listAudit({ organizationId: ORG_A });
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['pause', 'reputation-guard'],
      ['warn', 'reputation-guard'],
      ['lift', 'root@kuratchi.test'],
      ['pause', 'reputation-guard'],
      ['warn', 'reputation-guard'],
    ]);
    // The lift keeps the rates of the last evaluation (650 recipients by then).
    expect(audit[2]).toMatchObject({ reason: 'list cleaned, bounced addresses suppressed', recipients: 650 });
    expect(audit[3]!.reason).toBe(
      'bounce rate 4.67 % crossed the pause threshold 4 % over 150 recipients of the last 7 days (7 bounced addresses)',
    );
    expect(audit[0]!.reason).toMatch(
      /over 24 recipients of the last 7 days sent since the last lift \(1 bounced addresses\)$/,
    );
  });

  it("pauses and re-enables the organisation's own configuration set at SES", async () => {
    const now = testTime(1200 * DAY);
    const { ses, mock } = stubbedSes();
    mock.on(PutConfigurationSetSendingOptionsCommand).resolves({});
    await insertComplainedDay(env.ORG_DB_GLOBEX, now);
    const result = await evaluateC(now, ses);
    expect(result).toMatchObject({ state: 'paused', configurationSet: 'guard-c-set: sending disabled at SES' });
    await liftSendingPause({
      adminDb: env.ADMIN_DB,
      organizationId: ORG_C,
      actor: 'root@x.test',
      reason: 'ok now',
      now,
      ses,
    });
    expect(mock.commandCalls(PutConfigurationSetSendingOptionsCommand).map((c) => c.args[0].input)).toEqual([
      { ConfigurationSetName: 'guard-c-set', SendingEnabled: false },
      { ConfigurationSetName: 'guard-c-set', SendingEnabled: true },
    ]);
    const [lift, pause] = await store().listAudit({ organizationId: ORG_C });
    expect([pause!.configurationSet, lift!.configurationSet]).toEqual([
      'guard-c-set: sending disabled at SES',
      'guard-c-set: sending enabled at SES',
    ]);
    expect(await store().getState(ORG_C)).toMatchObject({ state: 'ok', configurationSetSending: 'enabled' });
  });

  it('retries a configuration set call that failed until SES agrees (pause and lift)', async () => {
    const now = testTime(1300 * DAY);
    const at = (hours: number) => new Date(now.getTime() + hours * 3_600_000);
    const { ses, mock } = await throttledOnce(now);
    const evaluate = (when: Date) => evaluateC(when, ses);

    const paused = await evaluate(now);
    expect(paused).toMatchObject({ state: 'paused', changed: true });
    expect(paused.configurationSet).toBe(
      'guard-c-set: disabling sending at SES failed, retried each run (TooManyRequestsException: Rate exceeded)',
    );
    expect(await store().getState(ORG_C)).toMatchObject({
      state: 'paused',
      configurationSetSending: 'disable-pending',
    });
    // The next run retries, SES answers: disabled; the run after does not call SES again.
    expect(await evaluate(at(1))).toMatchObject({
      changed: false,
      configurationSet: 'guard-c-set: sending disabled at SES',
    });
    expect(await store().getState(ORG_C)).toMatchObject({ configurationSetSending: 'disabled' });
    expect(await evaluate(at(2))).toMatchObject({ configurationSet: null });
    expect(mock.commandCalls(PutConfigurationSetSendingOptionsCommand)).toHaveLength(2);

    // A lift without AWS credentials leaves the re-enable pending; the next run with them does it.
    await liftSendingPause({
      adminDb: env.ADMIN_DB,
      organizationId: ORG_C,
      actor: 'root@x.test',
      reason: 'cleaned',
      now: at(3),
    });
    expect(await store().getState(ORG_C)).toMatchObject({ state: 'ok', configurationSetSending: 'enable-pending' });
    expect((await evaluate(at(4))).configurationSet).toBe('guard-c-set: sending enabled at SES');
    expect(await store().getState(ORG_C)).toMatchObject({ configurationSetSending: 'enabled' });
    expect(
      mock.commandCalls(PutConfigurationSetSendingOptionsCommand).map((c) => c.args[0].input.SendingEnabled),
    ).toEqual([false, false, true]);
  });

  it('a lift made while the cron still retries the pause at SES is set again, whichever call lands last', async () => {
    const now = testTime(1400 * DAY);
    const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    const { ses, mock } = stubbedSes();
    mock.on(PutConfigurationSetSendingOptionsCommand).rejectsOnce(throttled());
    await insertComplainedDay(env.ORG_DB_GLOBEX, now);
    const evaluate = (when: Date) => evaluateC(when, ses);
    expect(await evaluate(now)).toMatchObject({ state: 'paused', changed: true });
    expect(await store().getState(ORG_C)).toMatchObject({ configurationSetSending: 'disable-pending' });
    // The cron's retry of the pause reaches SES only once released.
    const { promise: pause, release } = held();
    const atSes: boolean[] = [];
    mock.on(PutConfigurationSetSendingOptionsCommand).callsFake(async ({ SendingEnabled }) => {
      if (SendingEnabled === false && !atSes.includes(false)) await pause;
      atSes.push(SendingEnabled as boolean);
      return {};
    });
    const cron = evaluate(at(10));
    await expect.poll(() => mock.commandCalls(PutConfigurationSetSendingOptionsCommand).length).toBe(2);
    // The superadmin lifts meanwhile: enabled reaches SES first, then the cron's disable lands.
    await liftSendingPause({
      adminDb: env.ADMIN_DB,
      organizationId: ORG_C,
      actor: 'root@x.test',
      reason: 'fixed',
      now: at(11),
      ses,
    });
    release();
    await cron;
    expect(atSes).toEqual([true, false]);
    expect(await store().getState(ORG_C)).toMatchObject({ state: 'ok', configurationSetSending: 'enable-pending' });
    // The next run enables it again, and then nothing is pending.
    expect((await evaluate(at(20))).configurationSet).toBe('guard-c-set: sending enabled at SES');
    expect(atSes).toEqual([true, false, true]);
    // (It warns: the full window still counts what the lift re-armed.)
    expect(await store().getState(ORG_C)).toMatchObject({ state: 'warn', configurationSetSending: 'enabled' });
  });

  it("a cron retry decided from a state read before a lift does not record the pause's disable as done", async () => {
    const now = testTime(1500 * DAY);
    const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    const { ses, mock } = await throttledOnce(now);
    const options = { adminDb: env.ADMIN_DB, orgDb: env.ORG_DB_GLOBEX, organizationId: ORG_C, settings, ses };
    expect(await evaluateReputationGuard({ ...options, now })).toMatchObject({ state: 'paused', changed: true });
    // The cron's slice reads the state (paused, disable pending); a lift without credentials follows.
    const read = await store().getState(ORG_C);
    await liftSendingPause({
      adminDb: env.ADMIN_DB,
      organizationId: ORG_C,
      actor: 'root@x.test',
      reason: 'cleared',
      now: at(1),
    });
    const { write } = await decideReputationGuard({ ...options, now: at(2), previous: read });
    await store().saveEvaluations([write]);
    expect(
      mock.commandCalls(PutConfigurationSetSendingOptionsCommand).map((c) => c.args[0].input.SendingEnabled),
    ).toEqual([false, false]);
    // SES has it disabled: the lift's enable is pending, not the pause recorded as done.
    expect(await store().getState(ORG_C)).toMatchObject({ state: 'ok', configurationSetSending: 'enable-pending' });
    expect((await evaluateReputationGuard({ ...options, now: at(3) })).configurationSet).toBe(
      'guard-c-set: sending enabled at SES',
    );
  });
});

describe('sendEmail for a paused organisation', () => {
  it('refuses with SendingPausedError: SES not called, only the refusal written; others send', async () => {
    const now = testTime(1600 * DAY);
    await store().saveState({
      organizationId: ORG_B,
      state: 'paused',
      since: now.getTime() - 3_600_000,
      metric: 'complaint',
      rate: 0.0012,
      threshold: 0.0008,
      bounceRate: 0.01,
      complaintRate: 0.0012,
      recipients: 5000,
      bounced: 50,
      complained: 6,
      evaluatedAt: now.getTime(),
      rearmAfter: null,
      refusedSends: 0,
      lastRefusedAt: null,
      configurationSetSending: null,
    });
    const { ses, mock } = stubbedSes();
    mock.on(SendEmailCommand).resolves({ MessageId: `ses-guard-${crypto.randomUUID()}` });
    const sender = createEmailSender({
      ses,
      adminDb: env.ADMIN_DB,
      orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>),
      from: 'no-reply@acme.example',
      now: () => now,
    });
    const counts = async () => ({
      emails: await countRows(env.ORG_DB_GLOBEX, 'emails'),
      recipients: await countRows(env.ORG_DB_GLOBEX, 'email_recipients'),
      lookup: await countRows(env.ADMIN_DB, 'email_message_lookup'),
      audit: await countRows(env.ADMIN_DB, 'reputation_guard_audit'),
    });
    const before = await counts();

    const refused = await sender.sendEmail({ organizationId: ORG_B, to: 'ana@example.com', subject: 'Hi', text: 'Hi' });
    expect(refused.success).toBe(false);
    expect(refused.paused).toBeInstanceOf(SendingPausedError);
    expect(refused.paused).toMatchObject({
      organizationId: ORG_B,
      metric: 'complaint',
      rate: 0.0012,
      threshold: 0.0008,
      pausedAt: now.getTime() - 3_600_000,
    });
    expect(refused.error).toMatch(/complaint rate 0\.12 % crossed the pause threshold 0\.08 %/);
    expect(refused.emailId).toBeUndefined();
    expect(mock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(await counts()).toEqual(before);
    expect(await store().getState(ORG_B)).toMatchObject({ refusedSends: 1, lastRefusedAt: now.getTime() });

    // Another organisation of the same sender is unaffected.
    const sent = await sender.sendEmail({ organizationId: ORG_C, to: 'ben@example.com', subject: 'Hi', text: 'Hi' });
    expect(sent).toMatchObject({ success: true });
    expect(mock.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(await countRows(orgObjectDatabase(ORG_C), 'emails')).toBe(1);

    // The paused organisation's canary to the mailbox simulator goes out (it counts toward no
    // rate); a canary with one real recipient does not.
    const canary = await sender.sendEmail({
      organizationId: ORG_B,
      to: ['success@simulator.amazonses.com', 'bounce+guard@simulator.amazonses.com'],
      subject: 'kuratchi canary',
      text: 'canary',
      canary: true,
    });
    expect(canary).toMatchObject({ success: true });
    expect(mock.commandCalls(SendEmailCommand)).toHaveLength(2);
    // A canary with one real recipient is refused as invalid: it would hide real mail from the rates.
    await expect(
      sender.sendEmail({
        organizationId: ORG_B,
        to: ['success@simulator.amazonses.com', 'ana@example.com'],
        subject: 'kuratchi canary',
        text: 'canary',
        canary: true,
      }),
    ).rejects.toThrow(/canary: is only for mail to the SES mailbox simulator/);
    expect(mock.commandCalls(SendEmailCommand)).toHaveLength(2);
    expect(await store().getState(ORG_B)).toMatchObject({ refusedSends: 1 });
  });
});
