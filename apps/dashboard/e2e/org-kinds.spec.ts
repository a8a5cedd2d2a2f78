import { expect, test } from '@playwright/test';
import { buildDemoSeed, foldDemoEmail } from '../../../scripts/demo/seed.mjs';
import { postEvent, reloadUntil, screenshot, signIn, USERS } from './support';

/**
 * The dashboard is the same on both kinds of organisation database: Acme Corp on its D1 binding
 * and Initech on its Durable Object (scripts/demo/seed.mjs). For each, in Chromium: the log, a
 * live event reaching an email through the webhook and the queue, its detail and timeline, the
 * CSV export, the overview and its ingestion health.
 */
test.describe.configure({ mode: 'serial' });

const KINDS = [
  { kind: 'd1', organizationId: 'org-acme', name: 'Acme Corp', user: USERS.acme },
  { kind: 'durable-object', organizationId: 'org-initech', name: 'Initech', user: USERS.initech },
] as const;

/**
 * A seeded email of the organisation that was delivered and never opened or clicked, from the
 * demo's own plan (its ids, SES message ids and recipients do not depend on the clock): no other
 * spec posts events to it.
 */
async function quietDeliveredEmail(organizationId: string) {
  const { emails } = await buildDemoSeed();
  const email = emails
    .filter((e) => e.organizationId === organizationId && e.ses.messageId && e.send.to.length === 1)
    .filter((e) => {
      const folded = foldDemoEmail(e);
      return folded.status === 'delivered' && folded.openCount === 0 && folded.clickCount === 0;
    })
    .at(-1)!;
  return { id: email.id, ses: email.ses.messageId as string, recipient: email.send.to[0] as string };
}

for (const { kind, organizationId, name, user } of KINDS) {
  test(`${name} (${kind}): the log, a live event, the detail, the CSV export and the overview`, async ({ page }) => {
    await signIn(page, user);
    await expect(page.getByTestId('organization-name')).toHaveText(name);
    await expect(page.locator('[data-email-id]')).toHaveCount(50);
    const prefix = organizationId.slice(4);
    for (const id of await page
      .locator('[data-email-id]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-email-id')))) {
      expect(id).toMatch(new RegExp(`^${prefix}-`));
    }

    const email = await quietDeliveredEmail(organizationId);
    const link = `https://example.com/e2e-${kind}`;
    const now = Date.now();
    expect(
      await postEvent({
        eventType: 'Open',
        messageId: email.ses,
        recipient: email.recipient,
        time: new Date(now - 60_000),
      }),
    ).toBe(200);
    expect(
      await postEvent({
        eventType: 'Click',
        messageId: email.ses,
        recipient: email.recipient,
        time: new Date(now - 30_000),
        link,
      }),
    ).toBe(200);

    await page.goto(`/emails?q=${encodeURIComponent(email.recipient)}`);
    const row = page.locator(`[data-email-id="${email.id}"]`);
    await reloadUntil(page, () => expect(row.locator('[data-icon="clicked"] [data-count]')).toHaveText('1'));
    await expect(row.locator('[data-status]')).toHaveText('delivered');
    await expect(row.locator('[data-icon="opened"] [data-count]')).toHaveText('1');
    await expect(row.locator('[data-icon="clicked"]')).toHaveAttribute('data-tip', `Clicked 1x, last link ${link}`);

    await row.getByRole('link').click();
    await expect(page).toHaveURL(`/emails/${email.id}`);
    const timeline = page.getByTestId('timeline');
    const types = await timeline.locator('li').evaluateAll((items) => items.map((li) => li.dataset['eventType']));
    expect(types.slice(0, 2)).toEqual(['Send', 'Delivery']);
    expect(types.slice(-2)).toEqual(['Open', 'Click']);
    await expect(timeline.locator('li[data-event-type="Click"]').last()).toContainText(link);
    await expect(page.getByTestId('recipients')).toContainText(email.recipient);
    await screenshot(page, `email-detail-${kind}`);

    const csv = await (await page.request.get(`/emails/export.csv?q=${encodeURIComponent(email.recipient)}`)).text();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,created_at,sent_at,recipient,/);
    const line = lines.find((l) => l.startsWith(`"${email.id}"`) || l.startsWith(`${email.id},`));
    expect(line).toContain('delivered');
    expect(line).toContain(link);

    await page.goto('/emails/overview');
    await expect(page.getByTestId('ingestion-health')).toBeVisible();
    await expect(page.getByTestId('top-links')).toContainText(link);
    await screenshot(page, `overview-${kind}`);
  });
}
