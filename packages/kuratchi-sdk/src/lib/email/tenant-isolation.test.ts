import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../test/clock.js';
import { d1SinkPorts, ORGS, seedOrganizations } from '../../../test/seed.js';
import { createSesEventIngestor, type SesEventIngestor } from './ingest/ingest.js';
import { KURATCHI_TAGS } from './model.js';
import { createEmailSender, type SendEmailResult } from './send/send-email.js';
import { createOrgDatabaseClient } from './organizations/org-databases.js';
import { buildSesEvent, type SesEventSpec } from './testing/ses-event-factory.js';
import { createSnsSigner, type SnsSigner } from './testing/sns-signer.js';

/**
 * Tenant isolation for email rows in every state. An attacker who sends through the same SES
 * account and configuration set without sendEmail (their own code, SMTP, the console) can give
 * their message any tags, e.g. another organisation's `kuratchi-org-id` and an email id they
 * learnt. Their message's events are genuine (SNS-signed), but they must change nothing in the
 * named row, whether it is pending (send in flight), failed (SES refused) or sent, and the real
 * message's events must still apply. The SES client is stubbed at the client; D1, the ingestor
 * and the SNS signatures are real.
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const NOW = TEST_NOW;
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const credentials = { accessKeyId: 'AKIDKURATCHITEST', secretAccessKey: 'kuratchi-test-secret' };

let signer: SnsSigner;
let ingestor: SesEventIngestor;
beforeAll(async () => {
  await seedOrganizations();
  signer = await createSnsSigner();
  ingestor = createSesEventIngestor({
    ...d1SinkPorts(() => at(120)),
    allowedTopicArns: [TOPIC],
    fetchCertificate: signer.fetchCertificate,
  });
});

async function deliver(spec: SesEventSpec) {
  const body = await signer.sign({
    Type: 'Notification',
    MessageId: `sns-${crypto.randomUUID()}`,
    TopicArn: TOPIC,
    Message: JSON.stringify(buildSesEvent(spec)),
    Timestamp: at(60).toISOString(),
  });
  return ingestor.ingest(JSON.stringify(body));
}

/** The attacker's own message, tagged as the victim's email: a complaint, a phishing click, a bounce. */
async function forge(victimEmailId: string, customer: string) {
  const messageId = `ses-attacker-${crypto.randomUUID()}`;
  const tags = { [KURATCHI_TAGS.organizationId]: [ORGS.globex], [KURATCHI_TAGS.emailId]: [victimEmailId] };
  const outcomes = [];
  for (const spec of [
    { eventType: 'Complaint', recipient: customer, time: at(10) },
    { eventType: 'Click', link: 'https://evil.example/login', time: at(20) },
    { eventType: 'Bounce', recipient: customer, bounceType: 'Permanent', time: at(30) },
  ] as const) {
    const result = await deliver({ ...spec, messageId, tags });
    outcomes.push(`${result.status} ${result.body.outcome}`);
  }
  return outcomes;
}

/** The tags SES puts on the real message's events (sendEmail's own). */
const realTags = (emailId: string) => ({
  [KURATCHI_TAGS.organizationId]: [ORGS.globex],
  [KURATCHI_TAGS.emailId]: [emailId],
});

const victim = (emailId: string) =>
  env.ORG_DB_GLOBEX.prepare(
    `SELECT status, ses_message_id AS sesMessageId, complained_at AS complainedAt, click_count AS clicks,
            last_clicked_link AS link, bounced_at AS bouncedAt, delivered_at AS deliveredAt, open_count AS opens
     FROM emails WHERE id = ?`,
  )
    .bind(emailId)
    .first();
const eventsOf = async (emailId: string) =>
  (
    await env.ORG_DB_GLOBEX.prepare(
      'SELECT ses_message_id AS m, event_type AS t FROM email_events WHERE email_id = ? ORDER BY t',
    )
      .bind(emailId)
      .all()
  ).results;
const suppressed = (customer: string) =>
  env.ORG_DB_GLOBEX.prepare('SELECT email_address FROM email_suppressions WHERE email_address = ?')
    .bind(customer)
    .first();

function sender(ses: SESv2Client) {
  return createEmailSender({
    ses,
    adminDb: env.ADMIN_DB,
    orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>),
    from: 'no-reply@globex.example',
    now: () => NOW,
  });
}

