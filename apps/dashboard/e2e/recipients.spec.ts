import { expect, test } from '@playwright/test';
import { d1, postEvent, reloadUntil, screenshot, signIn, USERS } from './support';

test.describe.configure({ mode: 'serial' });

const PHONE = { width: 390, height: 844 };
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

test('a message to several recipients: the split in the log, each recipient with its outcome and suppression', async ({
  page,
}) => {
  // A seeded message of three recipients of which one bounced (scripts/demo/stories.mjs), built by
  // running its events through the real pipeline.
  const [email] = d1(
    'ORG_DB_ACME',
    `SELECT e.id, e.recipient FROM emails e JOIN email_recipients r ON r.email_id = e.id
     WHERE e.canary = 0 GROUP BY e.id HAVING count(*) = 3 AND sum(r.status = 'bounced') = 1 AND sum(r.kind = 'bcc') >= 1
     ORDER BY e.created_at DESC LIMIT 1`,
  ) as Array<{ id: string; recipient: string }>;
  expect(email, 'the demo seed has a message of three recipients with one bounce').toBeDefined();
  const recipients = d1(
    'ORG_DB_ACME',
    `SELECT r.address, r.kind, r.status, s.reason FROM email_recipients r
     LEFT JOIN email_suppressions s ON s.email_address = r.address
     WHERE r.email_id = '${email!.id}' ORDER BY r.address`,
  ) as Array<{ address: string; kind: string; status: string; reason: string | null }>;
  const count = (status: string) => recipients.filter((r) => r.status === status).length;
  const split = ['delivered', 'bounced']
    .filter((s) => count(s))
    .map((s) => `${count(s)} ${s}`)
    .join(', ');

  await signIn(page, USERS.acme);
  await page.goto(`/emails?q=${encodeURIComponent(email!.recipient)}`);
  const row = page.locator(`[data-email-id="${email!.id}"]`);
  await expect(row.locator('[data-status]')).toHaveText('bounced');
  await expect(row.locator('[data-recipient-split]')).toHaveText(split);
  await expect(row.locator('[data-extra-recipients]')).toHaveText('+2');

  await page.goto(`/emails/${email!.id}`);
  await expect(page.getByTestId('recipient-split')).toHaveText(split);
  const table = page.getByTestId('recipients');
  await expect(table.locator('[data-recipient]')).toHaveCount(3);
  for (const recipient of recipients) {
    const line = table.locator(`[data-recipient="${recipient.address}"]`);
    await expect(line.locator('[data-status]')).toHaveText(recipient.status);
    await expect(line.locator('[data-kind]')).toHaveAttribute('data-kind', recipient.kind);
    if (recipient.status === 'bounced') {
      expect(recipient.reason).toBe('bounce');
      await expect(line.getByTestId('suppressed')).toContainText('Suppressed (bounce');
      await expect(line.locator('[data-recipient-detail]')).toContainText('Bounced: Permanent');
    } else {
      await expect(line.getByTestId('not-suppressed')).toBeVisible();
    }
  }
  await expect(page.getByTestId('per-message-note')).toContainText('SES cannot tell which recipient opened');
  await screenshot(page, 'email-detail');
  await page.setViewportSize(PHONE);
  await screenshot(page, 'email-detail-phone');

  // The CSV per recipient: one line per address, with its own outcome.
  const csv = await (
    await page.request.get(`/emails/export.csv?per=recipient&q=${encodeURIComponent(email!.recipient)}`)
  ).text();
  const lines = csv.split('\r\n').filter((l) => l.includes(`"${email!.id}"`));
  expect(lines).toHaveLength(3);
  for (const recipient of recipients) {
    expect(lines.find((l) => l.includes(`"${recipient.address}"`))).toContain(
      `"${recipient.kind}","${recipient.status}"`,
    );
  }
});

