import { env } from 'cloudflare:test';
import { createSnsSigner, type SnsSigner } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ORGS,
  post,
  seedOrganizations,
  sentEmail,
  signedEvent,
  takeOutbound,
  testSigner,
  TOPIC,
  writes,
} from '../../../../../test/support.js';

/**
 * The attack corpus: forged and malformed requests through the real route in workerd. Each gets
 * its documented status, writes nothing (no email, event, park, lookup, suppression or
 * subscription row: only the ingestion counters record the refusal, by design), and the Worker
 * never sends a request to any host but the SNS endpoint of the topic's region.
 */
type Attack = {
  name: string;
  status: number;
  code?: string;
  make: () => Promise<{ body: BodyInit; headers?: Record<string, string>; env?: Record<string, unknown> }>;
};

let signer: SnsSigner;
let impostor: SnsSigner;
let target: { emailId: string; sesMessageId: string; recipient: string };

beforeAll(async () => {
  signer = await testSigner();
  impostor = await createSnsSigner({ certUrl: env.TEST_SIGNER_CERT_URL });
  await seedOrganizations();
  target = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
});

const open = () => signedEvent(signer, { eventType: 'Open', messageId: target.sesMessageId });
const edit = (body: string, change: (message: Record<string, unknown>) => void) => {
  const message = JSON.parse(body) as Record<string, unknown>;
  change(message);
  return JSON.stringify(message);
};
const withField = async (field: string, value: unknown) => ({ body: edit(await open(), (m) => (m[field] = value)) });
const confirmation = async (
  overrides: Record<string, unknown> = {},
  type = 'SubscriptionConfirmation',
  by = () => signer,
) =>
  JSON.stringify(
    await by().sign({
      Type: type,
      MessageId: crypto.randomUUID(),
      TopicArn: TOPIC,
      Message: 'You have chosen to subscribe.',
      SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=t`,
      Token: 't',
      Timestamp: new Date().toISOString(),
      ...overrides,
    } as never),
  );
const certUrl = (url: string) => withField('SigningCertURL', url);
const HEX = '0123456789abcdef0123456789abcdef';
const sig = async (change: (signature: string) => string) => ({
  body: edit(await open(), (m) => (m['Signature'] = change(String(m['Signature'])))),
});

const attacks: Attack[] = [
  // Signatures
  {
    name: 'a tampered Message',
    status: 403,
    code: 'signature-mismatch',
    make: async () => ({
      body: edit(await open(), (m) => (m['Message'] = String(m['Message']).replace('"Open"', '"Click"'))),
    }),
  },
  {
    name: 'a tampered MessageId',
    status: 403,
    code: 'signature-mismatch',
    make: () => withField('MessageId', 'replayed-id'),
  },
  {
    name: 'a tampered Timestamp',
    status: 403,
    code: 'signature-mismatch',
    make: () => withField('Timestamp', new Date(Date.now() - 1000).toISOString()),
  },
  { name: 'an added Subject', status: 403, code: 'signature-mismatch', make: () => withField('Subject', 'injected') },
  {
    name: 'a signature by another key',
    status: 403,
    code: 'signature-mismatch',
    make: async () => ({ body: await signedEvent(impostor, { eventType: 'Open', messageId: target.sesMessageId }) }),
  },
  {
    name: "another message's signature (swapped)",
    status: 403,
    code: 'signature-mismatch',
    make: async () => {
      const other = JSON.parse(await open()).Signature;
      return { body: edit(await open(), (m) => (m['Signature'] = other)) };
    },
  },
  {
    name: 'a signature with its bytes flipped',
    status: 403,
    code: 'signature-mismatch',
    make: () => sig((s) => (s[10] === 'A' ? `${s.slice(0, 10)}B${s.slice(11)}` : `${s.slice(0, 10)}A${s.slice(11)}`)),
  },
  { name: 'a truncated signature', status: 403, code: 'signature-mismatch', make: () => sig((s) => s.slice(0, 100)) },
  {
    name: 'a signature that is not base64',
    status: 403,
    code: 'signature-malformed',
    make: () => sig(() => '!!not base64!!'),
  },
  { name: 'an empty signature', status: 400, code: 'invalid-envelope', make: () => sig(() => '') },
  {
    name: 'SignatureVersion 2 claimed for a SHA-1 signature',
    status: 403,
    code: 'signature-mismatch',
    make: async () => ({
      body: edit(
        JSON.stringify(await signer.sign(JSON.parse(await open()), '1')),
        (m) => (m['SignatureVersion'] = '2'),
      ),
    }),
  },
  {
    name: 'SignatureVersion 3',
    status: 403,
    code: 'unsupported-signature-version',
    make: () => withField('SignatureVersion', '3'),
  },
  {
    name: 'SignatureVersion as a number',
    status: 400,
    code: 'invalid-envelope',
    make: () => withField('SignatureVersion', 2),
  },
  // Certificate URL tricks (none may be fetched)
  {
    name: 'an http certificate URL',
    status: 403,
    code: 'cert-url-not-https',
    make: () => certUrl('http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem'),
  },
  {
    name: 'a certificate on S3',
    status: 403,
    code: 'cert-url-not-sns-host',
    make: () => certUrl('https://s3.amazonaws.com/sns.eu-west-1.amazonaws.com/x.pem'),
  },
  {
    name: 'a look-alike suffix host',
    status: 403,
    code: 'cert-url-not-sns-host',
    make: () => certUrl('https://sns.eu-west-1.amazonaws.com.evil.example/SimpleNotificationService-x.pem'),
  },
  {
    name: 'userinfo before a foreign host',
    status: 403,
    code: 'cert-url-has-credentials',
    make: () => certUrl('https://sns.eu-west-1.amazonaws.com@evil.example/SimpleNotificationService-x.pem'),
  },
  {
    name: 'a port on the SNS host',
    status: 403,
    code: 'cert-url-not-sns-host',
    make: () => certUrl('https://sns.eu-west-1.amazonaws.com:444/SimpleNotificationService-x.pem'),
  },
  {
    name: 'no region',
    status: 403,
    code: 'cert-url-not-sns-host',
    make: () => certUrl('https://sns.amazonaws.com/SimpleNotificationService-x.pem'),
  },
  {
    name: 'an IP address host',
    status: 403,
    code: 'cert-url-not-sns-host',
    make: () => certUrl('https://52.94.236.248/SimpleNotificationService-x.pem'),
  },
  {
    name: 'a homoglyph host (Cyrillic a)',
    status: 403,
    code: 'cert-url-not-sns-host',
    make: () => certUrl('https://sns.eu-west-1.аmazonaws.com/SimpleNotificationService-x.pem'),
  },
  {
    name: 'not a .pem path',
    status: 403,
    code: 'cert-url-not-pem',
    make: () => certUrl('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.crt'),
  },
  {
    name: '.pem only in the query',
    status: 403,
    code: 'cert-url-not-pem',
    make: () => certUrl('https://sns.eu-west-1.amazonaws.com/cert?f=x.pem'),
  },
  {
    name: 'not a URL',
    status: 403,
    code: 'cert-url-invalid',
    make: () => certUrl('sns.eu-west-1.amazonaws.com/x.pem'),
  },
  {
    name: "a fresh .pem path on the topic's SNS host",
    status: 403,
    code: 'cert-url-not-pem',
    make: () => certUrl(`https://sns.eu-west-1.amazonaws.com/${crypto.randomUUID()}.pem`),
  },
  {
    name: 'a non-hex SimpleNotificationService path',
    status: 403,
    code: 'cert-url-not-pem',
    make: () => certUrl('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem'),
  },
  {
    name: 'a 31-hex SimpleNotificationService path',
    status: 403,
    code: 'cert-url-not-pem',
    make: () => certUrl(`https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-${HEX.slice(1)}.pem`),
  },
  {
    name: 'an upper-case hex SimpleNotificationService path',
    status: 403,
    code: 'cert-url-not-pem',
    make: () => certUrl(`https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-${HEX.toUpperCase()}.pem`),
  },
  {
    name: 'a certificate path below a folder',
    status: 403,
    code: 'cert-url-not-pem',
    make: () => certUrl(`https://sns.eu-west-1.amazonaws.com/x/SimpleNotificationService-${HEX}.pem`),
  },
  {
    name: "the SNS host of another region than the topic's",
    status: 403,
    code: 'cert-url-not-sns-host',
    make: () => certUrl(`https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${HEX}.pem`),
  },
  {
    name: "the signer's own certificate path on another region",
    status: 403,
    code: 'cert-url-not-sns-host',
    make: () => certUrl(env.TEST_SIGNER_CERT_URL.replace('eu-west-1', 'eu-central-1')),
  },
  {
    name: 'a China SNS host for a topic outside China',
    status: 403,
    code: 'cert-url-not-sns-host',
    make: () => certUrl(`https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-${HEX}.pem`),
  },
  // Time and topic
  {
    name: 'a stale timestamp (2 h)',
    status: 403,
    code: 'timestamp-too-old',
    make: async () => ({
      body: await signedEvent(
        signer,
        { eventType: 'Open', messageId: target.sesMessageId },
        { Timestamp: new Date(Date.now() - 7_200_000).toISOString() },
      ),
    }),
  },
  {
    name: 'a future timestamp (1 h)',
    status: 403,
    code: 'timestamp-in-future',
    make: async () => ({
      body: await signedEvent(
        signer,
        { eventType: 'Open', messageId: target.sesMessageId },
        { Timestamp: new Date(Date.now() + 3_600_000).toISOString() },
      ),
    }),
  },
  {
    name: 'a timestamp that is not a date',
    status: 400,
    code: 'invalid-envelope',
    make: () => withField('Timestamp', 'yesterday'),
  },
  {
    name: 'a disallowed topic',
    status: 403,
    code: 'topic-not-allowed',
    make: async () => ({
      body: await signedEvent(
        signer,
        { eventType: 'Open', messageId: target.sesMessageId },
        { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:evil' },
      ),
    }),
  },
  {
    name: 'a malformed topic ARN',
    status: 400,
    code: 'invalid-envelope',
    make: () => withField('TopicArn', 'arn:aws:sqs:eu-west-1:123:x'),
  },
  // Subscriptions
  {
    name: 'a SubscribeURL on a foreign host',
    status: 403,
    code: 'subscribe-url-rejected',
    make: async () => ({
      body: await confirmation({ SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription' }),
    }),
  },
  {
    name: 'a SubscribeURL on another region',
    status: 403,
    code: 'subscribe-url-rejected',
    make: async () => ({
      body: await confirmation({ SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription' }),
    }),
  },
  {
    name: 'a SubscribeURL with credentials',
    status: 403,
    code: 'subscribe-url-rejected',
    make: async () => ({
      body: await confirmation({ SubscribeURL: 'https://u:p@sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription' }),
    }),
  },
  {
    name: 'a SubscribeURL that redirects',
    status: 502,
    code: 'subscribe-url-failed',
    make: async () => ({
      body: await confirmation({ SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Redirect' }),
    }),
  },
  {
    name: 'a confirmation for a disallowed topic',
    status: 403,
    code: 'topic-not-allowed',
    make: async () => ({
      body: await confirmation({
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:evil',
        SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription',
      }),
    }),
  },
  {
    name: 'a replayed (stale) UnsubscribeConfirmation',
    status: 403,
    code: 'timestamp-too-old',
    make: async () => ({
      body: await confirmation(
        { Timestamp: new Date(Date.now() - 7_200_000).toISOString() },
        'UnsubscribeConfirmation',
      ),
    }),
  },
  {
    name: 'a forged UnsubscribeConfirmation',
    status: 403,
    code: 'signature-mismatch',
    make: async () => ({ body: await confirmation({}, 'UnsubscribeConfirmation', () => impostor) }),
  },
  // Raw delivery and credentials
  {
    name: 'raw message delivery (no envelope, no signature)',
    status: 400,
    code: 'invalid-envelope',
    make: async () => ({ body: JSON.parse(await open()).Message, headers: { 'x-amz-sns-rawdelivery': 'true' } }),
  },
  {
    name: 'no credential when one is required',
    status: 401,
    code: 'unauthorized',
    make: async () => ({ body: await open(), env: { KURATCHI_WEBHOOK_BASIC_AUTH: 'sns:secret' } }),
  },
  {
    name: 'a wrong credential',
    status: 401,
    code: 'unauthorized',
    make: async () => ({
      body: await open(),
      env: { KURATCHI_WEBHOOK_BASIC_AUTH: 'sns:secret' },
      headers: { authorization: `Basic ${btoa('sns:guess')}` },
    }),
  },
  // Bodies
  {
    name: 'an oversized body',
    status: 413,
    code: 'too-large',
    make: async () => ({ body: `{"Message":"${'A'.repeat(300_000)}"}` }),
  },
  {
    name: 'a truncated body',
    status: 400,
    code: 'not-json',
    make: async () => ({ body: (await open()).slice(0, 200) }),
  },
  {
    name: 'a non-UTF-8 body',
    status: 400,
    code: 'not-utf8',
    make: async () => ({
      body: new Uint8Array([...new TextEncoder().encode('{"Type":"Notification","Message":"'), 0xc3, 0x28, 0x22, 0x7d]),
    }),
  },
  { name: 'an empty body', status: 400, code: 'not-json', make: async () => ({ body: '' }) },
  { name: 'JSON null', status: 400, code: 'invalid-envelope', make: async () => ({ body: 'null' }) },
  { name: 'a JSON array', status: 400, code: 'invalid-envelope', make: async () => ({ body: '[1,2,3]' }) },
  {
    name: 'duplicate keys overriding the signed Message',
    status: 403,
    code: 'signature-mismatch',
    make: async () => ({ body: `${(await open()).slice(0, -1)},"Message":"{\\"eventType\\":\\"Complaint\\"}"}` }),
  },
  {
    name: 'duplicate Type keys',
    status: 403,
    code: 'signature-mismatch',
    make: async () => ({
      body: `${(await open()).slice(0, -1)},"Type":"SubscriptionConfirmation","SubscribeURL":"https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription","Token":"t"}`,
    }),
  },
  {
    name: 'huge numbers',
    status: 400,
    code: 'invalid-envelope',
    make: async () => ({ body: `{"Type":"Notification","MessageId":1e999999,"Timestamp":-1e400}` }),
  },
  {
    name: 'deep nesting',
    status: 400,
    code: 'not-json',
    make: async () => ({ body: `${'['.repeat(120_000)}${']'.repeat(120_000)}`.slice(0, 200_000) }),
  },
  {
    name: 'a Message that is an object',
    status: 400,
    code: 'invalid-envelope',
    make: () => withField('Message', { eventType: 'Open' }),
  },
  { name: 'a lower-case Type', status: 400, code: 'invalid-envelope', make: () => withField('Type', 'notification') },
];

describe(`attack corpus (${attacks.length} requests)`, () => {
  it('has at least 40 attacks', () => expect(attacks.length).toBeGreaterThanOrEqual(40));

  for (const attack of attacks) {
    it(`${attack.name}: ${attack.status}${attack.code ? ` ${attack.code}` : ''}, nothing written, no foreign request`, async () => {
      const { body, headers, env: override } = await attack.make();
      await takeOutbound();
      const before = await writes();
      const response = await post(body, { headers, env: override });
      expect(response.status).toBe(attack.status);
      if (attack.code) expect(await response.json()).toMatchObject({ code: attack.code });
      // A failed SubscribeURL visit is recorded as such (for the health page); all else writes nothing.
      if (attack.status !== 502) expect(await writes()).toBe(before);
      const outbound = await takeOutbound();
      // A refused certificate URL is never fetched.
      if (attack.code?.startsWith('cert-url-')) expect(outbound).toEqual([]);
      for (const request of outbound) expect(new URL(request.url).hostname).toBe('sns.eu-west-1.amazonaws.com');
    });
  }

  it('the targeted email is untouched by the whole corpus', async () => {
    expect(
      await env.ORG_DB_ACME.prepare('SELECT status, open_count FROM emails WHERE id = ?').bind(target.emailId).first(),
    ).toEqual({ status: 'pending', open_count: 0 });
  });
});

describe('tenant isolation of events', () => {
  it('an event changes only the organisation its lookup row names, whatever its tags claim', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const globex = await sentEmail(env.ORG_DB_GLOBEX, ORGS.globex);
    const tags = { 'kuratchi-org-id': [ORGS.globex], 'kuratchi-email-id': [globex.emailId] };
    expect(
      (await post(await signedEvent(signer, { eventType: 'Click', messageId: acme.sesMessageId, tags }))).status,
    ).toBe(200);
    expect(
      await env.ORG_DB_ACME.prepare('SELECT click_count AS n FROM emails WHERE id = ?').bind(acme.emailId).first(),
    ).toEqual({ n: 1 });
    expect(
      await env.ORG_DB_GLOBEX.prepare('SELECT click_count AS n FROM emails WHERE id = ?').bind(globex.emailId).first(),
    ).toEqual({ n: 0 });
  });

  it("tags naming another organisation's email of another SES message change nothing there (the event is parked)", async () => {
    const globex = await sentEmail(env.ORG_DB_GLOBEX, ORGS.globex);
    const tags = { 'kuratchi-org-id': [ORGS.globex], 'kuratchi-email-id': [globex.emailId] };
    const response = await post(
      await signedEvent(signer, { eventType: 'Complaint', messageId: `ses-${crypto.randomUUID()}`, tags }),
    );
    expect(await response.json()).toEqual({ outcome: 'parked' });
    expect(
      await env.ORG_DB_GLOBEX.prepare('SELECT status FROM emails WHERE id = ?').bind(globex.emailId).first(),
    ).toEqual({ status: 'pending' });
  });
});
