import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW, testTime } from '../../../../test/clock.js';
import { d1SinkPorts, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { parseSesEvent } from '../ses-events/ses-event.js';
import { recordSesEvent } from '../routing/record.js';
import { createOrgDatabaseClient } from '../organizations/org-databases.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import {
  checkCanaryRun,
  checkWaitingCanaryRuns,
  latestCanaryRuns,
  startCanaryRun,
  type CanaryConfig,
} from './canary-run.js';
import type { CanaryRunReport } from './types.js';

// Canary runs inside workerd: the real sendEmail (SESv2 client answered by aws-sdk-client-mock),
// the real ingestion path for the events coming back (recordSesEvent on local D1).
const credentials = { accessKeyId: 'AKIDKURATCHITEST', secretAccessKey: 'kuratchi-test-secret' };
const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>);

beforeAll(seedOrganizations);

/** A client whose SendEmail answers a fresh message id and keeps each request. */
function mockedSes(answer: (input: SendEmailCommandInput) => string | Error = () => `ses-${crypto.randomUUID()}`) {
  const ses = new SESv2Client({ region: 'eu-west-1', credentials });
  const inputs: SendEmailCommandInput[] = [];
  mockClient(ses)
    .on(SendEmailCommand)
    .callsFake(async (input: SendEmailCommandInput) => {
      inputs.push(input);
      const result = answer(input);
      if (result instanceof Error) throw result;
      return { MessageId: result };
    });
  return { ses, inputs };
}

function config(ses: SESv2Client, overrides: Partial<CanaryConfig> = {}): CanaryConfig {
  return {
    ses,
    adminDb: env.ADMIN_DB,
    orgDatabase,
    organizationId: ORGS.globex,
    from: 'canary@globex.example',
    deadlineMs: 15 * 60_000,
    ...overrides,
  };
}

/** Records the SES event of one expected event as the webhook would, arriving at `arrivedAt`. */
async function comesBack(run: CanaryRunReport, scenario: string, eventType: string, arrivedAt: Date) {
  const expected = run.events.find((e) => e.scenario === scenario && e.eventType === eventType)!;
  const event = parseSesEvent(
    JSON.stringify(
      buildSesEvent({
        eventType: eventType as never,
        messageId: expected.sesMessageId!,
        time: new Date(arrivedAt.getTime() - 1000),
        recipient: expected.recipient,
      }),
    ),
  );
  const outcome = await recordSesEvent(
    d1SinkPorts(() => arrivedAt),
    `sns-${crypto.randomUUID()}`,
    event,
  );
  expect(outcome.outcome).toBe('applied');
}

