import { createEmailSender, createOrgDatabaseClient } from 'kuratchi-sdk/email';

type Env = { ADMIN_DB: D1Database; AWS_REGION: string; AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string };

/** Sends one receipt for `org-acme`; its SES events then update the email's row. */
export async function sendReceipt(env: Env): Promise<string | undefined> {
  const email = createEmailSender({
    // Workers have no AWS credential chain: pass the credentials explicitly.
    ses: {
      region: env.AWS_REGION,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    },
    adminDb: env.ADMIN_DB,
    orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env),
    from: 'no-reply@acme.example', // a verified SES identity
  });
  const result = await email.sendEmail({
    organizationId: 'org-acme',
    to: 'ana@example.com',
    subject: 'Your receipt',
    html: '<p>Thanks!</p>',
    tags: { campaign: 'receipts' },
  });
  if (!result.success) console.error('not sent:', result.error, result.suppressed ?? []);
  return result.emailId;
}
