import { expect, test, type Browser, type Page } from '@playwright/test';
import { buildSesEvent, createSnsSigner, type SnsSigner } from 'kuratchi-sdk/email/testing';
import { E2E } from './environment';
import { kuratchiSes, startDeployment, startLocalSes, type FreshDeployment } from './fresh-deployment';
import { screenshot, submitSignIn } from './support';

/**
 * From nothing to an organisation's first event, with no SQL typed by hand: a deployment whose
 * admin database is migrated and empty is bootstrapped with `kuratchi-ses user create
 * --superadmin` (the operations token), the superadmin creates an organisation on the
 * Organisations page and invites its admin, who sets a password with the one-time link, signs
 * in and sees an empty log. Then mail is turned on (a restart with KURATCHI_MAIL_FROM and the
 * Worker's AWS_* pointing at a local SES), a colleague's invitation is the organisation's first
 * email, and its Delivery, a signed SNS message posted to the webhook, is its first event.
 */
test.describe.configure({ mode: 'serial' });

const STATE = `${E2E.stateDir}-fresh`;
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-fresh-ses-events';
const OPS_TOKEN = `fresh-${crypto.randomUUID()}`;
const ROOT = { email: 'root@fresh.example', password: 'the first superadmin of this deployment' };
const ADMIN = { email: 'admin@freshco.example', password: 'fresh co admin, long and unguessable' };
const COLLEAGUE = 'colleague@freshco.example';
/** Starting wrangler dev (and migrating) on a machine whose cores are busy elsewhere. */
const START_MS = 180_000;

let deployment: FreshDeployment | undefined;
let signer: SnsSigner;
let ses: Awaited<ReturnType<typeof startLocalSes>> | undefined;

function vars(mail: boolean): Record<string, string> {
  return {
    KURATCHI_ENVIRONMENT: 'development',
    KURATCHI_ALLOWED_TOPIC_ARNS: TOPIC,
    KURATCHI_SNS_DEV_CERTIFICATE_PEM: signer.certificatePem,
    KURATCHI_OPS_TOKEN: OPS_TOKEN,
    ...(mail
      ? {
          KURATCHI_MAIL_FROM: 'kuratchi@fresh.example',
          AWS_REGION: 'eu-west-1',
          // AWS's documentation example keys: the local SES does not check them.
          AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          AWS_ENDPOINT_URL: ses!.endpoint,
        }
      : {}),
  };
}

/** A page of its own browser context (each user keeps their own cookie). */
async function pageOf(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

/** Opens a one-time link, sets the password twice, and lands on the sign-in page. */
async function setPassword(page: Page, link: string, password: string) {
  await page.goto(link);
  await page.locator('form[data-hydrated="true"]').waitFor();
  await page.getByLabel('New password').fill(password);
  await page.getByLabel('Repeat it').fill(password);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page).toHaveURL(/\/auth\/signin\?passwordSet=1$/);
  await expect(page.getByRole('status')).toHaveText('Your password is set: sign in with it.');
}

test.beforeAll(async () => {
  signer = await createSnsSigner();
  ses = await startLocalSes();
});

test.afterAll(async () => {
  await deployment?.stop();
  ses?.close();
});

