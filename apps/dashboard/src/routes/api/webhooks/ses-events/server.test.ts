import { env } from 'cloudflare:test';
import { createSnsSigner, type SnsSigner } from 'kuratchi-sdk/email/testing';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ORGS,
  post,
  seedOrganizations,
  sentEmail,
  signedEvent,
  takeOutbound,
  testSigner,
  TOPIC,
  WEBHOOK,
  writes,
} from '../../../../../test/support.js';

let signer: SnsSigner;
beforeAll(async () => {
  signer = await testSigner();
  await seedOrganizations();
});
beforeEach(async () => {
  await takeOutbound();
});

const emailRow = (db: D1Database, id: string) =>
  db
    .prepare(
      'SELECT status, open_count AS opens, click_count AS clicks, bounce_type AS bounceType, last_clicked_link AS link FROM emails WHERE id = ?',
    )
    .bind(id)
    .first();

describe('POST /api/webhooks/ses-events in workerd, on the real build', () => {
  it('applies signed events of every type to the right organisation, fetching the certificate once', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const globex = await sentEmail(env.ORG_DB_GLOBEX, ORGS.globex);
    const types = [
      'Send',
      'Delivery',
      'Open',
      'Click',
      'DeliveryDelay',
      'Bounce',
      'Complaint',
      'Reject',
      'Rendering Failure',
      'Subscription',
    ] as const;
    for (const eventType of types) {
      const response = await post(
        await signedEvent(signer, {
          eventType,
          messageId: acme.sesMessageId,
          recipient: acme.recipient,
          link: 'https://example.com/pricing',
        }),
      );
      expect(response.status, eventType).toBe(200);
      expect(await response.json()).toEqual({ outcome: 'applied' });
    }
    expect(await emailRow(env.ORG_DB_ACME, acme.emailId)).toEqual({
      status: 'complained',
      opens: 1,
      clicks: 1,
      bounceType: 'Permanent',
      link: 'https://example.com/pricing',
    });
    const events = await env.ORG_DB_ACME.prepare(
      'SELECT event_type FROM email_events WHERE email_id = ? ORDER BY event_type',
    )
      .bind(acme.emailId)
      .all();
    expect(events.results.map((r) => r['event_type'])).toEqual([...types].sort());
    expect(await emailRow(env.ORG_DB_GLOBEX, globex.emailId)).toMatchObject({ status: 'pending', opens: 0 });

    expect((await post(await signedEvent(signer, { eventType: 'Open', messageId: globex.sesMessageId }))).status).toBe(
      200,
    );
    expect(await emailRow(env.ORG_DB_GLOBEX, globex.emailId)).toMatchObject({ opens: 1 });
    expect(await emailRow(env.ORG_DB_ACME, acme.emailId)).toMatchObject({ opens: 1 });
    // The only outbound request was the certificate (the key is cached after that).
    expect((await takeOutbound()).map((r) => r.url)).toEqual([env.TEST_SIGNER_CERT_URL]);
  });

  it('answers a duplicate delivery 200 without counting it twice', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await signedEvent(signer, { eventType: 'Click', messageId: acme.sesMessageId });
    expect(await (await post(body)).json()).toEqual({ outcome: 'applied' });
    expect(await (await post(body)).json()).toEqual({ outcome: 'duplicate' });
    expect(await emailRow(env.ORG_DB_ACME, acme.emailId)).toMatchObject({ clicks: 1 });
  });

  it('parks an event for an email not sent yet (200)', async () => {
    const response = await post(
      await signedEvent(signer, { eventType: 'Delivery', messageId: `ses-${crypto.randomUUID()}` }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'parked' });
  });

  it('drops a late event of mail its organisation’s retention purged (200 expired), parks nothing', async () => {
    const messageId = `ses-${crypto.randomUUID()}`;
    const tags = { 'kuratchi-org-id': [ORGS.acme] };
    const late = (days: number) =>
      signedEvent(signer, { eventType: 'Click', messageId, tags, sentAt: new Date(Date.now() - days * 86_400_000) });
    const response = await post(await late(46));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'expired' });
    const parked = () =>
      env.ADMIN_DB.prepare('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id = ?')
        .bind(messageId)
        .first();
    expect(await parked()).toEqual({ n: 0 });
    // Within the 45 days: the route may still come, so it waits as before.
    expect(await (await post(await late(44))).json()).toEqual({ outcome: 'parked' });
    expect(await parked()).toEqual({ n: 1 });
  });
});

