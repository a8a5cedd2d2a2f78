import { expect, test } from '@playwright/test';
import { d1, runCron, screenshot, signIn, USERS } from './support';

const DAY = 86_400_000;

// Last of the suite (it pauses Globex): the files run in name order.
test('a bounce rate past the pause threshold pauses the organisation; the admin sees why, a superadmin lifts it with a reason', async ({
  page,
}) => {
  // Globex's recipients of the last 7 days, and enough new ones sent an hour ago, a tenth of
  // them bounced, that its bounce rate is at least 10 % (the pause threshold is 4 %).
  const now = Date.now();
  const [before] = d1(
    'ORG_DB_GLOBEX',
    `SELECT count(*) AS n, coalesce(sum(bounced_at IS NOT NULL), 0) AS bounced FROM email_recipients WHERE sent_at >= ${now - 7 * DAY}`,
  );
  const existing = Number(before!['n']);
  const added = Math.max(600, existing); // at least 60 bounced addresses: past the evidence minimum of 50
  const bounced = Math.ceil((existing + added) / 10);
  const sentAt = now - 3_600_000;
  d1(
    'ORG_DB_GLOBEX',
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${added})
     INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at, sent_at)
     SELECT 'rep-' || i, 'rep-' || i || '@example.com', 'news@globex.example', 'Spring list',
            CASE WHEN i <= ${bounced} THEN 'bounced' ELSE 'delivered' END, ${sentAt}, ${sentAt}, ${sentAt} FROM n;
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${added})
     INSERT INTO email_recipients (email_id, address, kind, status, sent_at, bounced_at, bounce_type)
     SELECT 'rep-' || i, 'rep-' || i || '@example.com', 'to', CASE WHEN i <= ${bounced} THEN 'bounced' ELSE 'delivered' END,
            ${sentAt}, CASE WHEN i <= ${bounced} THEN ${sentAt + 60_000} END, CASE WHEN i <= ${bounced} THEN 'Permanent' END FROM n;`,
  );
  await runCron();

  // Globex's admin: the overview says sending is paused, which rate crossed which threshold.
  await signIn(page, USERS.globex);
  await page.goto('/emails/overview');
  const card = page.getByTestId('reputation');
  await expect(card).toHaveAttribute('data-state', 'paused');
  await expect(page.getByTestId('reputation-paused')).toHaveText(
    /paused since .*: bounce rate\s+\d+(\.\d+)? % crossed the pause threshold\s+4(\.0)? % over the long window 7 days\. sendEmail refuses/,
  );
  await expect(page.locator('[data-testid="alerts"] [data-alert-kind="reputation-pause"]')).toContainText(
    'Globex: sending paused, bounce rate',
  );
  await screenshot(page, 'overview-reputation-paused');
  // Not a superadmin: no Organisations page.
  expect((await page.goto('/admin/organizations'))?.status()).toBe(403);

  // The superadmin: every organisation, worst first; the lift needs a reason and is audited.
  await page.context().clearCookies();
  await signIn(page, USERS.root);
  // Beside ours, SES's view of Globex's tenant as the ses-view job stores it (admin migration 0019).
  d1(
    'ADMIN_DB',
    `INSERT OR REPLACE INTO ses_reputation_views (organization_id, entity_arn, sending_status, aws_ses_status,
       aws_ses_cause, customer_status, impact, findings, read_at)
     VALUES ('org-globex', 'arn:aws:ses:eu-west-1:123456789012:tenant/org-globex/tn-1', 'DISABLED', 'DISABLED',
       'bounce rate', 'ENABLED', 'HIGH', '[{"type":"BOUNCE","impact":"HIGH","description":"bounce rate rose"}]', ${now})`,
  );
  await page.goto('/admin/organizations');
  const rows = page.locator('[data-testid="organizations"] tbody tr');
  const atSes = page.locator('[data-organization="org-globex"] [data-ses-sending]');
  await expect(atSes).toHaveAttribute('data-ses-sending', 'DISABLED');
  await expect(atSes).toContainText('SES: disabled (bounce rate)');
  await expect(atSes.locator('[data-finding="BOUNCE"]')).toContainText('bounce rate rose');
  await expect(rows.first()).toHaveAttribute('data-organization', 'org-globex');
  await expect(rows.first()).toHaveAttribute('data-state', 'paused');
  await expect(page.locator('[data-organization="org-acme"]')).not.toHaveAttribute('data-state', 'paused');
  await screenshot(page, 'organisations-paused');
  const form = page.locator('[data-organization="org-globex"] [data-testid="lift-form"]');
  await form.getByRole('textbox').fill('bounced list removed');
  await form.getByRole('button', { name: 'Lift pause' }).click();
  await expect(page.getByTestId('lift-done')).toContainText('Sending of org-globex resumed.');
  await expect(page.locator('[data-organization="org-globex"]')).not.toHaveAttribute('data-state', 'paused');
  const lift = page.locator('[data-testid="audit-log"] tr[data-action="lift"]').first();
  await expect(lift).toContainText('org-globex');
  await expect(lift).toContainText(USERS.root);
  await expect(lift).toContainText('bounced list removed');
  await expect(page.locator('[data-testid="audit-log"] tr[data-action="pause"]').first()).toContainText('org-globex');

  // The same data does not pause it again.
  await runCron();
  await page.reload();
  await expect(page.locator('[data-organization="org-globex"]')).not.toHaveAttribute('data-state', 'paused');
});
