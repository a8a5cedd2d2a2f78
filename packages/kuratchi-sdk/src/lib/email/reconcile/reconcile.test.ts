import {
  type InsightsEvent,
  GetAccountCommand,
  GetMessageInsightsCommand,
  NotFoundException,
  SESv2Client,
  SESv2ServiceException,
  SendEmailCommand,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { countRows, d1SinkPorts, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { applySesEventMessages } from '../ingest/apply-messages.js';
import { unsignedSesEventMessage } from '../ingest/unsigned-event.js';
import { createEmailSender } from '../send/send-email.js';
import { createOrgDatabaseClient } from '../organizations/org-databases.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { accountAnswer, insightEvent, insightsAnswer } from './fixtures/insights.js';
import { createReconciler, type ReconcilerOptions } from './reconcile.js';
import { createThrottle } from './throttle.js';
import { VDM_OFF_MESSAGE } from './vdm.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const credentials = { accessKeyId: 'AKIDKURATCHITEST', secretAccessKey: 'kuratchi-test-secret' };
const db = env.ORG_DB_GLOBEX;

beforeAll(seedOrganizations);

// Each test works in a window of its own, far from every other test file's emails (created around
// TEST_NOW): the run's `now` is TEST_NOW + 400 days + 40 days per test.
let slot = 0;
function window(): { now: Date; sentAt: Date } {
  const now = testTime(400 * DAY + slot++ * 40 * DAY);
  return { now, sentAt: new Date(now.getTime() - 5 * HOUR) };
}

/** Sends an email through the real sendEmail (SendEmail mocked), `sentAt`, to `to`. */
async function sendAt(sentAt: Date, to: string | string[] = 'ana@example.com') {
  const messageId = `rec-${crypto.randomUUID()}`;
  const ses = new SESv2Client({ region: 'eu-west-1', credentials });
  mockClient(ses).on(SendEmailCommand).resolves({ MessageId: messageId });
  const sender = createEmailSender({
    ses,
    adminDb: env.ADMIN_DB,
    orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>),
    from: 'no-reply@globex.example',
    now: () => sentAt,
  });
  const result = await sender.sendEmail({ organizationId: ORGS.globex, to, subject: 'Your order', text: 'Hi' });
  expect(result.success).toBe(true);
  return { messageId, emailId: result.emailId! };
}

/** An SESv2 client whose GetAccount and GetMessageInsights answer as scripted. */
function sesClient(vdm: 'on' | 'off' = 'on') {
  const ses = new SESv2Client({ region: 'eu-west-1', credentials });
  const mock = mockClient(ses);
  mock.on(GetAccountCommand).resolves(vdm === 'on' ? accountAnswer.vdmOn() : accountAnswer.vdmOff());
  return { ses, mock };
}

function reconciler(ses: SESv2Client, now: Date, extra: Partial<ReconcilerOptions> = {}) {
  return createReconciler({
    ses,
    sink: d1SinkPorts(() => now),
    throttle: createThrottle({ sleep: async () => {} }),
    ...extra,
  });
}

async function emailRow(emailId: string) {
  return db.prepare('SELECT * FROM emails WHERE id = ?').bind(emailId).first<Record<string, unknown>>();
}
async function eventsOf(emailId: string) {
  const { results } = await db
    .prepare(
      'SELECT event_type, source, occurred_at, mail_timestamp FROM email_events WHERE email_id = ? ORDER BY occurred_at, source',
    )
    .bind(emailId)
    .all<{ event_type: string; source: string; occurred_at: number; mail_timestamp: number }>();
  return results;
}
async function askRow(emailId: string) {
  return db
    .prepare('SELECT * FROM email_reconciliation WHERE email_id = ?')
    .bind(emailId)
    .first<Record<string, unknown>>();
}

/** SES's own copy of an event, as SNS would bring it, applied through the same path. */
async function snsCopy(now: Date, event: ReturnType<typeof buildSesEvent>) {
  const message = await unsignedSesEventMessage(JSON.stringify(event), 'firehose', now);
  const { outcomes } = await applySesEventMessages(
    d1SinkPorts(() => now),
    [{ ...message, snsMessageId: `sns-${crypto.randomUUID()}`, source: 'sns' }],
  );
  return outcomes[0];
}

describe('reconciliation through GetMessageInsights (aws-sdk-client-mock, real D1)', () => {
  it('applies a permanent bounce SES knew of: status, detail, suppression, source reconcile; then never asks again', async () => {
    const { now, sentAt } = window();
    const email = await sendAt(sentAt, 'gone@example.com');
    const bouncedAt = new Date(sentAt.getTime() + 2_000);
    const { ses, mock } = sesClient();
    mock.on(GetMessageInsightsCommand, { MessageId: email.messageId }).resolves(
      insightsAnswer({
        messageId: email.messageId,
        destination: 'gone@example.com',
        events: [insightEvent.send(sentAt), insightEvent.bounce(bouncedAt)],
      }),
    );
    const report = await reconciler(ses, now).reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now });
    expect(report).toMatchObject({
      status: 'done',
      candidates: 1,
      asked: 1,
      learned: 1,
      events: 1,
      applied: 1,
      duplicates: 0,
    });
    expect(await emailRow(email.emailId)).toMatchObject({
      status: 'bounced',
      bounced_at: bouncedAt.getTime(),
      bounce_type: 'Permanent',
      bounce_sub_type: 'General',
    });
    expect(await eventsOf(email.emailId)).toEqual([
      { event_type: 'Bounce', source: 'reconcile', occurred_at: bouncedAt.getTime(), mail_timestamp: sentAt.getTime() },
    ]);
    const suppressed = await db
      .prepare("SELECT reason FROM email_suppressions WHERE email_address = 'gone@example.com'")
      .first<{ reason: string }>();
    expect(suppressed?.reason).toBe('bounce');
    expect(await askRow(email.emailId)).toMatchObject({ last_result: 'learned', next_ask_at: null, asks: 1 });

    const again = await reconciler(ses, now).reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now });
    expect(again).toMatchObject({ candidates: 0, asked: 0 });
    expect(mock.commandCalls(GetMessageInsightsCommand)).toHaveLength(1);
  });

  it('applies a complaint, a delivery and a delivery delay; leaves opens out', async () => {
    const { now, sentAt } = window();
    const complained = await sendAt(sentAt, 'annoyed@example.com');
    const delivered = await sendAt(new Date(sentAt.getTime() + 1), 'happy@example.com');
    const delayed = await sendAt(new Date(sentAt.getTime() + 2), 'slow@example.com');
    const at = (ms: number) => new Date(sentAt.getTime() + ms);
    const { ses, mock } = sesClient();
    const answers: Array<[{ messageId: string }, string, InsightsEvent[]]> = [
      [complained, 'annoyed@example.com', [insightEvent.delivery(at(900)), insightEvent.complaint(at(60_000))]],
      [delivered, 'happy@example.com', [insightEvent.delivery(at(800)), insightEvent.open(at(5_000))]],
      [delayed, 'slow@example.com', [insightEvent.deliveryDelay(at(30_000))]],
    ];
    for (const [email, destination, events] of answers)
      mock
        .on(GetMessageInsightsCommand, { MessageId: email.messageId })
        .resolves(
          insightsAnswer({ messageId: email.messageId, destination, events: [insightEvent.send(sentAt), ...events] }),
        );
    const report = await reconciler(ses, now).reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now });
    expect(report).toMatchObject({ candidates: 3, asked: 3, learned: 3, events: 4, applied: 4 });
    expect(await emailRow(complained.emailId)).toMatchObject({
      status: 'complained',
      complaint_feedback_type: 'abuse',
    });
    expect(await emailRow(delivered.emailId)).toMatchObject({
      status: 'delivered',
      delivered_at: at(800).getTime(),
      open_count: 0,
    });
    expect(await emailRow(delayed.emailId)).toMatchObject({ status: 'delayed', delayed_at: at(30_000).getTime() });
    expect((await eventsOf(delivered.emailId)).map((e) => e.event_type)).toEqual(['Delivery']);
  });

  it("counts SES's own copy arriving later by SNS once: same mail.timestamp (from the recorded Send), same time, same recipient", async () => {
    const { now, sentAt } = window();
    const email = await sendAt(sentAt, 'late@example.com');
    // The Send event came by SNS; the Delivery did not (yet).
    const send = buildSesEvent({
      eventType: 'Send',
      messageId: email.messageId,
      time: sentAt,
      recipient: 'late@example.com',
    });
    expect(await snsCopy(now, send)).toBe('applied');
    const deliveredAt = new Date(sentAt.getTime() + 1_234);
    const { ses, mock } = sesClient();
    // VDM's SEND time is not SES's mail.timestamp to the millisecond: the recorded one is used.
    mock.on(GetMessageInsightsCommand).resolves(
      insightsAnswer({
        messageId: email.messageId,
        destination: 'late@example.com',
        events: [insightEvent.send(new Date(sentAt.getTime() + 7)), insightEvent.delivery(deliveredAt)],
      }),
    );
    const report = await reconciler(ses, now).reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now });
    expect(report).toMatchObject({ asked: 1, applied: 1 });
    const before = await emailRow(email.emailId);

    const late = buildSesEvent({
      eventType: 'Delivery',
      messageId: email.messageId,
      time: deliveredAt,
      sentAt,
      recipient: 'late@example.com',
    });
    expect(await snsCopy(now, late)).toBe('duplicate');
    expect((await eventsOf(email.emailId)).map((e) => `${e.event_type}/${e.source}`)).toEqual([
      'Send/sns',
      'Delivery/reconcile',
    ]);
    expect({ ...(await emailRow(email.emailId)), updated_at: 0 }).toEqual({ ...before, updated_at: 0 });
  });

  it('when the identity cannot match (another event time), the copy is a second timeline row and changes no status, time or counter', async () => {
    const { now, sentAt } = window();
    const email = await sendAt(sentAt, 'twice@example.com');
    const bouncedAt = new Date(sentAt.getTime() + 3_000);
    const { ses, mock } = sesClient();
    mock.on(GetMessageInsightsCommand).resolves(
      insightsAnswer({
        messageId: email.messageId,
        destination: 'twice@example.com',
        events: [insightEvent.send(sentAt), insightEvent.bounce(bouncedAt)],
      }),
    );
    await reconciler(ses, now).reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now });
    const before = await emailRow(email.emailId);
    const recipientBefore = await db
      .prepare('SELECT * FROM email_recipients WHERE email_id = ?')
      .bind(email.emailId)
      .first();
    const suppressionsBefore = await countRows(db, 'email_suppressions');

    // SES's own record, one millisecond later than VDM's time and with its real detail.
    const late = buildSesEvent({
      eventType: 'Bounce',
      messageId: email.messageId,
      time: new Date(bouncedAt.getTime() + 1),
      sentAt,
      recipient: 'twice@example.com',
    });
    expect(await snsCopy(now, late)).toBe('applied');
    expect((await eventsOf(email.emailId)).map((e) => `${e.event_type}/${e.source}`)).toEqual([
      'Bounce/reconcile',
      'Bounce/sns',
    ]);
    const after = await emailRow(email.emailId);
    expect({ ...after, updated_at: 0 }).toEqual({ ...before, updated_at: 0 });
    expect(after).toMatchObject({ status: 'bounced', bounced_at: bouncedAt.getTime(), open_count: 0, click_count: 0 });
    const recipientAfter = await db
      .prepare('SELECT * FROM email_recipients WHERE email_id = ?')
      .bind(email.emailId)
      .first();
    expect(recipientAfter).toMatchObject({ status: 'bounced', bounced_at: bouncedAt.getTime() });
    expect(recipientAfter?.['bounce_type']).toBe(recipientBefore?.['bounce_type']);
    expect(await countRows(db, 'email_suppressions')).toBe(suppressionsBefore);
  });

  it('backs off an email SES knew nothing more of: again after 6 h, given up after 72 h', async () => {
    const { now, sentAt } = window();
    const email = await sendAt(sentAt);
    const { ses, mock } = sesClient();
    mock.on(GetMessageInsightsCommand).resolves(
      insightsAnswer({
        messageId: email.messageId,
        destination: 'ana@example.com',
        events: [insightEvent.send(sentAt)],
      }),
    );
    const run = (at: Date) =>
      reconciler(ses, at).reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now: at });
    expect(await run(now)).toMatchObject({ asked: 1, nothingYet: 1, gaveUp: 0 });
    expect(await askRow(email.emailId)).toMatchObject({
      next_ask_at: now.getTime() + 6 * HOUR,
      last_result: 'nothing-yet',
    });
    expect(await run(new Date(now.getTime() + HOUR))).toMatchObject({ candidates: 0, asked: 0 });
    let asks = 1;
    for (let t = 6 * HOUR; t <= 66 * HOUR; t += 6 * HOUR) {
      expect(await run(new Date(now.getTime() + t))).toMatchObject({ asked: 1, nothingYet: 1 });
      asks++;
    }
    expect(await run(new Date(now.getTime() + 72 * HOUR))).toMatchObject({ asked: 1, nothingYet: 0, gaveUp: 1 });
    expect(await askRow(email.emailId)).toMatchObject({ asks: asks + 1, next_ask_at: null, last_result: 'gave-up' });
    expect(await run(new Date(now.getTime() + 100 * HOUR))).toMatchObject({ candidates: 0 });
    expect(mock.commandCalls(GetMessageInsightsCommand)).toHaveLength(asks + 1);
  });

  it('stops at a ThrottlingException, records nothing for that email, and asks it on the next run', async () => {
    const { now, sentAt } = window();
    const first = await sendAt(sentAt);
    const second = await sendAt(new Date(sentAt.getTime() + 1));
    const { ses, mock } = sesClient();
    mock
      .on(GetMessageInsightsCommand, { MessageId: first.messageId })
      .resolvesOnce(
        insightsAnswer({
          messageId: first.messageId,
          destination: 'ana@example.com',
          events: [insightEvent.send(sentAt)],
        }),
      )
      .on(GetMessageInsightsCommand, { MessageId: second.messageId })
      .rejectsOnce(
        new SESv2ServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: 'Rate exceeded',
        }),
      )
      .resolves(
        insightsAnswer({
          messageId: second.messageId,
          destination: 'ana@example.com',
          events: [insightEvent.delivery(sentAt)],
        }),
      );
    const report = await reconciler(ses, now).reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now });
    expect(report).toMatchObject({ status: 'throttled', asked: 1, nothingYet: 1, next: null });
    expect(report.message).toMatch(/ThrottlingException/);
    expect(await askRow(second.emailId)).toBeNull();
    const next = await reconciler(ses, now).reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now });
    expect(next).toMatchObject({ status: 'done', candidates: 1, asked: 1, applied: 1 });
  });

  it('does not ask again about a message SES does not know (NotFoundException), nor about one with two recipients', async () => {
    const { now, sentAt } = window();
    const unknown = await sendAt(sentAt);
    const several = await sendAt(new Date(sentAt.getTime() + 1), ['a@example.com', 'b@example.com']);
    const { ses, mock } = sesClient();
    mock
      .on(GetMessageInsightsCommand)
      .rejects(new NotFoundException({ $metadata: { httpStatusCode: 404 }, message: 'Message not found' }));
    const report = await reconciler(ses, now).reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now });
    expect(report).toMatchObject({ candidates: 2, asked: 1, notAvailable: 2, applied: 0 });
    expect(await askRow(unknown.emailId)).toMatchObject({ last_result: 'not-found', next_ask_at: null });
    expect(await askRow(several.emailId)).toMatchObject({ last_result: 'multi-recipient', next_ask_at: null });
    expect(mock.commandCalls(GetMessageInsightsCommand)).toHaveLength(1);
  });

  it('without Virtual Deliverability Manager says so, asks nothing and writes nothing', async () => {
    const { now, sentAt } = window();
    const email = await sendAt(sentAt);
    const { ses, mock } = sesClient('off');
    const rows = { asks: await countRows(db, 'email_reconciliation'), events: await countRows(db, 'email_events') };
    const report = await reconciler(ses, now).reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now });
    expect(report).toMatchObject({ status: 'vdm-off', message: VDM_OFF_MESSAGE, candidates: 0, asked: 0 });
    expect(VDM_OFF_MESSAGE).toMatch(/^Virtual Deliverability Manager is not enabled on this account: enable it in/);
    expect(mock.commandCalls(GetMessageInsightsCommand)).toHaveLength(0);
    expect({ asks: await countRows(db, 'email_reconciliation'), events: await countRows(db, 'email_events') }).toEqual(
      rows,
    );
    expect(await askRow(email.emailId)).toBeNull();
  });

  it('a dry run asks and counts but writes nothing', async () => {
    const { now, sentAt } = window();
    const email = await sendAt(sentAt);
    const { ses, mock } = sesClient();
    mock.on(GetMessageInsightsCommand).resolves(
      insightsAnswer({
        messageId: email.messageId,
        destination: 'ana@example.com',
        events: [insightEvent.delivery(sentAt)],
      }),
    );
    const report = await reconciler(ses, now).reconcileOrganization({
      organizationId: ORGS.globex,
      orgDb: db,
      now,
      dryRun: true,
    });
    expect(report).toMatchObject({ dryRun: true, asked: 1, learned: 1, events: 1, applied: 0 });
    expect(await emailRow(email.emailId)).toMatchObject({ status: 'sent', delivered_at: null });
    expect(await askRow(email.emailId)).toBeNull();
  });

  it('asks only emails sent between the look-back and N hours ago, at most the limit per call, in keyset order, one a second', async () => {
    const { now } = window();
    const tooRecent = await sendAt(new Date(now.getTime() - HOUR));
    const tooOld = await sendAt(new Date(now.getTime() - 31 * DAY));
    const due = [];
    for (let i = 0; i < 3; i++) due.push(await sendAt(new Date(now.getTime() - 10 * HOUR + i)));
    const { ses, mock } = sesClient();
    mock
      .on(GetMessageInsightsCommand)
      .callsFake(({ MessageId }: { MessageId: string }) =>
        insightsAnswer({ messageId: MessageId, destination: 'ana@example.com', events: [] }),
      );
    const sleeps: number[] = [];
    const throttle = createThrottle({ clock: () => 0, sleep: async (ms) => void sleeps.push(ms) });
    const run = reconciler(ses, now, { throttle });
    const page = await run.reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now, limit: 2 });
    expect(page).toMatchObject({ candidates: 2, asked: 2 });
    expect(page.next).toBe(`${now.getTime() - 10 * HOUR + 1}:${due[1]!.emailId}`);
    const rest = await run.reconcileOrganization({ organizationId: ORGS.globex, orgDb: db, now, limit: 2 });
    expect(rest).toMatchObject({ candidates: 1, asked: 1, next: null });
    const asked = mock.commandCalls(GetMessageInsightsCommand).map((c) => c.args[0].input.MessageId);
    expect(asked).toEqual(due.map((d) => d.messageId));
    expect(asked).not.toContain(tooRecent.messageId);
    expect(asked).not.toContain(tooOld.messageId);
    expect(sleeps).toEqual([1000, 1000]);
    expect(mock.commandCalls(GetAccountCommand)).toHaveLength(1);
  });
});