describe('refusals: their status, nothing written, no request to a foreign host', () => {
  const cases: Array<[string, () => Promise<{ body: BodyInit; headers?: Record<string, string> }>, number, string]> = [
    [
      'a forged signature',
      async () => ({
        body: tamper(await signedEvent(signer, { eventType: 'Open', messageId: 'x' }), 'MessageId', 'forged'),
      }),
      403,
      'signature-mismatch',
    ],
    [
      'a signature by another key',
      async () => ({
        body: await signedEvent(await createSnsSigner({ certUrl: env.TEST_SIGNER_CERT_URL }), {
          eventType: 'Open',
          messageId: 'x',
        }),
      }),
      403,
      'signature-mismatch',
    ],
    [
      'a stale message',
      async () => ({
        body: await signedEvent(
          signer,
          { eventType: 'Open', messageId: 'x' },
          { Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString() },
        ),
      }),
      403,
      'timestamp-too-old',
    ],
    [
      'a message from the future',
      async () => ({
        body: await signedEvent(
          signer,
          { eventType: 'Open', messageId: 'x' },
          { Timestamp: new Date(Date.now() + 3600_000).toISOString() },
        ),
      }),
      403,
      'timestamp-in-future',
    ],
    [
      'a disallowed topic',
      async () => ({
        body: await signedEvent(
          signer,
          { eventType: 'Open', messageId: 'x' },
          { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:intruder' },
        ),
      }),
      403,
      'topic-not-allowed',
    ],
    [
      'a certificate URL on S3',
      async () => ({
        body: tamper(
          await signedEvent(signer, { eventType: 'Open', messageId: 'x' }),
          'SigningCertURL',
          'https://s3.amazonaws.com/bucket/cert.pem',
        ),
      }),
      403,
      'cert-url-not-sns-host',
    ],
    ['malformed JSON', async () => ({ body: '{"Type":' }), 400, 'not-json'],
    ['a non-SNS JSON body', async () => ({ body: '{"hello":"world"}' }), 400, 'invalid-envelope'],
    ['a non-UTF-8 body', async () => ({ body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }), 400, 'not-utf8'],
    ['a body over 256 KiB (declared)', async () => ({ body: 'x'.repeat(256 * 1024 + 1) }), 413, 'too-large'],
    ['a body over 256 KiB (streamed, no length)', async () => ({ body: streamOf(300 * 1024) }), 413, 'too-large'],
  ];
  for (const [name, make, status, code] of cases) {
    it(`${name}: ${status} ${code}`, async () => {
      const { body, headers } = await make();
      const before = await writes();
      const response = await post(body, { headers });
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ code });
      expect(await writes()).toBe(before);
      for (const request of await takeOutbound())
        expect(new URL(request.url).hostname).toBe('sns.eu-west-1.amazonaws.com');
    });
  }

  it('refuses every topic when none is configured (secure default)', async () => {
    const body = await signedEvent(signer, { eventType: 'Open', messageId: 'x' });
    const response = await post(body, { env: { KURATCHI_ALLOWED_TOPIC_ARNS: '' } });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'topic-not-allowed' });
    expect(await takeOutbound()).toEqual([]);
  });
});