test('opens and clicks by machines are told apart from a person’s: tooltips, the filter, link statistics', async ({
  page,
}) => {
  // Two emails SES accepted with no event yet: one a person reads, one only a machine opens.
  const [email, other] = d1(
    'ORG_DB_ACME',
    `SELECT id, ses_message_id AS ses, recipient, created_at AS createdAt FROM emails
     WHERE status = 'sent' AND canary = 0 AND NOT EXISTS (SELECT 1 FROM email_events WHERE email_id = emails.id)
     ORDER BY created_at LIMIT 2`,
  ) as Array<{ id: string; ses: string; recipient: string; createdAt: number }>;
  const { id, ses, recipient, createdAt } = email!;
  const machineOnly = other!;
  const at = (seconds: number) => new Date(createdAt + seconds * 1000);
  const sentAt = at(0);
  const scanned = 'https://example.com/terms';
  const events = [
    { eventType: 'Delivery', time: at(3) },
    // Apple Mail Privacy Protection fetches the images on arrival; later a person reads it.
    { eventType: 'Open', time: at(10), userAgent: 'Mozilla/5.0', ipAddress: '192.0.2.80' },
    { eventType: 'Open', time: at(900), userAgent: CHROME, ipAddress: '198.51.100.7' },
    // A link scanner follows two links in the same second; the person clicks one, twice.
    { eventType: 'Click', time: at(20), link: scanned, userAgent: CHROME, ipAddress: '203.0.113.9' },
    {
      eventType: 'Click',
      time: at(20.5),
      link: 'https://example.com/pricing',
      userAgent: CHROME,
      ipAddress: '203.0.113.9',
    },
    {
      eventType: 'Click',
      time: at(960),
      link: 'https://example.com/pricing',
      userAgent: CHROME,
      ipAddress: '198.51.100.7',
    },
    {
      eventType: 'Click',
      time: at(1200),
      link: 'https://example.com/pricing',
      userAgent: CHROME,
      ipAddress: '198.51.100.7',
    },
  ] as const;
  for (const spec of events) expect(await postEvent({ messageId: ses, recipient, sentAt, ...spec })).toBe(200);
  const mpp = { eventType: 'Open', time: new Date(machineOnly.createdAt + 10_000), userAgent: 'Mozilla/5.0' } as const;
  expect(
    await postEvent({
      messageId: machineOnly.ses,
      recipient: machineOnly.recipient,
      sentAt: new Date(machineOnly.createdAt),
      ...mpp,
    }),
  ).toBe(200);

  await signIn(page, USERS.acme);
  await page.goto(`/emails?q=${encodeURIComponent(recipient)}`);
  const row = page.locator(`[data-email-id="${id}"]`);
  await reloadUntil(page, () =>
    expect(row.locator('[data-icon="clicked"]')).toHaveAttribute('data-tip', /^Clicked 4x/),
  );
  await expect(row.locator('[data-icon="opened"]')).toHaveAttribute('data-tip', /^Opened 2x, 1 by machine, first /);
  await expect(row.locator('[data-icon="clicked"]')).toHaveAttribute(
    'data-tip',
    /^Clicked 4x, 2 by machine, last link /,
  );

  // The filter for emails a person opened or clicked keeps it; it leaves out an email only a machine opened.
  await page.goto(`/emails?engaged=human&q=${encodeURIComponent(recipient)}`);
  await expect(page.locator(`[data-email-id="${id}"]`)).toBeVisible();
  await page.goto(`/emails?q=${encodeURIComponent(machineOnly.recipient)}`);
  await reloadUntil(page, () =>
    expect(page.locator(`[data-email-id="${machineOnly.id}"] [data-icon="opened"]`)).toHaveAttribute(
      'data-tip',
      /^Opened 1x, all by machine/,
    ),
  );
  await page.goto(`/emails?engaged=human&q=${encodeURIComponent(machineOnly.recipient)}`);
  await expect(page.locator(`[data-email-id="${machineOnly.id}"]`)).toHaveCount(0);

  await page.goto(`/emails/${id}`);
  const links = page.getByTestId('link-stats');
  await expect(links.locator('[data-link="https://example.com/pricing"] [data-clicks="human"]')).toHaveText('2');
  await expect(links.locator('[data-link="https://example.com/pricing"] [data-clicks="machine"]')).toHaveText('1');
  await expect(links.locator(`[data-link="${scanned}"] [data-clicks="machine"]`)).toHaveText('1');
  await expect(links.locator(`[data-link="${scanned}"] [data-clicks="human"]`)).toHaveText('0');

  // The overview: people only, and the top links with machines apart.
  await page.goto('/emails/overview?engagement=human');
  await expect(page.locator('[data-chart="Opened by people"]')).toBeVisible();
  await expect(
    page.getByTestId('top-links').locator(`[data-link="${scanned}"] [data-clicks="machine"]`),
  ).not.toHaveText('0');
  await page.goto('/emails/overview');
  await expect(page.locator('[data-chart="Opened"]')).toBeVisible();
  const all = Number((await page.locator('[data-chart="Opened"] [data-total]').textContent()) ?? 0);
  await page.goto('/emails/overview?engagement=human');
  const people = Number((await page.locator('[data-chart="Opened by people"] [data-total]').textContent()) ?? 0);
  expect(people).toBeLessThan(all);
  await screenshot(page, 'overview-engagement');
});

test('the email log at desktop and phone width, for the README', async ({ page }) => {
  await signIn(page, USERS.acme);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/emails');
  await expect(page.locator('[data-email-id]')).toHaveCount(50);
  await screenshot(page, 'email-log-recipients');
  await page.setViewportSize(PHONE);
  await page.reload();
  await screenshot(page, 'email-log-recipients-phone');
});
