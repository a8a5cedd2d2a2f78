import { expect, test } from '@playwright/test';
import { E2E } from './environment';
import { d1, postEvent, reloadUntil, screenshot, signIn, submitSignIn, USERS } from './support';

test.describe.configure({ mode: 'serial' });

test('an anonymous visitor is sent to the sign-in page, and a wrong password is refused', async ({ page }) => {
  await page.goto('/emails/overview');
  await expect(page).toHaveURL(/\/auth\/signin\?redirectTo=%2Femails%2Foverview/);
  await page.locator('form[data-hydrated="true"]').waitFor();
  await page.getByLabel('Email address').fill(USERS.acme);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong email address or password.');
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === 'kuratchi_session')).toBeUndefined();
});

test('signing in sets an HttpOnly SameSite session cookie and shows the email log', async ({ page }) => {
  await signIn(page, USERS.acme);
  const cookie = (await page.context().cookies()).find((c) => c.name === 'kuratchi_session');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  await expect(page.getByTestId('organization-name')).toHaveText('Acme Corp');
  await expect(page.locator('[data-email-id]')).toHaveCount(50);
  for (const id of await page
    .locator('[data-email-id]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-email-id')))) {
    expect(id).toMatch(/^acme-/);
  }
  await screenshot(page, 'email-log');
});

test('signed events change the icons, counts, tooltips and timeline of an email, in event-time order', async ({
  page,
}) => {
  // The oldest email SES accepted with no event yet: sent 20 to 30 minutes ago (scripts/demo/seed.mjs).
  const [email] = d1(
    'ORG_DB_ACME',
    `SELECT id, ses_message_id AS ses, recipient, created_at AS createdAt FROM emails
     WHERE status = 'sent' AND canary = 0 AND NOT EXISTS (SELECT 1 FROM email_events WHERE email_id = emails.id)
     ORDER BY created_at LIMIT 1`,
  );
  const { id, ses, recipient, createdAt } = email as { id: string; ses: string; recipient: string; createdAt: number };
  await signIn(page, USERS.acme);
  await page.goto(`/emails?q=${encodeURIComponent(recipient)}`);
  const row = page.locator(`[data-email-id="${id}"]`);
  await expect(row.locator('[data-status]')).toHaveText('sent');
  await expect(row.locator('[data-icon]')).toHaveCount(0);

  // SNS delivers in any order: posted Click, Click, Delivery, Open, Send, Open, each event with
  // its own time (seconds after the send), so arrival order and event time disagree throughout.
  const at = (seconds: number) => new Date(createdAt + seconds * 1000);
  const posted = [
    { eventType: 'Click', time: at(200), link: 'https://example.com/docs' },
    { eventType: 'Click', time: at(180), link: 'https://example.com/pricing' },
    { eventType: 'Delivery', time: at(5) },
    { eventType: 'Open', time: at(120) },
    { eventType: 'Send', time: at(1) },
    { eventType: 'Open', time: at(60) },
  ] as const;
  for (const spec of posted) expect(await postEvent({ messageId: ses, recipient, ...spec })).toBe(200);

  // Queued mode (pnpm dev): the consumer applies the events within a batch timeout of a second.
  await reloadUntil(page, () => expect(row.locator('[data-icon="clicked"] [data-count]')).toHaveText('2'));
  await expect(row.locator('[data-status]')).toHaveText('delivered');
  await expect(row.locator('[data-icon="delivered"]')).toBeVisible();
  await expect(row.locator('[data-icon="opened"] [data-count]')).toHaveText('2');
  // First open by event time (the one posted last), last link of the latest click (posted first).
  const minute = (date: Date) => date.toISOString().slice(0, 16).replace('T', ' ');
  await expect(row.locator('[data-icon="opened"]')).toHaveAttribute(
    'data-tip',
    `Opened 2x, first ${minute(at(60))} UTC`,
  );
  await expect(row.locator('[data-icon="clicked"]')).toHaveAttribute(
    'data-tip',
    'Clicked 2x, last link https://example.com/docs',
  );
  await row.locator('[data-icon="opened"]').hover();

  // A permanent bounce arriving later still shows, with its type, and suppresses the recipient.
  expect(await postEvent({ eventType: 'Bounce', messageId: ses, recipient, time: at(240) })).toBe(200);
  await row.getByRole('link').click();
  await expect(page).toHaveURL(`/emails/${id}`);
  await reloadUntil(page, () => expect(page.locator('[data-icon="bounced"]')).toBeVisible());
  await expect(page.locator('[data-icon="bounced"]')).toHaveAttribute('data-tip', /^Bounced: Permanent \(General\) /);
  const timeline = page.getByTestId('timeline');
  const types = await timeline.locator('li').evaluateAll((items) => items.map((li) => li.dataset['eventType']));
  expect(types).toEqual(['Send', 'Delivery', 'Open', 'Open', 'Click', 'Click', 'Bounce']);
  await expect(timeline.locator('li[data-event-type="Click"]').last()).toContainText('https://example.com/docs');
  await expect(timeline.locator('li[data-event-type="Open"]').first()).toContainText('192.0.2.1');
  await expect(timeline.locator('li[data-event-type="Bounce"]')).toContainText('smtp; 550 5.1.1 user unknown');
  await expect(timeline.locator('li[data-event-type="Delivery"]')).toContainText('250 2.6.0 Message received');
  await expect(page.getByTestId('suppressed')).toContainText('bounce');
  await screenshot(page, 'email-timeline');
});