describe('HTTP Basic credential', () => {
  const withCredential = { KURATCHI_WEBHOOK_BASIC_AUTH: 'sns:s3cret-Pa55' };

  it('answers 401 with a challenge when the credential is missing or wrong, before reading anything', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await signedEvent(signer, { eventType: 'Open', messageId: acme.sesMessageId });
    const before = await writes();
    for (const authorization of [
      undefined,
      `Basic ${btoa('sns:wrong')}`,
      `Basic ${btoa('other:s3cret-Pa55')}`,
      'Bearer x',
      'Basic !!!',
    ]) {
      const response = await post(body, { env: withCredential, headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="kuratchi SES events"/);
    }
    expect(await writes()).toBe(before);
    expect(await takeOutbound()).toEqual([]);
    const accepted = await post(body, {
      env: withCredential,
      headers: { authorization: `Basic ${btoa('sns:s3cret-Pa55')}` },
    });
    expect(accepted.status).toBe(200);
    expect(await emailRow(env.ORG_DB_ACME, acme.emailId)).toMatchObject({ opens: 1 });
  });
});

describe('subscription confirmation', () => {
  async function confirmation(topicArn = TOPIC, subscribeUrl?: string) {
    return JSON.stringify(
      await signer.sign({
        Type: 'SubscriptionConfirmation',
        MessageId: crypto.randomUUID(),
        TopicArn: topicArn,
        Message: `You have chosen to subscribe to the topic ${topicArn}.`,
        SubscribeURL:
          subscribeUrl ??
          `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=t0k3n`,
        Token: 't0k3n',
        Timestamp: new Date().toISOString(),
      }),
    );
  }

  it('visits the SubscribeURL of the allowed topic (and nothing else)', async () => {
    const response = await post(await confirmation(), {
      headers: { 'x-amz-sns-message-type': 'SubscriptionConfirmation' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'subscription-confirmed' });
    const visits = (await takeOutbound()).filter((r) => r.url.includes('ConfirmSubscription'));
    expect(visits).toHaveLength(1);
    expect(visits[0]).toMatchObject({ method: 'GET' });
    expect(new URL(visits[0]!.url).hostname).toBe('sns.eu-west-1.amazonaws.com');
  });

  it('never visits the SubscribeURL of another topic or of a foreign host', async () => {
    const other = 'arn:aws:sns:eu-west-1:123456789012:not-ours';
    expect((await post(await confirmation(other))).status).toBe(403);
    expect((await post(await confirmation(TOPIC, 'https://evil.example/?Action=ConfirmSubscription'))).status).toBe(
      403,
    );
    expect((await takeOutbound()).filter((r) => r.url.includes('ConfirmSubscription'))).toEqual([]);
  });
});

describe('CSRF: SNS is not blocked, cross-site forms are', () => {
  it('lets SNS post text/plain without Origin to the webhook', async () => {
    const response = await post('{}');
    expect(response.status).toBe(400); // reached the ingestor: the body is simply not SNS
    expect(await response.json()).toMatchObject({ code: 'invalid-envelope' });
  });

  it('refuses a cross-site form post anywhere else, and accepts a same-origin one', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const crossSite = await post('name=x', {
      url: 'http://127.0.0.1/',
      headers: { ...form, origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toMatch(/Cross-site POST form submissions are forbidden/);
    const noOrigin = await post('name=x', { url: 'http://127.0.0.1/', headers: form });
    expect(noOrigin.status).toBe(403);
    const sameOrigin = await post('name=x', {
      url: 'http://127.0.0.1/',
      headers: { ...form, origin: 'http://127.0.0.1' },
    });
    expect(sameOrigin.status).not.toBe(403);
  });
});

describe('configuration', () => {
  it('refuses the development certificate in production (503, loudly), whatever it signs', async () => {
    const demo = await createSnsSigner({ certUrl: env.TEST_SIGNER_CERT_URL });
    const response = await post(await signedEvent(demo, { eventType: 'Open', messageId: 'x' }), {
      env: { KURATCHI_ENVIRONMENT: 'production', KURATCHI_SNS_DEV_CERTIFICATE_PEM: demo.certificatePem },
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ outcome: 'unavailable', code: 'misconfigured' });
  });

  it('trusts the development certificate in development on loopback only', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const demo = await createSnsSigner();
    const development = { KURATCHI_ENVIRONMENT: 'development', KURATCHI_SNS_DEV_CERTIFICATE_PEM: demo.certificatePem };
    const body = await signedEvent(demo, { eventType: 'Open', messageId: acme.sesMessageId });
    const remote = await post(body, { env: development, url: 'https://dashboard.example.com/api/webhooks/ses-events' });
    expect(remote.status).toBe(503); // the real certificate URL was tried (and is not served here)
    const local = await post(body, { env: development, url: WEBHOOK });
    expect(await local.json()).toEqual({ outcome: 'applied' });
  });

  it('keeps working when a setting of another section is bad (here the canary interval)', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await signedEvent(signer, { eventType: 'Delivery', messageId: acme.sesMessageId });
    const response = await post(body, { env: { KURATCHI_CANARY_INTERVAL_MINUTES: '5', AWS_REGION: 'nowhere' } });
    expect(await response.json()).toEqual({ outcome: 'applied' });
  });

  it('still reads a setting under its old name for one release, and says so', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await signedEvent(signer, { eventType: 'Delivery', messageId: acme.sesMessageId });
    const oldName = { KURATCHI_ALLOWED_TOPIC_ARNS: undefined, SES_ALLOWED_TOPIC_ARNS: TOPIC };
    expect(await (await post(body, { env: oldName })).json()).toEqual({ outcome: 'applied' });
    expect(warn.mock.calls.flat().join('\n')).toContain(
      'SES_ALLOWED_TOPIC_ARNS is deprecated: rename it KURATCHI_ALLOWED_TOPIC_ARNS',
    );
    warn.mockRestore();
  });

  it('names a missing ADMIN_DB binding', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await post('{}', { env: { ADMIN_DB: undefined } });
    expect(response.status).toBe(503);
    expect(errors.mock.calls.flat().join(' ')).toContain('ADMIN_DB');
    errors.mockRestore();
  });
});

