import { expect, test } from '@playwright/test';
import { E2E } from './environment';
import { runCron, screenshot, signIn, USERS } from './support';

// pnpm dev's local SES (scripts/demo/ses-simulator.mjs) plays the mailbox simulator: the canary
// sends through sendEmail, and its events come back as signed SNS messages through the webhook,
// the queue and D1, exactly the path of real events.
test('the canary sends to the mailbox simulator and the health panel shows each event back with its lag', async ({
  page,
}) => {
  await runCron();
  await signIn(page, USERS.acme);
  await page.goto('/emails/overview');
  const canary = page.getByTestId('canary');
  // Each cron run decides the waiting run once its events are back (queued mode: a moment later).
  await expect(async () => {
    await runCron();
    await page.reload();
    await expect(canary).toHaveAttribute('data-canary-status', 'passed', { timeout: 1000 });
  }).toPass({ timeout: E2E.canaryBackMs, intervals: [2000] });
  await expect(canary).toHaveAttribute('data-canary-late', 'false');
  for (const event of ['success/Send', 'success/Delivery', 'bounce/Bounce', 'complaint/Complaint'])
    await expect(canary.locator(`[data-canary-event="${event}"]`)).toHaveAttribute('data-back', 'true');
  await expect(page.getByTestId('canary-lag')).toHaveText(/^\d+(\.\d+)? (ms|s|min)$/);
  await screenshot(page, 'overview-canary');

  // Its emails are not the organisation's: hidden from the log unless asked for.
  await page.goto('/emails');
  await expect(page.locator('[data-email-id]').first()).toBeVisible();
  await expect(page.getByText('@simulator.amazonses.com')).toHaveCount(0);
  await page.goto('/emails?canary=only');
  await expect(page.locator('[data-email-id]').first()).toContainText('@simulator.amazonses.com');
});