test('an email SES refused at send time shows Not sent and its error, not a rendering failure', async ({ page }) => {
  const [{ id, error }] = d1(
    'ORG_DB_ACME',
    "SELECT id, error FROM emails WHERE status = 'failed' AND error IS NOT NULL ORDER BY id LIMIT 1",
  ) as Array<{ id: string; error: string }>;
  expect(error).toMatch(/^MessageRejected: Email address is not verified\./);
  await signIn(page, USERS.acme);
  await page.goto(`/emails/${id}`);
  const tip = await page.locator('[data-icon="not-sent"]').getAttribute('data-tip');
  expect(tip?.startsWith(`Not sent: ${error} `), String(tip)).toBe(true);
  await expect(page.locator('[data-icon="rendering-failed"]')).toHaveCount(0);
  await expect(page.getByTestId('send-error')).toContainText(error);
});

test('the status filter and the CSV export return exactly the filtered rows', async ({ page }) => {
  await signIn(page, USERS.acme);
  await page.goto('/emails');
  await page.getByLabel('Status').selectOption('bounced');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/status=bounced/);
  const shown = page.locator('[data-email-id]');
  await expect(shown.first()).toBeVisible();
  for (const status of await page.locator('[data-email-id] [data-status]').allTextContents())
    expect(status).toBe('bounced');

  const expected = d1(
    'ORG_DB_ACME',
    // The demo's canary emails (pnpm dev's local SES) are not in the log, nor in its export.
    "SELECT id FROM emails WHERE status = 'bounced' AND canary = 0 ORDER BY created_at DESC, id DESC",
  ).map((r) => r['id']);
  const download = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const csv = await (await (await download).createReadStream()).toArray();
  const lines = Buffer.concat(csv).toString('utf8').trim().split('\r\n');
  expect(lines[0]).toMatch(/^id,created_at,sent_at,recipient,/);
  expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(expected.map((id) => `"${id}"`)); // every text cell is quoted
  expect(lines.slice(1).every((line) => line.split(',')[6] === '"bounced"')).toBe(true);
});

test('the search (a middle part of a recipient) and date range narrow the log', async ({ page }) => {
  const [{ recipient, day }] = d1(
    'ORG_DB_ACME',
    "SELECT recipient, strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day FROM emails WHERE canary = 0 ORDER BY id LIMIT 1",
  ) as Array<{ recipient: string; day: string }>;
  // Neither its first character nor its last four: the search finds any part of an address.
  const term = recipient!.slice(1, -4).toUpperCase();
  await signIn(page, USERS.acme);
  await page.goto(`/emails?q=${encodeURIComponent(term)}&from=${day}&to=${day}`);
  await expect(page.locator('input[name="q"]')).toHaveValue(term);
  const recipients = await page.locator('[data-email-id] td:first-child a').allTextContents();
  expect(recipients).toContain(recipient);
  const like = term.toLowerCase().replaceAll("'", "''");
  const expected = d1(
    'ORG_DB_ACME',
    `SELECT count(*) AS n FROM emails e WHERE (instr(lower(e.recipient || ' ' || e.subject), '${like}') > 0
       OR EXISTS (SELECT 1 FROM email_recipients r WHERE r.email_id = e.id AND instr(r.address, '${like}') > 0))
       AND strftime('%Y-%m-%d', e.created_at / 1000, 'unixepoch') = '${day}' AND e.canary = 0`,
  )[0]!['n'] as number;
  expect(recipients.length).toBe(Math.min(expected, 50));
});

