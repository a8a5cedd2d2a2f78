import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { countRows, d1SinkPorts, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { parseSesEvent } from '../ses-events/ses-event.js';
import { recordSesEvent } from '../routing/record.js';
import { KURATCHI_TAGS } from '../model.js';
import { createEmailSender, sendEmail, type EmailSenderConfig } from './send-email.js';
import { InvalidOptionsError } from '../shared/invalid-options.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import { createOrgDatabaseClient } from '../organizations/org-databases.js';
import { OrgDatabaseError } from '../routing/errors.js';
import { addSuppression } from './suppressions.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { createFaultPlan, failingD1 } from '../../../../test/failing-d1.js';

declare module 'vitest' {
  interface ProvidedContext {
    fakeAwsUrl: string;
  }
}

// These tests run inside workerd: the sending path (AWS SDK v3 SESv2 client, D1 writes, parked
// events) must work in a Worker, not only in Node.
const NOW = TEST_NOW;
const credentials = { accessKeyId: 'AKIDKURATCHITEST', secretAccessKey: 'kuratchi-test-secret' };

beforeAll(seedOrganizations);

function config(overrides: Partial<EmailSenderConfig> = {}): EmailSenderConfig {
  return {
    ses: { region: 'eu-west-1', endpoint: inject('fakeAwsUrl'), credentials, maxAttempts: 1 },
    adminDb: env.ADMIN_DB,
    orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>),
    from: 'no-reply@acme.example',
    now: () => NOW,
    ...overrides,
  };
}

