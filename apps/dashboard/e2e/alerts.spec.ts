import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E } from './environment';
import { d1, postEvent, reloadUntil, runCron, screenshot, signIn, USERS } from './support';

/** What the demo's alert webhook received (scripts/demo/alert-sink.mjs), as parsed bodies. */
function alertsReceived(): Array<{
  text: string;
  alert: { event: string; kind: string; organizationId: string | null };
}> {
  const file = join(E2E.stateDir, 'demo', 'alerts.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

test('events that stop raise an alert on the overview and at the webhook, once, and clear once they resume', async ({
  page,
}) => {
  // Globex sent an email 45 minutes ago and no event has arrived since (the stale limit is 30).
  const now = Date.now();
  d1('ORG_DB_GLOBEX', `UPDATE email_events SET received_at = min(received_at, ${now - 2 * 3_600_000})`);
  d1(
    'ORG_DB_GLOBEX',
    `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES ('globex-alert', 'quiet@example.com', 's@globex.example', 'Still there?', 'sent', 'ses-globex-alert', ${now - 45 * 60_000}, ${now - 45 * 60_000})`,
  );
  d1(
    'ADMIN_DB',
    `INSERT INTO email_message_lookup VALUES ('ses-globex-alert', 'org-globex', 'globex-alert', ${now}) ON CONFLICT DO NOTHING`,
  );
  await runCron();

  await signIn(page, USERS.globex);
  await page.goto('/emails/overview');
  const alert = page.locator('[data-testid="alerts"] [data-alert-kind="events-stopped"]');
  await expect(alert).toContainText('Globex: no SES event has arrived since emails were sent at');
  await expect(alert).toHaveAttribute('data-severity', 'critical');
  await expect(alert).toContainText('webhook: sent');
  await screenshot(page, 'overview-alert');
  const opened = alertsReceived().filter(
    (a) => a.alert.kind === 'events-stopped' && a.alert.organizationId === 'org-globex',
  );
  expect(opened.map((a) => a.alert.event)).toEqual(['opened']);

  // Events resume: the next run clears it, announced once.
  expect(
    await postEvent({ eventType: 'Delivery', messageId: 'ses-globex-alert', recipient: 'quiet@example.com' }),
  ).toBe(200);
  // Queued mode: the consumer applies it a moment later (each poll runs `wrangler d1 execute`).
  await expect
    .poll(() => d1('ORG_DB_GLOBEX', "SELECT status FROM emails WHERE id = 'globex-alert'")[0]?.['status'], {
      timeout: E2E.queueAppliedMs,
    })
    .toBe('delivered');
  await runCron();
  await runCron();
  await reloadUntil(page, () => expect(page.getByTestId('no-open-alerts')).toBeVisible());
  await expect(page.getByTestId('cleared-alerts')).toContainText('1 cleared');
  const globex = alertsReceived().filter(
    (a) => a.alert.kind === 'events-stopped' && a.alert.organizationId === 'org-globex',
  );
  expect(globex.map((a) => a.alert.event)).toEqual(['opened', 'cleared']);
});

test("an organisation's admin does not see another organisation's alerts", async ({ page }) => {
  await signIn(page, USERS.acme);
  await page.goto('/emails/overview');
  await expect(page.getByTestId('alerts')).toBeVisible();
  await expect(page.getByTestId('alerts')).not.toContainText('Globex');
});