test("a user of another organisation gets 404 for Acme's email, its export and its charts", async ({ page }) => {
  const [{ id }] = d1('ORG_DB_ACME', 'SELECT id FROM emails ORDER BY id LIMIT 1') as Array<{ id: string }>;
  await signIn(page, USERS.globex);
  await expect(page.getByTestId('organization-name')).toHaveText('Globex');
  const response = await page.goto(`/emails/${id}`);
  expect(response?.status()).toBe(404);
  await page.goto('/emails');
  for (const rowId of await page
    .locator('[data-email-id]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-email-id')))) {
    expect(rowId).toMatch(/^globex-/);
  }
  const csv = await (await page.request.get('/emails/export.csv')).text();
  expect(csv).not.toContain('acme-');
  expect(csv).toContain('globex-');
  const acmeSent = d1('ORG_DB_ACME', 'SELECT count(*) AS n FROM emails WHERE sent_at IS NOT NULL')[0]!['n'];
  // The overview charts the 30 UTC days ending with today (d1-email-queries dailyStats): the same window here.
  const DAY_MS = 86_400_000;
  const end = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
  const globexSent = d1(
    'ORG_DB_GLOBEX',
    `SELECT count(*) AS n FROM emails WHERE sent_at >= ${end - 30 * DAY_MS} AND sent_at < ${end}`,
  )[0]!['n'];
  await page.goto('/emails/overview');
  await expect(page.locator('[data-chart="Sent"] [data-total]')).toHaveText(String(globexSent));
  expect(globexSent).not.toBe(acmeSent);
});

test('a superadmin can switch organisation', async ({ page }) => {
  const [{ id }] = d1('ORG_DB_GLOBEX', 'SELECT id FROM emails ORDER BY id LIMIT 1') as Array<{ id: string }>;
  await signIn(page, USERS.root);
  expect((await page.goto(`/emails/${id}`))?.status()).toBe(404);
  await page.goto('/emails');
  await page.getByTestId('organization-switcher').selectOption({ label: 'Globex' });
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(page.locator('[data-email-id]').first()).toHaveAttribute('data-email-id', /^globex-/);
  expect((await page.goto(`/emails/${id}`))?.status()).toBe(200);
});

test('the overview charts the days, rates against the SES thresholds and warns when events stop', async ({ page }) => {
  // Globex sent an email 40 minutes ago and no event has arrived since (the stale limit is 30).
  const now = Date.now();
  d1('ORG_DB_GLOBEX', `UPDATE email_events SET received_at = min(received_at, ${now - 3_600_000})`);
  d1(
    'ORG_DB_GLOBEX',
    `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES ('globex-stale', 'late@example.com', 's@globex.example', 'Anyone there?', 'sent', 'ses-globex-stale', ${now - 40 * 60_000}, ${now - 40 * 60_000})`,
  );
  d1(
    'ADMIN_DB',
    `INSERT INTO email_message_lookup VALUES ('ses-globex-stale', 'org-globex', 'globex-stale', ${now}) ON CONFLICT DO NOTHING`,
  );

  await signIn(page, USERS.globex);
  await page.goto('/emails/overview');
  await expect(page.locator('[data-chart]')).toHaveCount(6);
  await expect(page.locator('[data-rate="bounce"]')).toBeVisible();
  await expect(page.locator('[data-rate="complaint"]')).toBeVisible();
  await expect(page.getByTestId('ingestion-warning')).toContainText('no SES event has arrived');
  await screenshot(page, 'overview-warning');

  // Events resume: the warning clears and the counters move.
  const applied = Number(await page.locator('[data-counter="applied"]').textContent());
  expect(await postEvent({ eventType: 'Delivery', messageId: 'ses-globex-stale', recipient: 'late@example.com' })).toBe(
    200,
  );
  await reloadUntil(page, () => expect(page.locator('[data-counter="applied"]')).toHaveText(String(applied + 1)));
  await expect(page.getByTestId('ingestion-ok')).toBeVisible();
  await expect(page.getByTestId('ingestion-mode')).toHaveText('queued');
  await expect(page.getByTestId('lag')).toContainText('events)');
  await screenshot(page, 'overview');
});

