import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { d1SinkPorts, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { recordSesEvent } from '../routing/record.js';
import { parseSesEvent } from '../ses-events/ses-event.js';
import { createEmailSender } from '../send/send-email.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { createD1EmailQueries } from './d1-email-queries.js';
import { createOrgDatabaseClient } from '../organizations/org-databases.js';

// Canary emails (sendEmail's `canary: true`) follow the real path but stay out of the
// organisation's statistics: daily counts (and so the reputation and engagement rates computed
// from them), top links, and the email log unless asked for. A day of its own (ten days before
// the pinned now) keeps other tests' rows out; its noon (UTC), so that the events minutes after
// the send fall on the same day of the daily stats, whatever time of day now is.
const DAY_MS = 86_400_000;
const day = new Date(Math.floor(testTime(-10 * DAY_MS).getTime() / DAY_MS) * DAY_MS + DAY_MS / 2);
const queries = createD1EmailQueries(env.ORG_DB_ACME);

beforeAll(seedOrganizations);

async function sendAndTrack(canary: boolean, tag: string) {
  const sesMessageId = `ses-${tag}-${crypto.randomUUID()}`;
  // A canary goes to the mailbox simulator only (sendEmail refuses anything else).
  const recipient = canary ? `success+exclusion-${tag}@simulator.amazonses.com` : `exclusion-${tag}@example.com`;
  const ses = new SESv2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 's' } });
  mockClient(ses).on(SendEmailCommand).resolves({ MessageId: sesMessageId });
  const sender = createEmailSender({
    ses,
    adminDb: env.ADMIN_DB,
    orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>),
    from: 'no-reply@acme.example',
    now: () => day,
  });
  const result = await sender.sendEmail({
    organizationId: ORGS.acme,
    to: recipient,
    subject: `exclusion ${tag}`,
    text: 'hi',
    ...(canary ? { canary: true } : {}),
  });
  expect(result.success).toBe(true);
  const at = (s: number) => new Date(day.getTime() + s * 1000);
  for (const [eventType, time] of [
    ['Delivery', at(5)],
    ['Open', at(60)],
    ['Click', at(90)],
    ['Complaint', at(120)],
  ] as const) {
    const event = parseSesEvent(
      JSON.stringify(
        buildSesEvent({
          eventType,
          messageId: sesMessageId,
          time,
          recipient,
          link: `https://acme.example/${tag}`,
          userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36',
        }),
      ),
    );
    await recordSesEvent(
      d1SinkPorts(() => time),
      `sns-${crypto.randomUUID()}`,
      event,
    );
  }
  return result.emailId!;
}

describe('canary emails are kept apart from the statistics', () => {
  let real = '';
  let canary = '';
  beforeAll(async () => {
    real = await sendAndTrack(false, 'real');
    canary = await sendAndTrack(true, 'canary');
  });

  it('counts only the real email in the daily stats (sent, delivered, engagement, recipients for the rates)', async () => {
    const [stats] = await queries.dailyStats(1, day.getTime());
    expect(stats).toMatchObject({
      sent: 1,
      delivered: 1,
      opened: 1,
      clicked: 1,
      complained: 1,
      recipientsSent: 1,
      recipientsComplained: 1,
    });
  });

  it("leaves the canary's clicks out of the top links", async () => {
    const links = await queries.topLinks(day.getTime(), day.getTime() + DAY_MS);
    expect(links.map((l) => l.link)).toEqual(['https://acme.example/real']);
  });

  it('hides canary emails from the log by default, and shows them when asked', async () => {
    const window = { from: day.getTime(), to: day.getTime() + 1 };
    const ids = async (filter: object) => (await queries.listEmails({ ...window, ...filter })).emails.map((e) => e.id);
    expect(await ids({})).toEqual([real]);
    expect((await ids({ canary: 'include' })).sort()).toEqual([real, canary].sort());
    expect(await ids({ canary: 'only' })).toEqual([canary]);
    expect(await ids({ search: 'exclusion' })).toEqual([real]);
    expect(await ids({ search: 'exclusion', canary: 'only' })).toEqual([canary]);
  });
});
