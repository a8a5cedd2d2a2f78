import { createEmailSender, createOrgDatabaseClient } from 'kuratchi-sdk/email';

// A Worker bound to the deployment's admin database and organisations (ORG_DO: the dashboard
// Worker's OrganizationDatabase class, by its script_name), with AWS credentials as secrets.
type Env = {
  ADMIN_DB: D1Database;
  ORG_DO: DurableObjectNamespace;
  AWS_REGION: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
};

/** Sends the first real email of `org-hooli`; its row then shows each SES event. */
export async function sendFirstEmail(env: Env, to: string): Promise<string | undefined> {
  const email = createEmailSender({
    ses: {
      region: env.AWS_REGION,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    },
    adminDb: env.ADMIN_DB,
    orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env),
    from: 'hello@hooli.example', // verified in SES (a domain or this address)
  });
  const result = await email.sendEmail({
    organizationId: 'org-hooli',
    to,
    subject: 'Hello from kuratchi',
    // HTML: SES adds its open pixel to the HTML part and rewrites its links to count clicks.
    html: '<p>It works. <a href="https://example.com/welcome">Open the welcome page</a>.</p>',
    text: 'It works. Open the welcome page: https://example.com/welcome',
    // The configuration set `kuratchi-ses setup` created: its event destination feeds the webhook.
    configurationSetName: 'kuratchi-email-tracking',
  });
  if (!result.success) throw new Error(`not sent: ${result.error}`);
  return result.emailId;
}