describe('a canary run through the SES mailbox simulator', () => {
  it('sends success@, bounce@ and complaint@ (labelled with the run) through sendEmail, tagged and marked canary', async () => {
    const { ses, inputs } = mockedSes();
    const now = testTime(-3_600_000);
    const run = await startCanaryRun(config(ses, { newRunId: () => 'run-sends' }), now);

    expect(inputs.map((i) => i.Destination?.ToAddresses)).toEqual([
      ['success+run-sends@simulator.amazonses.com'],
      ['bounce+run-sends@simulator.amazonses.com'],
      ['complaint+run-sends@simulator.amazonses.com'],
    ]);
    for (const input of inputs) {
      expect(input.ConfigurationSetName).toBe('kuratchi-email-tracking');
      expect(input.EmailTags).toContainEqual({ Name: 'kuratchi-canary', Value: 'run-sends' });
      expect(input.EmailTags).toContainEqual({ Name: 'kuratchi-org-id', Value: ORGS.globex });
    }
    expect(run).toMatchObject({
      id: 'run-sends',
      status: 'waiting',
      startedAt: now.getTime(),
      arrived: 0,
      expected: 7,
    });
    expect(run.deadlineAt).toBe(now.getTime() + 15 * 60_000);
    expect(run.events.map((e) => `${e.scenario}/${e.eventType}`)).toEqual([
      'success/Send',
      'success/Delivery',
      'bounce/Send',
      'bounce/Bounce',
      'complaint/Send',
      'complaint/Delivery',
      'complaint/Complaint',
    ]);
    const rows = await env.ORG_DB_GLOBEX.prepare(
      `SELECT canary, status, email_type AS emailType FROM emails WHERE id IN (?, ?, ?)`,
    )
      .bind(...new Set(run.events.map((e) => e.emailId)))
      .all<{ canary: number; status: string; emailType: string }>();
    expect(rows.results).toEqual(Array(3).fill({ canary: 1, status: 'sent', emailType: 'canary' }));
  });

  it('measures each expected event from the send to its arrival in D1, and passes when all are back in time', async () => {
    const { ses } = mockedSes();
    const sent = testTime(-2 * 3_600_000);
    const run = await startCanaryRun(config(ses, { newRunId: () => 'run-passes' }), sent);
    const lag = { Send: 4_000, Delivery: 9_000, Bounce: 12_000, Complaint: 70_000 } as const;
    for (const e of run.events) {
      await comesBack(run, e.scenario, e.eventType, new Date(sent.getTime() + lag[e.eventType as keyof typeof lag]));
    }
    const checked = await checkCanaryRun(config(ses), run.id, new Date(sent.getTime() + 80_000));
    expect(checked).toMatchObject({ status: 'passed', arrived: 7, expected: 7, missing: [], maxLagMs: 70_000 });
    expect(checked!.decidedAt).toBe(sent.getTime() + 80_000);
    expect(checked!.events.find((e) => e.scenario === 'bounce' && e.eventType === 'Bounce')?.lagMs).toBe(12_000);

    // The simulator's bounce and complaint are not added to the suppression list (SES does not either).
    const suppressed = await env.ORG_DB_GLOBEX.prepare(
      `SELECT count(*) AS n FROM email_suppressions WHERE email_address LIKE '%@simulator.amazonses.com'`,
    ).first<{ n: number }>();
    expect(suppressed?.n).toBe(0);
    // So the next run sends to them again.
    const next = await startCanaryRun(
      config(ses, { newRunId: () => 'run-after' }),
      new Date(sent.getTime() + 3_600_000),
    );
    expect(next.status).toBe('waiting');
  });

  it('is late once the deadline passes without every event, naming the missing ones (time from a pinned now)', async () => {
    const { ses } = mockedSes();
    const sent = testTime(-5 * 3_600_000);
    const run = await startCanaryRun(config(ses, { newRunId: () => 'run-late', deadlineMs: 10 * 60_000 }), sent);
    for (const e of run.events.filter((x) => x.scenario !== 'complaint' || x.eventType !== 'Complaint')) {
      await comesBack(run, e.scenario, e.eventType, new Date(sent.getTime() + 30_000));
    }
    const before = await checkCanaryRun(config(ses), run.id, new Date(sent.getTime() + 10 * 60_000));
    expect(before).toMatchObject({ status: 'waiting', arrived: 6, missing: ['complaint/Complaint'], maxLagMs: null });
    const after = await checkCanaryRun(config(ses), run.id, new Date(sent.getTime() + 10 * 60_000 + 1));
    expect(after).toMatchObject({ status: 'late', missing: ['complaint/Complaint'] });

    // The complaint arriving afterwards is recorded (its lag shown) but the run stays late.
    await comesBack(run, 'complaint', 'Complaint', new Date(sent.getTime() + 20 * 60_000));
    const later = await checkCanaryRun(config(ses), run.id, new Date(sent.getTime() + 21 * 60_000));
    expect(later).toMatchObject({ status: 'late', arrived: 7, maxLagMs: 20 * 60_000 });
  });

  it('is late when every event came back but one after the deadline', async () => {
    const { ses } = mockedSes();
    const sent = testTime(-6 * 3_600_000);
    const run = await startCanaryRun(config(ses, { newRunId: () => 'run-slow', deadlineMs: 5 * 60_000 }), sent);
    for (const e of run.events) {
      const at = e.eventType === 'Bounce' ? 6 * 60_000 : 20_000;
      await comesBack(run, e.scenario, e.eventType, new Date(sent.getTime() + at));
    }
    const [checked] = (await checkWaitingCanaryRuns(config(ses), new Date(sent.getTime() + 7 * 60_000))).filter(
      (r) => r.id === 'run-slow',
    );
    expect(checked).toMatchObject({ status: 'late', arrived: 7, missing: [] });
  });

  it('a send SES refuses makes the run send-failed with the reason, nothing to wait for', async () => {
    const { ses } = mockedSes((input) =>
      input.Destination?.ToAddresses?.[0]?.startsWith('bounce')
        ? Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' })
        : `ses-${crypto.randomUUID()}`,
    );
    const run = await startCanaryRun(config(ses, { newRunId: () => 'run-refused' }), TEST_NOW);
    expect(run.status).toBe('send-failed');
    expect(run.error).toBe('bounce: MessageRejected: Email address is not verified.');
    const [latest] = await latestCanaryRuns(env.ADMIN_DB, 1);
    expect(latest).toMatchObject({ id: 'run-refused', status: 'send-failed' });
  });

  it('refuses a from address that is not one, before sending anything', async () => {
    const { ses, inputs } = mockedSes();
    await expect(startCanaryRun(config(ses, { from: 'not an address' }), TEST_NOW)).rejects.toThrow(
      /startCanaryRun: invalid options: from/,
    );
    expect(inputs).toHaveLength(0);
  });
});
