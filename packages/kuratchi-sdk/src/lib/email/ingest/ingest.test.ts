import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_NOW, testIso } from '../../../../test/clock.js';
import { countRows, d1SinkPorts, insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { KURATCHI_TAGS } from '../model.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import { buildSesEvent, type SesEventSpec } from '../testing/ses-event-factory.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import { createSesEventIngestor, type SesEventIngestorOptions } from './ingest.js';
import { applyParkedEvents } from '../routing/record.js';
import { SNS_DEAD_LETTER_RETENTION_SECONDS } from '../sns/redrive.js';
import type { SnsMessage } from '../sns/sns-message.js';
import { createSigningKeyCache } from '../sns/signing-key-cache.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const NOW = TEST_NOW;

let signer: SnsSigner;
beforeAll(async () => {
  signer = await createSnsSigner();
  await seedOrganizations();
});

function ingestor(overrides: Partial<SesEventIngestorOptions> = {}) {
  return createSesEventIngestor({
    ...d1SinkPorts(() => NOW),
    allowedTopicArns: [TOPIC],
    fetchCertificate: signer.fetchCertificate,
    fetch: vi.fn(async () => new Response('<ConfirmSubscriptionResponse/>', { status: 200 })),
    ...overrides,
  });
}

let counter = 0;
async function notification(spec: Omit<SesEventSpec, 'time'> & { time?: Date }, overrides: Partial<SnsMessage> = {}) {
  const event = buildSesEvent({ time: new Date(NOW.getTime() - 60_000), ...spec });
  const signed = await signer.sign({
    Type: 'Notification',
    MessageId: `sns-${++counter}-${crypto.randomUUID()}`,
    TopicArn: TOPIC,
    Message: JSON.stringify(event),
    Timestamp: new Date(NOW.getTime() - 1000).toISOString(),
    ...overrides,
  } as never);
  return JSON.stringify(signed);
}

/** The body with one field of the signed envelope changed (the signature left as it was). */
function withField(body: string, field: string, change: (value: string) => string): string {
  const message = JSON.parse(body) as Record<string, string>;
  const changed = change(message[field]!);
  if (changed === message[field]) throw new Error(`tampering left ${field} unchanged`);
  return JSON.stringify({ ...message, [field]: changed });
}

async function sentEmail(db: D1Database, organizationId: string) {
  const sesMessageId = `ses-${crypto.randomUUID()}`;
  const emailId = await insertEmail(db, { sesMessageId });
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(sesMessageId, organizationId, emailId)
    .run();
  return { emailId, sesMessageId };
}

async function totalWrites() {
  return (
    (await countRows(env.ADMIN_DB, 'parked_email_events')) +
    (await countRows(env.ADMIN_DB, 'sns_subscription_messages')) +
    (await countRows(env.ORG_DB_ACME, 'email_events')) +
    (await countRows(env.ORG_DB_GLOBEX, 'email_events'))
  );
}

describe('ingest: notifications', () => {
  it('routes through email_message_lookup to the right organisation and applies the event', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const result = await ingestor().ingest(await notification({ eventType: 'Delivery', messageId: acme.sesMessageId }));
    expect(result).toMatchObject({ status: 200, body: { outcome: 'applied' } });
    expect(result.log).toMatchObject({
      type: 'Notification',
      eventType: 'Delivery',
      sesMessageId: acme.sesMessageId,
      organizationId: ORGS.acme,
    });
    expect(await createD1EmailQueries(env.ORG_DB_ACME).getEmail(acme.emailId)).toMatchObject({ status: 'delivered' });
  });

  it('the same SNS POST twice: the second is a 200 duplicate and changes nothing', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await notification({ eventType: 'Open', messageId: acme.sesMessageId });
    expect((await ingestor().ingest(body)).body.outcome).toBe('applied');
    const second = await ingestor().ingest(body);
    expect(second).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    expect((await createD1EmailQueries(env.ORG_DB_ACME).getEmail(acme.emailId))?.openCount).toBe(1);
  });

  it('never routes by the SDK tags: without a route the event is parked, and applied once sendEmail writes it', async () => {
    const sesMessageId = `ses-${crypto.randomUUID()}`;
    const emailId = await insertEmail(env.ORG_DB_GLOBEX, { sesMessageId: null });
    const tags = { [KURATCHI_TAGS.organizationId]: [ORGS.globex], [KURATCHI_TAGS.emailId]: [emailId] };
    const result = await ingestor().ingest(await notification({ eventType: 'Click', messageId: sesMessageId, tags }));
    expect(result).toMatchObject({ status: 200, body: { outcome: 'parked' } });
    expect(result.log.organizationId).toBeUndefined();
    expect(await createD1EmailQueries(env.ORG_DB_GLOBEX).getEmail(emailId)).toMatchObject({
      clickCount: 0,
      sesMessageId: null,
    });

    await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(sesMessageId, ORGS.globex, emailId)
      .run();
    expect(
      await applyParkedEvents(
        d1SinkPorts(() => NOW),
        sesMessageId,
      ),
    ).toBe(1);
    // Applied through the route; an event never binds the row (only markSent does).
    expect(await createD1EmailQueries(env.ORG_DB_GLOBEX).getEmail(emailId)).toMatchObject({
      clickCount: 1,
      sesMessageId: null,
    });
    expect(await createD1EmailQueries(env.ORG_DB_ACME).getEmail(emailId)).toBeNull();
  });

  it('parks an event for an email not sent yet, and applies it once the route appears', async () => {
    const sesMessageId = `ses-${crypto.randomUUID()}`;
    const result = await ingestor().ingest(await notification({ eventType: 'Bounce', messageId: sesMessageId }));
    expect(result).toMatchObject({ status: 200, body: { outcome: 'parked' } });
    const parked = () =>
      env.ADMIN_DB.prepare('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id = ?')
        .bind(sesMessageId)
        .first<{ n: number }>();
    expect((await parked())?.n).toBe(1);

    // sendEmail's part: email row, then route, then apply what was parked.
    const emailId = await insertEmail(env.ORG_DB_ACME, { sesMessageId });
    await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(sesMessageId, ORGS.acme, emailId)
      .run();
    expect(
      await applyParkedEvents(
        d1SinkPorts(() => NOW),
        sesMessageId,
      ),
    ).toBe(1);
    expect(
      await applyParkedEvents(
        d1SinkPorts(() => NOW),
        sesMessageId,
      ),
    ).toBe(0);
    expect((await parked())?.n).toBe(0);
    expect(await createD1EmailQueries(env.ORG_DB_ACME).getEmail(emailId)).toMatchObject({
      status: 'bounced',
      bounceType: 'Permanent',
    });
  });

  it('an event that races sendEmail (lookup written right after the miss) is applied, not stranded', async () => {
    const sesMessageId = `ses-${crypto.randomUUID()}`;
    const emailId = await insertEmail(env.ORG_DB_ACME, { sesMessageId });
    const ports = d1SinkPorts(() => NOW);
    let first = true;
    const racing = createSesEventIngestor({
      ...ports,
      adminStore: {
        ...ports.adminStore,
        async findMessageRoute(id) {
          if (first) {
            first = false;
            // sendEmail writes the route and drains the (still empty) park in between.
            await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
              .bind(sesMessageId, ORGS.acme, emailId)
              .run();
            await applyParkedEvents(ports, sesMessageId);
            return null;
          }
          return ports.adminStore.findMessageRoute(id);
        },
      },
      allowedTopicArns: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
    });
    // Parked, then found routed on the second look: applied at once (only this event, not the park).
    expect(
      (await racing.ingest(await notification({ eventType: 'Delivery', messageId: sesMessageId }))).body.outcome,
    ).toBe('applied');
    expect(await createD1EmailQueries(env.ORG_DB_ACME).getEmail(emailId)).toMatchObject({ status: 'delivered' });
    expect(await countRows(env.ADMIN_DB, `parked_email_events WHERE ses_message_id = '${sesMessageId}'`)).toBe(0);
  });

  it('ignores (200) messages on the topic that are not SES events, and writes nothing', async () => {
    const before = await totalWrites();
    const body = JSON.stringify(
      await signer.sign({
        Type: 'Notification',
        MessageId: `sns-${crypto.randomUUID()}`,
        TopicArn: TOPIC,
        Message: 'Successfully validated SNS topic for Amazon SES event publishing.',
        Timestamp: NOW.toISOString(),
      }),
    );
    expect(await ingestor().ingest(body)).toMatchObject({
      status: 200,
      body: { outcome: 'ignored', code: 'not-json' },
    });
    expect(await totalWrites()).toBe(before);
  });

  it('answers 400 for a verified SES event missing a required field', async () => {
    const body = JSON.stringify(
      await signer.sign({
        Type: 'Notification',
        MessageId: `sns-${crypto.randomUUID()}`,
        TopicArn: TOPIC,
        Message: JSON.stringify({ eventType: 'Bounce', mail: { messageId: 'x', timestamp: NOW.toISOString() } }),
        Timestamp: NOW.toISOString(),
      }),
    );
    expect(await ingestor().ingest(body)).toMatchObject({
      status: 400,
      body: { outcome: 'malformed', code: 'invalid-event' },
    });
  });
});

