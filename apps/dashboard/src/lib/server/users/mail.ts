import { createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { createEmailSender } from 'kuratchi-sdk/internal/send';
import { readConfig } from '../config';
import { readSettings } from '../settings/read';
import type { IssuedLink } from './accounts';

/** Whether a link was also mailed to its user, and if not, why (the link is shown either way). */
export type LinkMail = { sent: true; emailId: string } | { sent: false; reason: string };

/**
 * Mails a set-password link to its user with the project's own `sendEmail`, when mail is
 * configured: `KURATCHI_MAIL_FROM` and the Worker's AWS credentials (`AWS_*`). The email is
 * recorded in the user's organisation's log like any other (its subject, never its body, so the
 * link is not kept there); a superadmin without an organisation gets the link from whoever made
 * it. Text only: SES's open and click tracking work on the HTML part, so the link is not rewritten
 * through AWS's redirect domain. A failure to send is reported, never thrown: the link stands.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_TrackingOptions.html
 */
export async function mailPasswordLink(env: DashboardEnv, issued: IssuedLink): Promise<LinkMail> {
  const { user, link } = issued;
  const invitation = link.purpose === 'invitation';
  const until = new Date(link.expiresAt).toISOString().replace('T', ' ').slice(0, 16);
  try {
    // A bad setting (ConfigError) is reported like any other reason the mail was not sent.
    const from = readSettings(env, 'mail').KURATCHI_MAIL_FROM;
    if (!from) return { sent: false, reason: 'mail is off (KURATCHI_MAIL_FROM is not set)' };
    const ses = readConfig(env).ses;
    if (!ses) return { sent: false, reason: 'mail is off (the Worker has no AWS credentials)' };
    if (!user.organizationId) return { sent: false, reason: 'the user belongs to no organisation to send from' };
    const sender = createEmailSender({
      ses,
      adminDb: env.ADMIN_DB,
      orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env),
      from,
      fromName: 'kuratchi',
    });
    const result = await sender.sendEmail({
      organizationId: user.organizationId,
      to: user.email,
      subject: invitation ? 'Your kuratchi dashboard invitation' : 'Set a new password for the kuratchi dashboard',
      text: [
        `Hello ${user.name},`,
        '',
        invitation
          ? `You are invited to the kuratchi dashboard as ${user.email}. Set your password here:`
          : `Your password of the kuratchi dashboard was reset. Set a new one here:`,
        '',
        link.url,
        '',
        `The link works once, until ${until} UTC.`,
      ].join('\n'),
      emailType: invitation ? 'invitation' : 'password-reset',
      userId: user.id,
    });
    if (result.success && result.emailId) return { sent: true, emailId: result.emailId };
    return { sent: false, reason: `not sent: ${result.error ?? 'SES refused it'}` };
  } catch (error) {
    return { sent: false, reason: `not sent: ${error instanceof Error ? error.message : String(error)}` };
  }
}
