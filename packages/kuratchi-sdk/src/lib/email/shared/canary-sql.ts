/**
 * SQL condition of a statistic's row: not a canary email's (`emails.canary = 1`, the emails the
 * canary sends to the SES mailbox simulator, migrations/org/0005_canary.sql). On `emails` itself
 * the column; on `email_recipients` and `email_events` the column of its email, looked up by
 * primary key (so the statistic's own index still drives the query). The one rule of what the
 * organisation's statistics leave out.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export function notCanarySql(table: 'emails' | 'email_recipients' | 'email_events'): string {
  return table === 'emails'
    ? 'canary = 0'
    : `NOT EXISTS (SELECT 1 FROM emails AS canary_email WHERE canary_email.id = ${table}.email_id AND canary_email.canary = 1)`;
}