describe("forged tags naming another organisation's email change nothing there", () => {
  it('a pending email (send in flight): the forged events are parked, the real ones apply', async () => {
    const customer = 'customer-of-pending@example.com';
    const realId = `ses-real-${crypto.randomUUID()}`;
    const ses = new SESv2Client({ region: 'eu-west-1', credentials });
    let forged: string[] = [];
    mockClient(ses)
      .on(SendEmailCommand)
      .callsFake(async (input: { EmailTags: Array<{ Name: string; Value: string }> }) => {
        // While SES is answering, the attacker's events (and the real message's first event) arrive.
        const emailId = input.EmailTags.find((t) => t.Name === KURATCHI_TAGS.emailId)!.Value;
        forged = await forge(emailId, customer);
        expect(
          await deliver({ eventType: 'Delivery', messageId: realId, time: at(5), tags: realTags(emailId) }),
        ).toMatchObject({ body: { outcome: 'parked' } });
        return { MessageId: realId };
      });
    const result: SendEmailResult = await sender(ses).sendEmail({
      organizationId: ORGS.globex,
      to: customer,
      subject: 'Invoice',
      text: 'Hi',
    });

    expect(forged).toEqual(['200 parked', '200 parked', '200 parked']);
    expect(result).toMatchObject({ success: true, id: realId });
    expect(result.warnings).toBeUndefined();
    expect(
      await deliver({ eventType: 'Open', messageId: realId, time: at(40), tags: realTags(result.emailId!) }),
    ).toMatchObject({ body: { outcome: 'applied' } });
    expect(await victim(result.emailId!)).toEqual({
      status: 'delivered',
      sesMessageId: realId,
      complainedAt: null,
      clicks: 0,
      link: null,
      bouncedAt: null,
      deliveredAt: at(5).getTime(),
      opens: 1,
    });
    expect(await eventsOf(result.emailId!)).toEqual([
      { m: realId, t: 'Delivery' },
      { m: realId, t: 'Open' },
    ]);
    expect(await suppressed(customer)).toBeNull();
  });

  it('a failed email (SES refused the send): the forged events are parked, the row stays failed', async () => {
    const customer = 'customer-of-failed@example.com';
    const ses = new SESv2Client({ region: 'eu-west-1', credentials });
    mockClient(ses)
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }));
    const result = await sender(ses).sendEmail({
      organizationId: ORGS.globex,
      to: customer,
      subject: 'Invoice',
      text: 'Hi',
    });
    expect(result).toMatchObject({ success: false, error: 'MessageRejected: Email address is not verified.' });

    expect(await forge(result.emailId!, customer)).toEqual(['200 parked', '200 parked', '200 parked']);
    expect(await victim(result.emailId!)).toEqual({
      status: 'failed',
      sesMessageId: null,
      complainedAt: null,
      clicks: 0,
      link: null,
      bouncedAt: null,
      deliveredAt: null,
      opens: 0,
    });
    expect(await eventsOf(result.emailId!)).toEqual([]);
    expect(await suppressed(customer)).toBeNull();
  });

  it('a sent email: the forged events are parked, the real ones keep applying', async () => {
    const customer = 'customer-of-sent@example.com';
    const realId = `ses-real-${crypto.randomUUID()}`;
    const ses = new SESv2Client({ region: 'eu-west-1', credentials });
    mockClient(ses).on(SendEmailCommand).resolves({ MessageId: realId });
    const result = await sender(ses).sendEmail({
      organizationId: ORGS.globex,
      to: customer,
      subject: 'Invoice',
      text: 'Hi',
    });
    expect(result).toMatchObject({ success: true, id: realId });

    expect(await forge(result.emailId!, customer)).toEqual(['200 parked', '200 parked', '200 parked']);
    expect(
      await deliver({ eventType: 'Delivery', messageId: realId, time: at(5), tags: realTags(result.emailId!) }),
    ).toMatchObject({ body: { outcome: 'applied' } });
    expect(await victim(result.emailId!)).toEqual({
      status: 'delivered',
      sesMessageId: realId,
      complainedAt: null,
      clicks: 0,
      link: null,
      bouncedAt: null,
      deliveredAt: at(5).getTime(),
      opens: 0,
    });
    expect(await eventsOf(result.emailId!)).toEqual([{ m: realId, t: 'Delivery' }]);
    expect(await suppressed(customer)).toBeNull();
  });
});

describe('binding a row to a message id never keeps or takes a foreign id silently', () => {
  it('sendEmail reports (bindingConflict) a row bound to another message while SES was answering, and overwrites nothing', async () => {
    const realId = `ses-real-${crypto.randomUUID()}`;
    const ses = new SESv2Client({ region: 'eu-west-1', credentials });
    mockClient(ses)
      .on(SendEmailCommand)
      .callsFake(async (input: { EmailTags: Array<{ Name: string; Value: string }> }) => {
        // Another writer binds the row first (what a forged event did before this fix).
        const emailId = input.EmailTags.find((t) => t.Name === KURATCHI_TAGS.emailId)!.Value;
        await env.ORG_DB_GLOBEX.prepare("UPDATE emails SET ses_message_id = 'ses-foreign' WHERE id = ?")
          .bind(emailId)
          .run();
        return { MessageId: realId };
      });
    const result = await sender(ses).sendEmail({
      organizationId: ORGS.globex,
      to: 'someone@example.com',
      subject: 'Hi',
      text: 'Hi',
    });
    expect(result).toMatchObject({ success: true, id: realId });
    expect(result.bindingConflict).toMatchObject({
      name: 'MessageBindingError',
      code: 'email-bound-to-other-message',
      existing: 'ses-foreign',
      sesMessageId: realId,
    });
    expect(result.warnings?.[0]).toMatch(
      /^marking the email sent failed: email .* is already bound to SES message ses-foreign, not ses-real-/,
    );
    expect(await victim(result.emailId!)).toMatchObject({ status: 'pending', sesMessageId: 'ses-foreign' });
  });
});