describe('ingest: refusals write nothing', () => {
  const cases: Array<[string, () => Promise<string>, number, string, Partial<SesEventIngestorOptions>?]> = [
    [
      'a forged signature',
      async () =>
        withField(await notification({ eventType: 'Open', messageId: 'x' }), 'Message', (m) =>
          m.replace('"Open"', '"Click"'),
        ),
      403,
      'signature-mismatch',
    ],
    [
      'a stale timestamp',
      () => notification({ eventType: 'Open', messageId: 'x' }, { Timestamp: testIso(-2 * 3_600_000) }),
      403,
      'timestamp-too-old',
    ],
    [
      'a disallowed topic',
      () =>
        notification({ eventType: 'Open', messageId: 'x' }, { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:other' }),
      403,
      'topic-not-allowed',
    ],
    [
      'any topic when none is configured',
      () => notification({ eventType: 'Open', messageId: 'x' }),
      403,
      'topic-not-allowed',
      { allowedTopicArns: [] },
    ],
    [
      'a certificate URL off AWS',
      async () =>
        withField(await notification({ eventType: 'Open', messageId: 'x' }), 'SigningCertURL', (u) =>
          u.replace('amazonaws.com', 'amazonaws.com.evil.example'),
        ),
      403,
      'cert-url-not-sns-host',
    ],
    ['malformed JSON', async () => '{"Type": "Notification", ', 400, 'not-json'],
    [
      'an envelope missing fields',
      async () => JSON.stringify({ Type: 'Notification', Message: '{}' }),
      400,
      'invalid-envelope',
    ],
    [
      'raw message delivery (an SES record without envelope)',
      async () => JSON.stringify(buildSesEvent({ eventType: 'Open', messageId: 'x', time: NOW })),
      400,
      'invalid-envelope',
    ],
    ['a body over 256 KiB', async () => `{"Message":"${'x'.repeat(300 * 1024)}"}`, 413, 'too-large'],
  ];
  for (const [name, body, status, code, overrides] of cases) {
    it(`${name}: ${status} ${code}`, async () => {
      const before = await totalWrites();
      const result = await ingestor(overrides).ingest(await body());
      expect(result.status).toBe(status);
      expect(result.body.code).toBe(code);
      expect(await totalWrites()).toBe(before);
    });
  }

  it('an unreachable signing certificate answers 503 so SNS retries', async () => {
    const result = await ingestor({
      fetchCertificate: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      // Of its own: the isolate's cache already holds the certificate at this URL.
      keyCache: createSigningKeyCache(),
    }).ingest(await notification({ eventType: 'Open', messageId: 'x' }));
    expect(result).toMatchObject({ status: 503, body: { outcome: 'unavailable', code: 'certificate-unavailable' } });
  });

  it('a database failure answers 500 (retryable) without leaking its text to SNS', async () => {
    const ports = d1SinkPorts(() => NOW);
    const result = await ingestor({
      adminStore: {
        ...ports.adminStore,
        findMessageRoute: async () => {
          throw new Error('D1_ERROR: SELECT secret FROM internals');
        },
      },
    }).ingest(await notification({ eventType: 'Open', messageId: 'x' }));
    expect(result).toMatchObject({ status: 500, body: { outcome: 'internal-error' } });
    expect(JSON.stringify(result.body)).not.toContain('secret');
    expect(result.log.error).toContain('D1_ERROR');
  });

  it('an organisation whose database binding is missing answers 503', async () => {
    await env.ADMIN_DB.prepare(
      "INSERT INTO organizations (id, name, database_binding, created_at) VALUES ('org-unbound', 'Unbound', 'ORG_DB_NOPE', 0) ON CONFLICT DO NOTHING",
    ).run();
    const sesMessageId = `ses-${crypto.randomUUID()}`;
    await env.ADMIN_DB.prepare("INSERT INTO email_message_lookup VALUES (?, 'org-unbound', 'e1', 0)")
      .bind(sesMessageId)
      .run();
    const result = await ingestor().ingest(await notification({ eventType: 'Open', messageId: sesMessageId }));
    expect(result).toMatchObject({ status: 503, body: { code: 'binding-missing' } });
  });
});

describe('ingest: subscription confirmations', () => {
  const subscribeUrl = `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=abc`;
  async function confirmation(overrides: Record<string, string> = {}, type = 'SubscriptionConfirmation') {
    return JSON.stringify(
      await signer.sign({
        Type: type,
        MessageId: `sns-${crypto.randomUUID()}`,
        TopicArn: TOPIC,
        Message: `You have chosen to subscribe to the topic ${TOPIC}.`,
        SubscribeURL: subscribeUrl,
        Token: 'abc',
        Timestamp: NOW.toISOString(),
        ...overrides,
      } as never),
    );
  }
  const outcomeOf = (id: string) =>
    env.ADMIN_DB.prepare('SELECT outcome, detail FROM sns_subscription_messages WHERE sns_message_id = ?')
      .bind(id)
      .first();

  it('visits the SubscribeURL once, without following redirects, and records the confirmation', async () => {
    const fetch = vi.fn(async () => new Response('ok', { status: 200 }));
    const body = await confirmation();
    const result = await ingestor({ fetch }).ingest(body);
    expect(result).toMatchObject({ status: 200, body: { outcome: 'subscription-confirmed' } });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledWith(new URL(subscribeUrl).href, expect.objectContaining({ redirect: 'manual' }));
    expect(await outcomeOf(JSON.parse(body).MessageId)).toEqual({ outcome: 'confirmed', detail: null });
  });

  it('a redirect or error from the SubscribeURL answers 502 (SNS retries) and is recorded as failed', async () => {
    const body = await confirmation();
    const result = await ingestor({
      fetch: async () => new Response(null, { status: 301, headers: { location: 'https://evil.example/' } }),
    }).ingest(body);
    expect(result).toMatchObject({ status: 502, body: { outcome: 'subscription-failed' } });
    expect(await outcomeOf(JSON.parse(body).MessageId)).toEqual({
      outcome: 'confirm-failed',
      detail: 'SubscribeURL answered HTTP 301',
    });
  });

  const refused: Array<[string, Record<string, string>, string, Partial<SesEventIngestorOptions>?]> = [
    [
      'a SubscribeURL on a foreign host',
      { SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription' },
      'subscribe-url-rejected',
    ],
    [
      'a SubscribeURL on another region',
      { SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription' },
      'subscribe-url-rejected',
    ],
    [
      'a SubscribeURL over http',
      { SubscribeURL: 'http://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription' },
      'subscribe-url-rejected',
    ],
    [
      'a SubscribeURL with credentials',
      { SubscribeURL: 'https://a:b@sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription' },
      'subscribe-url-rejected',
    ],
    ['a disallowed topic', { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:someone-else' }, 'topic-not-allowed'],
  ];
  for (const [name, overrides, code] of refused) {
    it(`${name}: 403 ${code}, never fetched, nothing recorded`, async () => {
      const fetch = vi.fn(async () => new Response('ok'));
      const before = await totalWrites();
      const result = await ingestor({ fetch }).ingest(await confirmation(overrides));
      expect(result).toMatchObject({ status: 403, body: { code } });
      expect(fetch).not.toHaveBeenCalled();
      expect(await totalWrites()).toBe(before);
    });
  }

  it('an UnsubscribeConfirmation is recorded and never visited', async () => {
    const fetch = vi.fn(async () => new Response('ok'));
    const body = await confirmation({}, 'UnsubscribeConfirmation');
    const result = await ingestor({ fetch }).ingest(body);
    expect(result).toMatchObject({ status: 200, body: { outcome: 'unsubscribe-recorded' } });
    expect(fetch).not.toHaveBeenCalled();
    expect(await outcomeOf(JSON.parse(body).MessageId)).toEqual({ outcome: 'unsubscribed', detail: null });
  });

  it("with subscriptionMessages 'report' (the redrive path) a verified confirmation is reported, never visited nor recorded", async () => {
    const fetch = vi.fn(async () => new Response('ok'));
    const before = await totalWrites();
    for (const type of ['SubscriptionConfirmation', 'UnsubscribeConfirmation']) {
      const body = await confirmation({}, type);
      const result = await ingestor({ fetch, subscriptionMessages: 'report' }).ingest(body);
      expect(result).toMatchObject({
        status: 200,
        body: { outcome: 'ignored', code: 'subscription-message-not-handled' },
        log: { type },
      });
    }
    expect(fetch).not.toHaveBeenCalled();
    expect(await totalWrites()).toBe(before);
    // Still verified first: a forged one is refused.
    const forged = withField(await confirmation(), 'Token', (t) => `${t}x`);
    expect((await ingestor({ subscriptionMessages: 'report' }).ingest(forged)).status).toBe(403);
  });
});

describe('ingest: the redrive window (maxAgeSeconds = the dead-letter queue retention)', () => {
  it('a message 13 days old is refused by the webhook window and applied within the retention; 15 days is refused by both', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const day = 86_400_000;
    const old = await notification(
      { eventType: 'Delivery', messageId: sesMessageId, time: new Date(NOW.getTime() - 13 * day - 60_000) },
      { Timestamp: new Date(NOW.getTime() - 13 * day).toISOString() },
    );
    expect(await ingestor().ingest(old)).toMatchObject({ status: 403, body: { code: 'timestamp-too-old' } });
    const redrive = ingestor({ maxAgeSeconds: SNS_DEAD_LETTER_RETENTION_SECONDS });
    expect(await redrive.ingest(old)).toMatchObject({ status: 200, body: { outcome: 'applied' } });
    expect(await redrive.ingest(old)).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    expect(await env.ORG_DB_ACME.prepare('SELECT status FROM emails WHERE id = ?').bind(emailId).first('status')).toBe(
      'delivered',
    );
    const older = await notification(
      { eventType: 'Delivery', messageId: sesMessageId },
      { Timestamp: new Date(NOW.getTime() - 15 * day).toISOString() },
    );
    expect(await redrive.ingest(older)).toMatchObject({ status: 403, body: { code: 'timestamp-too-old' } });
  });
});

describe('queued mode (an enqueue function is given)', () => {
  it('verifies and parses, sends one queue message per event and answers 200 queued: nothing written to D1', async () => {
    const { sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const sent: unknown[] = [];
    const before = await totalWrites();
    const body = await notification({ eventType: 'Delivery', messageId: sesMessageId });
    const result = await ingestor({ enqueue: async (m) => void sent.push(m) }).ingest(body);
    expect(result).toMatchObject({ status: 200, body: { outcome: 'queued' } });
    const envelope = JSON.parse(body) as SnsMessage & { Message: string };
    expect(sent).toEqual([
      {
        v: 1,
        snsMessageId: envelope.MessageId,
        snsTimestamp: Date.parse(envelope.Timestamp),
        message: envelope.Message,
      },
    ]);
    expect(await totalWrites()).toBe(before);
  });

  it('answers 503 queue-send-failed when the queue refuses the event, so SNS retries', async () => {
    const body = await notification({ eventType: 'Open', messageId: 'ses-queue-down' });
    const result = await ingestor({
      enqueue: async () => {
        throw new Error('Queue send failed: overloaded');
      },
    }).ingest(body);
    expect(result).toMatchObject({ status: 503, body: { outcome: 'unavailable', code: 'queue-send-failed' } });
    expect(result.log.error).toContain('overloaded');
  });

  it('refuses what direct mode refuses before anything is enqueued: forged (403), malformed event (400)', async () => {
    const sent: unknown[] = [];
    const enqueue = async (m: unknown) => void sent.push(m);
    const forged = withField(await notification({ eventType: 'Open', messageId: 'ses-x' }), 'Message', (m) => m + ' ');
    expect((await ingestor({ enqueue }).ingest(forged)).status).toBe(403);
    const malformed = await notification(
      { eventType: 'Open', messageId: 'ses-x' },
      { Message: '{"eventType":"Open"}' },
    );
    expect((await ingestor({ enqueue }).ingest(malformed)).status).toBe(400);
    expect(sent).toEqual([]);
  });
});