test('the log is usable at phone width and does not shift when it refreshes', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, USERS.acme);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, 'email-log-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  const firstRow = page.locator('[data-email-id]').first();
  const before = await firstRow.boundingBox();
  // One automatic refresh (the page re-runs its load every 5 s) answered, and the page went on to
  // the next one: the first was applied by then. (Waiting for the answer's body can hang: a
  // refresh still loading when the next starts is cancelled.)
  const isRefresh = (url: string) => new URL(url).pathname === '/emails/__data.json';
  await page.waitForResponse((r) => isRefresh(r.url()), { timeout: E2E.expectTimeoutMs });
  await page.waitForRequest((r) => isRefresh(r.url()), { timeout: E2E.expectTimeoutMs });
  expect(await firstRow.boundingBox()).toEqual(before);
});

test("an organisation's admin creates an API key, shown once, that reads the API until revoked", async ({
  page,
  request,
}) => {
  await signIn(page, USERS.acme);
  await page.getByRole('link', { name: 'API keys' }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  const name = `e2e ${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  const key = await page.getByTestId('api-key-value').inputValue();
  expect(key).toMatch(/^kuratchi_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
  const row = page.locator(`tr[data-key="${name}"]`);
  await expect(row).toHaveAttribute('data-status', 'active');
  const call = () => request.get('/api/v1/emails?limit=1', { headers: { authorization: `Bearer ${key}` } });
  const allowed = await call();
  expect(allowed.status()).toBe(200);
  expect((await allowed.json()).emails[0].id).toMatch(/^acme-/);
  // Shown once: a reload lists the key without it.
  await page.reload();
  await expect(page.getByTestId('api-key-value')).toHaveCount(0);
  expect(await page.content()).not.toContain(key);
  page.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(row).toHaveAttribute('data-status', 'revoked');
  const refused = await call();
  expect(refused.status()).toBe(401);
  expect(refused.headers()['content-type']).toBe('application/problem+json');
});

test('sign-out ends the session, and repeated wrong passwords are rate-limited', async ({ page }) => {
  await signIn(page, USERS.root);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/auth\/signin/);
  await page.goto('/emails');
  await expect(page).toHaveURL(/\/auth\/signin/);
  await page.locator('form[data-hydrated="true"]').waitFor();

  for (let attempt = 1; attempt <= 5; attempt++) {
    await submitSignIn(page, USERS.root, `wrong-${attempt}`);
    await expect(page.getByRole('alert')).toHaveText('Wrong email address or password.');
  }
  await submitSignIn(page, USERS.root, 'kuratchi-demo');
  // The sixth attempt from this client waits a minute, even with the right password.
  await expect(page.getByRole('alert')).toHaveText('Too many failed attempts. Try again in 1 minute.');
  // Leave the superadmin usable for the specs that follow (the throttle is this test's state).
  d1('ADMIN_DB', 'DELETE FROM sign_in_throttle');
});

test('on wrangler dev, refused uploads answer their status every time (the body is drained, not cancelled)', async ({
  request,
}) => {
  const oversized = 'A'.repeat(300 * 1024);
  for (let i = 0; i < 4; i++) {
    const response = await request.post('/api/webhooks/ses-events', {
      data: oversized,
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status()).toBe(413);
  }
  for (let i = 0; i < 6; i++) {
    expect((await request.post('/api/ping', { data: 'x=1', headers: { 'content-type': 'text/plain' } })).status()).toBe(
      200,
    );
  }
});

test('an organisation’s admin registers a webhook endpoint and gets its signing secret once', async ({ page }) => {
  await signIn(page, USERS.acme);
  await page.goto('/webhooks');
  const url = `https://hooks.acme.example/e2e-${Date.now()}`;
  const form = page.getByTestId('register-endpoint');
  await form.getByLabel('URL (https)').fill(url);
  await form.getByLabel('email.bounced').check();
  await form.getByLabel('email.complained').check();
  await form.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByTestId('webhook-secret').locator('code')).toHaveText(/^whsec_[A-Za-z0-9+/]{43}=$/);
  const row = page.getByTestId('webhook-endpoints').locator('tr', { hasText: url });
  await expect(row).toContainText('email.bounced, email.complained');
  await expect(row).toContainText('enabled');
  const [stored] = d1('ADMIN_DB', `SELECT secret FROM webhook_endpoints WHERE url = '${url}'`) as [{ secret: string }];
  await expect(page.getByTestId('webhook-secret').locator('code')).toHaveText(stored.secret);
  // A private address is refused with the reason, outside development too for anything but 127.0.0.1.
  await form.getByLabel('URL (https)').fill('https://192.168.1.20/hook');
  await form.getByLabel('email.bounced').check();
  await form.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByRole('alert')).toHaveText('must not point at a private, loopback or link-local address');
});