interface RecordedRequest {
  service: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The SendEmail request the fake AWS endpoint received for this email row. */
async function recordedSendEmail(emailId: string) {
  const requests = (await (await fetch(`${inject('fakeAwsUrl')}/__fake/requests`)).json()) as RecordedRequest[];
  const matches = requests.filter((r) => r.path === '/v2/email/outbound-emails' && r.body.includes(emailId));
  expect(matches).toHaveLength(1);
  return { headers: matches[0]!.headers, body: JSON.parse(matches[0]!.body) as Record<string, unknown> };
}

async function lookupRow(sesMessageId: string) {
  return env.ADMIN_DB.prepare(
    'SELECT organization_id AS organizationId, email_id AS emailId FROM email_message_lookup WHERE ses_message_id = ?',
  )
    .bind(sesMessageId)
    .first();
}

describe('sendEmail through the real SESv2 client (127.0.0.1 endpoint) in workerd', () => {
  it('turns open or click tracking off (or on) for one message with ConfigurationOverrides.Tracking', async () => {
    const sent = async (tracking: { opens?: boolean; clicks?: boolean }) => {
      const message = { organizationId: ORGS.acme, to: 'reset@example.com', subject: 'Reset', text: 'Link' };
      const result = await sendEmail({ ...message, tracking }, config());
      expect(result).toMatchObject({ success: true });
      return (await recordedSendEmail(result.emailId!)).body['ConfigurationOverrides'];
    };
    expect(await sent({ opens: false, clicks: false })).toEqual({
      Tracking: { OpenTrackingEnabled: 'DISABLED', ClickTrackingEnabled: 'DISABLED' },
    });
    expect(await sent({ clicks: true })).toEqual({ Tracking: { ClickTrackingEnabled: 'ENABLED' } });
    expect(await sent({})).toBeUndefined();
  });

  it('sends with the configuration set and the routing tags, then records the row and the lookup', async () => {
    const result = await sendEmail(
      {
        organizationId: ORGS.acme,
        to: ['Ana@Example.com', 'ben@example.org'],
        cc: 'chloe@example.net',
        replyTo: 'support@acme.example',
        fromName: 'Acme Café',
        subject: 'Your receipt — #42',
        html: '<p>Thanks!</p>',
        text: 'Thanks!',
        tags: { campaign: 'receipts-2026' },
        headers: { 'List-Unsubscribe': '<mailto:unsubscribe@acme.example>' },
        userId: 'user-7',
        emailType: 'transactional',
        metadata: { orderId: 42 },
      },
      config(),
    );

    expect(result).toMatchObject({ success: true });
    expect(result.id).toMatch(/-fake-/);
    expect(result.emailId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.warnings).toBeUndefined();

    const { headers, body } = await recordedSendEmail(result.emailId!);
    expect(headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDKURATCHITEST\/\d{8}\/eu-west-1\/ses\/aws4_request/,
    );
    expect(body).toEqual({
      FromEmailAddress: '=?UTF-8?B?QWNtZSBDYWbDqQ==?= <no-reply@acme.example>',
      Destination: { ToAddresses: ['Ana@Example.com', 'ben@example.org'], CcAddresses: ['chloe@example.net'] },
      ReplyToAddresses: ['support@acme.example'],
      Content: {
        Simple: {
          Subject: { Data: 'Your receipt — #42', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Thanks!', Charset: 'UTF-8' }, Html: { Data: '<p>Thanks!</p>', Charset: 'UTF-8' } },
          Headers: [{ Name: 'List-Unsubscribe', Value: '<mailto:unsubscribe@acme.example>' }],
        },
      },
      ConfigurationSetName: 'kuratchi-email-tracking',
      EmailTags: [
        { Name: 'campaign', Value: 'receipts-2026' },
        { Name: KURATCHI_TAGS.organizationId, Value: ORGS.acme },
        { Name: KURATCHI_TAGS.emailId, Value: result.emailId },
      ],
    });

    const row = await createD1EmailQueries(env.ORG_DB_ACME).getEmail(result.emailId!);
    expect(row).toMatchObject({
      status: 'sent',
      sesMessageId: result.id,
      recipient: 'Ana@Example.com, ben@example.org',
      sender: 'no-reply@acme.example',
      subject: 'Your receipt — #42',
      emailType: 'transactional',
      userId: 'user-7',
      metadata: { orderId: 42 },
      sentAt: NOW.getTime(),
      error: null,
    });
    expect(await lookupRow(result.id!)).toEqual({ organizationId: ORGS.acme, emailId: result.emailId });
    // Every recipient has its own row, To first, then CC: all sent, lower-cased.
    expect(row!.recipients.map((r) => [r.address, r.kind, r.status, r.sentAt])).toEqual([
      ['ana@example.com', 'to', 'sent', NOW.getTime()],
      ['ben@example.org', 'to', 'sent', NOW.getTime()],
      ['chloe@example.net', 'cc', 'sent', NOW.getTime()],
    ]);
  });

  it('records BCC recipients too, and a per-recipient Delivery and Bounce of the message land on each one', async () => {
    const sender = createEmailSender(config());
    const result = await sender.sendEmail({
      organizationId: ORGS.acme,
      to: 'dora@example.com',
      bcc: ['eli@example.com', 'fay@example.com'],
      subject: 'Team update',
      text: 'Hello',
    });
    type Editable = {
      mail: { destination: string[] };
      delivery: { recipients: string[] };
      bounce: { bouncedRecipients: unknown[] };
    };
    const route = (snsMessageId: string, spec: Parameters<typeof buildSesEvent>[0], edit: (e: Editable) => void) => {
      const event = buildSesEvent(spec) as unknown as Editable;
      event.mail.destination = ['dora@example.com', 'eli@example.com', 'fay@example.com'];
      edit(event);
      return recordSesEvent(
        d1SinkPorts(() => NOW),
        snsMessageId,
        parseSesEvent(JSON.stringify(event)),
      );
    };
    const time = new Date(NOW.getTime() + 60_000);
    await route(`sns-bcc-d-${result.id}`, { eventType: 'Delivery', messageId: result.id!, time }, (e) => {
      e.delivery.recipients = ['dora@example.com', 'eli@example.com'];
    });
    await route(`sns-bcc-b-${result.id}`, { eventType: 'Bounce', messageId: result.id!, time }, (e) => {
      e.bounce.bouncedRecipients = [{ emailAddress: 'fay@example.com', diagnosticCode: 'smtp; 550 5.1.1 unknown' }];
    });
    const row = await createD1EmailQueries(env.ORG_DB_ACME).getEmail(result.emailId!);
    expect(row!.recipients.map((r) => [r.address, r.kind, r.status])).toEqual([
      ['dora@example.com', 'to', 'delivered'],
      ['eli@example.com', 'bcc', 'delivered'],
      ['fay@example.com', 'bcc', 'bounced'],
    ]);
    // The email's status is its most severe recipient outcome; the split is in the log.
    expect(row!.status).toBe('bounced');
    const page = await createD1EmailQueries(env.ORG_DB_ACME).listEmails({ to: NOW.getTime() + 1 }, { limit: 500 });
    expect(page.emails.find((e) => e.id === result.emailId)?.recipientOutcomes).toEqual({ delivered: 2, bounced: 1 });
  });

  it('an SES refusal is a result: the row is failed with the error, no route, no exception', async () => {
    const result = await sendEmail(
      { organizationId: ORGS.acme, from: 'unverified@acme.example', to: 'ana@example.com', subject: 'Hi', text: 'Hi' },
      config(),
    );
    expect(result.success).toBe(false);
    expect(result.id).toBeUndefined();
    expect(result.error).toMatch(/^MessageRejected: Email address is not verified/);
    const row = await createD1EmailQueries(env.ORG_DB_ACME).getEmail(result.emailId!);
    expect(row).toMatchObject({ status: 'failed', error: result.error, failedAt: NOW.getTime(), sesMessageId: null });
    expect(row!.recipients.map((r) => [r.address, r.status])).toEqual([['ana@example.com', 'failed']]);
  });

  it('a missing configuration set says how to create it', async () => {
    const result = await sendEmail(
      {
        organizationId: ORGS.globex,
        to: 'ana@example.com',
        subject: 'Hi',
        text: 'Hi',
        configurationSetName: 'missing-set',
      },
      config(),
    );
    expect(result).toMatchObject({ success: false });
    expect(result.error).toContain('NotFoundException: Configuration set <missing-set> does not exist.');
    expect(result.error).toContain('kuratchi-ses setup');
    expect(await createD1EmailQueries(env.ORG_DB_GLOBEX).getEmail(result.emailId!)).toMatchObject({ status: 'failed' });
  });
});

describe('sendEmail: an organisation that cannot be resolved', () => {
  it('throws OrgDatabaseError before anything is written or sent', async () => {
    const ses = new SESv2Client({ region: 'eu-west-1', credentials });
    const mock = mockClient(ses);
    const error = await sendEmail(
      { organizationId: 'org-unknown', to: 'ana@example.com', subject: 'Hi', text: 'Hi' },
      config({ ses }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrgDatabaseError);
    expect((error as OrgDatabaseError).code).toBe('organization-not-found');
    expect(mock.calls()).toHaveLength(0);
  });
});

describe('sendEmail: suppression list', () => {
  it('refuses a suppressed recipient (compared lower-cased) and writes nothing', async () => {
    await addSuppression(env.ORG_DB_GLOBEX, 'Bounced@Example.com');
    const before = await countRows(env.ORG_DB_GLOBEX, 'emails');
    const result = await sendEmail(
      { organizationId: ORGS.globex, to: 'ok@example.com', bcc: 'BOUNCED@example.COM', subject: 'Hi', text: 'Hi' },
      config(),
    );
    expect(result).toMatchObject({
      success: false,
      suppressed: [{ emailAddress: 'bounced@example.com', reason: 'manual' }],
    });
    expect(result.error).toContain('bounced@example.com (manual)');
    expect(result.error).toContain('allowSuppressed: true');
    expect(result.emailId).toBeUndefined();
    expect(await countRows(env.ORG_DB_GLOBEX, 'emails')).toBe(before);
  });

  it('sends anyway with allowSuppressed: true', async () => {
    await addSuppression(env.ORG_DB_GLOBEX, 'complained@example.com');
    const result = await sendEmail(
      { organizationId: ORGS.globex, to: 'complained@example.com', subject: 'Hi', text: 'Hi', allowSuppressed: true },
      config(),
    );
    expect(result).toMatchObject({ success: true });
    expect(await createD1EmailQueries(env.ORG_DB_GLOBEX).getEmail(result.emailId!)).toMatchObject({ status: 'sent' });
  });

  it('a suppression in another organisation does not refuse', async () => {
    await addSuppression(env.ORG_DB_GLOBEX, 'only-globex@example.com');
    const result = await sendEmail(
      { organizationId: ORGS.acme, to: 'only-globex@example.com', subject: 'Hi', text: 'Hi' },
      config(),
    );
    expect(result.success).toBe(true);
  });
});

describe('sendEmail: events and the route (aws-sdk-client-mock)', () => {
  it('applies the events that were parked for the SES message id before it was known', async () => {
    const sesMessageId = `ses-parked-${crypto.randomUUID()}`;
    const ports = d1SinkPorts(() => NOW);
    const delivery = parseSesEvent(
      JSON.stringify(
        buildSesEvent({ eventType: 'Delivery', messageId: sesMessageId, time: new Date(NOW.getTime() + 5000) }),
      ),
    );
    const open = parseSesEvent(
      JSON.stringify(
        buildSesEvent({ eventType: 'Open', messageId: sesMessageId, time: new Date(NOW.getTime() + 9000) }),
      ),
    );
    expect(await recordSesEvent(ports, `sns-${crypto.randomUUID()}`, delivery)).toEqual({ outcome: 'parked' });
    expect(await recordSesEvent(ports, `sns-${crypto.randomUUID()}`, open)).toEqual({ outcome: 'parked' });

    const ses = new SESv2Client({ region: 'eu-west-1', credentials });
    mockClient(ses).on(SendEmailCommand).resolves({ MessageId: sesMessageId });
    const result = await createEmailSender(config({ ses })).sendEmail({
      organizationId: ORGS.acme,
      to: 'ana@example.com',
      subject: 'Hi',
      text: 'Hi',
    });

    expect(result).toMatchObject({ success: true, id: sesMessageId });
    const row = await createD1EmailQueries(env.ORG_DB_ACME).getEmail(result.emailId!);
    expect(row).toMatchObject({
      status: 'delivered',
      openCount: 1,
      deliveredAt: NOW.getTime() + 5000,
      sentAt: NOW.getTime(),
    });
    const parked = await env.ADMIN_DB.prepare('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id = ?')
      .bind(sesMessageId)
      .first<{ n: number }>();
    expect(parked?.n).toBe(0);
  });

  it('an event published while SES was answering is parked (tags are no route), then applied by sendEmail', async () => {
    const sesMessageId = `ses-race-${crypto.randomUUID()}`;
    const ses = new SESv2Client({ region: 'eu-west-1', credentials });
    mockClient(ses)
      .on(SendEmailCommand)
      .callsFake(async (input: { EmailTags: Array<{ Name: string; Value: string }> }) => {
        // SES already published a Delivery, carrying the SDK's tags, before sendEmail got its answer.
        const tags = Object.fromEntries(input.EmailTags.map((t) => [t.Name, [t.Value]]));
        const event = parseSesEvent(
          JSON.stringify(buildSesEvent({ eventType: 'Delivery', messageId: sesMessageId, time: NOW, tags })),
        );
        expect(
          await recordSesEvent(
            d1SinkPorts(() => NOW),
            `sns-${crypto.randomUUID()}`,
            event,
          ),
        ).toMatchObject({ outcome: 'parked' });
        return { MessageId: sesMessageId };
      });
    const result = await createEmailSender(config({ ses })).sendEmail({
      organizationId: ORGS.acme,
      to: 'ana@example.com',
      subject: 'Hi',
      text: 'Hi',
    });
    expect(result.success).toBe(true);
    expect(await createD1EmailQueries(env.ORG_DB_ACME).getEmail(result.emailId!)).toMatchObject({
      status: 'delivered',
      sesMessageId,
    });
  });

  it('bookkeeping that fails after SES accepted the message is a warning, never a failure', async () => {
    const ses = new SESv2Client({ region: 'eu-west-1', credentials });
    mockClient(ses)
      .on(SendEmailCommand)
      .resolves({ MessageId: `ses-${crypto.randomUUID()}` });
    // The admin database fails its third statement: the route's write (the first two are the
    // reputation guard's read and the SES tenant's, before SES is called).
    const adminDb = failingD1(env.ADMIN_DB, createFaultPlan(3, 'before'));
    const result = await createEmailSender(config({ ses, adminDb })).sendEmail({
      organizationId: ORGS.acme,
      to: 'ana@example.com',
      subject: 'Hi',
      text: 'Hi',
    });
    expect(result).toMatchObject({ success: true });
    expect(result.warnings?.join('\n')).toMatch(/writing email_message_lookup failed: .*injected failure/);
    expect(await createD1EmailQueries(env.ORG_DB_ACME).getEmail(result.emailId!)).toMatchObject({ status: 'sent' });
  });

  it('a sender creates its SES client once and reuses it; an injected client is used as is', async () => {
    const sender = createEmailSender(config());
    expect(sender.ses).toBeInstanceOf(SESv2Client);
    const injected = new SESv2Client({ region: 'eu-west-1', credentials });
    const mock = mockClient(injected)
      .on(SendEmailCommand)
      .resolves({ MessageId: `ses-${crypto.randomUUID()}` });
    const withClient = createEmailSender(config({ ses: injected }));
    expect(withClient.ses).toBe(injected);
    await withClient.sendEmail({ organizationId: ORGS.acme, to: 'a@example.com', subject: 'Hi', text: 'Hi' });
    await withClient.sendEmail({ organizationId: ORGS.acme, to: 'b@example.com', subject: 'Hi', text: 'Hi' });
    expect(mock.commandCalls(SendEmailCommand)).toHaveLength(2);
  });
});

describe('sendEmail: invalid options throw before any I/O, naming the field', () => {
  const base = { organizationId: ORGS.acme, to: 'ana@example.com', subject: 'Hi', text: 'Hi' };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'a tag value with a space',
      { tags: { campaign: 'spring sale' } },
      /tags\.campaign: must be 1 to 256 ASCII letters/,
    ],
    [
      'an SDK routing tag',
      { tags: { 'kuratchi-org-id': 'x' } },
      /tags: kuratchi-org-id and kuratchi-email-id are set by the SDK/,
    ],
    [
      'a configuration set name of 65 characters',
      { configurationSetName: 'a'.repeat(65) },
      /configurationSetName: must be 1 to 64/,
    ],
    ['no body', { text: undefined }, /html: html or text is required/],
    [
      'a recipient with a display name',
      { to: ['ok@example.com', 'Ana <ana@example.com>'] },
      /to\[1\]: must be a plain ASCII email address/,
    ],
    [
      '51 recipients',
      { to: Array.from({ length: 51 }, (_, i) => `r${i}@example.com`) },
      /to: to, cc and bcc together must have at most 50/,
    ],
    [
      'a subject with a line break',
      { subject: 'Hi\r\nBcc: x@example.com' },
      /subject: subject must not contain line breaks/,
    ],
    ['a header name with a colon', { headers: { 'X-A:B': 'v' } }, /headers\.X-A:B: must be 1 to 126 printable ASCII/],
    ['a tag name with a dot', { tags: { 'utm.source': 'mail' } }, /tags\.utm\.source: must be 1 to 256 ASCII letters/],
    [
      'an organisation id that is not a valid tag value',
      { organizationId: 'org acme' },
      /organizationId: must be 1 to 256/,
    ],
    ['an unknown option', { bodyHtml: '<p>' }, /Unrecognized key.*bodyHtml/],
    ['a tracking choice that is not a boolean', { tracking: { opens: 'off' } }, /tracking\.opens/],
    ['an unknown tracking choice', { tracking: { links: false } }, /Unrecognized key.*links/],
  ];
  for (const [what, change, message] of cases) {
    it(`refuses ${what}`, async () => {
      const before = await countRows(env.ORG_DB_ACME, 'emails');
      const error = await sendEmail({ ...base, ...change } as never, config()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect((error as Error).message).toMatch(/^sendEmail: invalid options: /);
      expect((error as Error).message).toMatch(message);
      expect(await countRows(env.ORG_DB_ACME, 'emails')).toBe(before);
    });
  }

  it('refuses a missing from when no default is configured', async () => {
    await expect(sendEmail(base, config({ from: undefined }))).rejects.toThrow(/from: is required/);
  });

  it('refuses an invalid default configuration when the sender is created', () => {
    expect(() => createEmailSender(config({ configurationSetName: 'has space' }))).toThrow(
      /^createEmailSender: invalid options: configurationSetName: must be 1 to 64/,
    );
  });
});