test('a fresh deployment: bootstrap, an organisation, its invited admin, an empty log, its first event', async ({
  browser,
}) => {
  test.setTimeout(E2E.testTimeoutMs + 3 * START_MS);
  deployment = await startDeployment(STATE, vars(false), { empty: true, deadlineMs: START_MS });
  const base = deployment.base;

  // Nobody can sign in yet; the operations token creates the first superadmin.
  const refused = await fetch(`${base}/auth/signin`, {
    method: 'POST',
    headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ email: ROOT.email, password: ROOT.password }),
  });
  expect(refused.status).toBe(400);
  const bootstrap = kuratchiSes(['user', 'create', '--superadmin', '--email', ROOT.email, '--dashboard-url', base], {
    KURATCHI_OPS_TOKEN: OPS_TOKEN,
  });
  expect(bootstrap.code, bootstrap.stderr).toBe(0);
  const rootLink = /^ {2}(http\S+\/auth\/set-password\?token=\S+)$/m.exec(bootstrap.stdout)?.[1];
  expect(rootLink, bootstrap.stdout).toBeTruthy();

  // The superadmin sets a password and, with no organisation yet, lands on the Organisations page.
  const root = await pageOf(browser);
  await setPassword(root, rootLink!, ROOT.password);
  await submitSignIn(root, ROOT.email, ROOT.password);
  await expect(root).toHaveURL(`${base}/admin/organizations`);
  await expect(root.getByRole('link', { name: 'Email log' })).toHaveCount(0);

  // An organisation on its Durable Object, with its admin invited: the link is shown once.
  const create = root.getByTestId('create-organization');
  await create.getByLabel('Id').fill('org-freshco');
  await create.getByLabel('Name', { exact: true }).fill('Fresh Co');
  await create.getByLabel("Admin's email address (optional)").fill(ADMIN.email);
  await create.getByRole('button', { name: 'Create' }).click();
  await expect(root.getByTestId('organization-created')).toHaveText('Fresh Co (org-freshco) is created.');
  await expect(root.getByTestId('issued-link-mail')).toHaveText(
    'Not mailed: mail is off (KURATCHI_MAIL_FROM is not set).',
  );
  const adminLink = await root.getByTestId('issued-link-url').inputValue();
  await expect(root.locator('[data-organization="org-freshco"]')).toBeVisible();
  await screenshot(root, 'fresh-organization-created');

  // The admin sets a password, signs in, and sees their organisation's empty log.
  const admin = await pageOf(browser);
  await setPassword(admin, adminLink, ADMIN.password);
  await submitSignIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(`${base}/emails`);
  await expect(admin.getByTestId('organization-name')).toHaveText('Fresh Co');
  await expect(admin.locator('[data-email-id]')).toHaveCount(0);
  await expect(admin.getByText('No emails match these filters.')).toBeVisible();
  await expect(admin.getByRole('link', { name: 'Organisations' })).toHaveCount(0);

  // Mail is turned on (a redeploy with KURATCHI_MAIL_FROM): the same database, another run.
  await deployment.stop();
  deployment = await startDeployment(STATE, vars(true), { empty: false, deadlineMs: START_MS });
  const mailed = deployment.base;

  // The superadmin (still signed in: sessions live in the database, cookies are per host)
  // invites a colleague of Fresh Co: the invitation is the organisation's first email.
  await root.goto(`${mailed}/admin/users`);
  const invite = root.getByTestId('invite-form');
  await invite.getByLabel('Email address').fill(COLLEAGUE);
  await invite.locator('select[name="organizationId"]').selectOption('org-freshco');
  await invite.getByRole('button', { name: 'Invite' }).click();
  await expect(root.getByTestId('issued-link-mail')).toHaveText(`Also mailed to ${COLLEAGUE}.`);
  const colleagueLink = await root.getByTestId('issued-link-url').inputValue();
  expect(ses!.sent).toHaveLength(1);
  const [mail] = ses!.sent;
  expect(mail!.body.Destination.ToAddresses).toEqual([COLLEAGUE]);
  expect(mail!.body.Content.Simple.Body.Text!.Data).toContain(colleagueLink);
  expect(mail!.body.Content.Simple.Body.Html).toBeUndefined();

  // Its Delivery, signed as SNS signs it, reaches the webhook: Fresh Co's first event.
  const now = Date.now();
  const signed = await signer.sign({
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: TOPIC,
    Message: JSON.stringify(
      buildSesEvent({
        eventType: 'Delivery',
        messageId: mail!.messageId,
        recipient: COLLEAGUE,
        time: new Date(now - 5_000),
      }),
    ),
    Timestamp: new Date(now).toISOString(),
  });
  const posted = await fetch(`${mailed}/api/webhooks/ses-events`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
    body: JSON.stringify(signed),
  });
  expect(posted.status).toBe(200);

  // The admin sees it in their log, delivered.
  await admin.goto(`${mailed}/emails`);
  const row = admin.locator('[data-email-id]');
  await expect(async () => {
    await admin.reload();
    await expect(row.locator('[data-status]')).toHaveText('delivered');
  }).toPass({ timeout: E2E.queueAppliedMs, intervals: [1000] });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Your kuratchi dashboard invitation');
  await expect(row).toContainText(COLLEAGUE);
  await screenshot(admin, 'fresh-first-event');
});