describe('observability', () => {
  it('logs one structured line per message, without the payload', async () => {
    const logs = vi.spyOn(console, 'log').mockImplementation(() => {});
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    await post(await signedEvent(signer, { eventType: 'Open', messageId: acme.sesMessageId }));
    const lines = logs.mock.calls.map((call) => String(call[0])).filter((line) => line.includes('ses-webhook'));
    logs.mockRestore();
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      msg: 'ses-webhook',
      type: 'Notification',
      sesMessageId: acme.sesMessageId,
      eventType: 'Open',
      outcome: 'applied',
      status: 200,
      organizationId: ORGS.acme,
    });
    expect(typeof line.ms).toBe('number');
    expect(lines[0]).not.toContain('Signature');
  });

  it('counts what it saw, by outcome and rejection reason, with the time of the last event', async () => {
    const counter = async (name: string) =>
      (await env.ADMIN_DB.prepare('SELECT count, last_at AS lastAt FROM ingestion_counters WHERE name = ?')
        .bind(name)
        .first<{ count: number; lastAt: number }>()) ?? { count: 0, lastAt: 0 };
    const applied = await counter('outcome:applied');
    const forged = await counter('rejected:signature-mismatch');
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const started = Date.now();
    await post(await signedEvent(signer, { eventType: 'Delivery', messageId: acme.sesMessageId }));
    await post(tamper(await signedEvent(signer, { eventType: 'Open', messageId: 'x' }), 'Message', '{}'));
    expect((await counter('outcome:applied')).count).toBe(applied.count + 1);
    expect((await counter('rejected:signature-mismatch')).count).toBe(forged.count + 1);
    expect((await counter('notification')).lastAt).toBeGreaterThanOrEqual(started);
  });
});

function tamper(body: string, field: string, value: string): string {
  return JSON.stringify({ ...JSON.parse(body), [field]: value });
}

function streamOf(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
      sent += 16 * 1024;
    },
  });
}
