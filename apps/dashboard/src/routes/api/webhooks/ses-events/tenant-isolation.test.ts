import { env } from 'cloudflare:test';
import { createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { createEmailSender, KURATCHI_TAGS } from 'kuratchi-sdk/internal/send';
import type { SnsSigner } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORGS, post, seedOrganizations, signedEvent, testSigner } from '../../../../../test/support.js';

/**
 * Tenant isolation through the real route, for email rows in every state: someone sending through
 * the same SES account and configuration set without sendEmail gives their own message the tags
 * of another organisation's email. Its (genuine, signed) events must change nothing in that row,
 * pending, failed or sent, and the real message's events must still apply. sendEmail runs for
 * real with its SES client stubbed at the client (`send`).
 */
let signer: SnsSigner;
beforeAll(async () => {
  signer = await testSigner();
  await seedOrganizations();
});

type Send = (emailId: string) => Promise<{ MessageId: string }>;
function sender(send: Send) {
  const ses = {
    async send(command: { input: { EmailTags: Array<{ Name: string; Value: string }> } }) {
      return send(command.input.EmailTags.find((t) => t.Name === KURATCHI_TAGS.emailId)!.Value);
    },
  } as unknown as Parameters<typeof createEmailSender>[0]['ses'];
  const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>);
  return createEmailSender({ ses, adminDb: env.ADMIN_DB, orgDatabase, from: 'no-reply@globex.example' });
}

const event = async (spec: Parameters<typeof signedEvent>[1]) => {
  const response = await post(await signedEvent(signer, spec));
  return `${response.status} ${((await response.json()) as { outcome: string }).outcome}`;
};

/** The attacker's own message carrying the victim email's tags: a complaint, a phishing click, a bounce. */
async function forge(emailId: string, customer: string) {
  const messageId = `ses-attacker-${crypto.randomUUID()}`;
  const tags = { [KURATCHI_TAGS.organizationId]: [ORGS.globex], [KURATCHI_TAGS.emailId]: [emailId] };
  return [
    await event({ eventType: 'Complaint', messageId, recipient: customer, tags }),
    await event({ eventType: 'Click', messageId, link: 'https://evil.example/login', tags }),
    await event({ eventType: 'Bounce', messageId, recipient: customer, bounceType: 'Permanent', tags }),
  ];
}

const row = (emailId: string) =>
  env.ORG_DB_GLOBEX.prepare(
    `SELECT status, ses_message_id AS ses, complained_at AS complainedAt, last_clicked_link AS link, bounced_at AS bouncedAt, open_count AS opens
     FROM emails WHERE id = ?`,
  )
    .bind(emailId)
    .first();
const suppressed = (customer: string) =>
  env.ORG_DB_GLOBEX.prepare('SELECT 1 FROM email_suppressions WHERE email_address = ?').bind(customer).first();
const PARKED = ['200 parked', '200 parked', '200 parked'];
const untouched = { complainedAt: null, link: null, bouncedAt: null };

describe("POST /api/webhooks/ses-events: forged tags for another organisation's email, in every state", () => {
  it('pending (send in flight): nothing changes; the real events apply once sendEmail has written its rows', async () => {
    const customer = 'route-pending@example.com';
    const realId = `ses-real-${crypto.randomUUID()}`;
    let forged: string[] = [];
    const result = await sender(async (emailId) => {
      forged = await forge(emailId, customer);
      // The real message's first event, before SES has even answered (no lookup row yet).
      expect(await event({ eventType: 'Delivery', messageId: realId })).toBe('200 parked');
      expect(await row(emailId)).toMatchObject({ status: 'pending', ses: null, ...untouched });
      return { MessageId: realId };
    }).sendEmail({ organizationId: ORGS.globex, to: customer, subject: 'Invoice', text: 'Hi' });
    expect(forged).toEqual(PARKED);
    expect(result).toMatchObject({ success: true, id: realId });
    expect(await event({ eventType: 'Open', messageId: realId })).toBe('200 applied');
    expect(await row(result.emailId!)).toEqual({ status: 'delivered', ses: realId, opens: 1, ...untouched });
    expect(await suppressed(customer)).toBeNull();
  });

  it('failed (SES refused): nothing changes', async () => {
    const customer = 'route-failed@example.com';
    const result = await sender(async () => {
      throw Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' });
    }).sendEmail({ organizationId: ORGS.globex, to: customer, subject: 'Invoice', text: 'Hi' });
    expect(result).toMatchObject({ success: false });
    expect(await forge(result.emailId!, customer)).toEqual(PARKED);
    expect(await row(result.emailId!)).toEqual({ status: 'failed', ses: null, opens: 0, ...untouched });
    expect(await suppressed(customer)).toBeNull();
  });

  it('sent: nothing changes, and the real events keep applying', async () => {
    const customer = 'route-sent@example.com';
    const realId = `ses-real-${crypto.randomUUID()}`;
    const result = await sender(async () => ({ MessageId: realId })).sendEmail({
      organizationId: ORGS.globex,
      to: customer,
      subject: 'Invoice',
      text: 'Hi',
    });
    expect(await forge(result.emailId!, customer)).toEqual(PARKED);
    expect(await event({ eventType: 'Open', messageId: realId })).toBe('200 applied');
    expect(await row(result.emailId!)).toEqual({ status: 'sent', ses: realId, opens: 1, ...untouched });
    expect(await suppressed(customer)).toBeNull();
  });
});
