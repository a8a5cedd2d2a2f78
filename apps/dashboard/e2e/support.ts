import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { buildSesEvent, createSnsSigner, type SesEventSpec, type SnsSigner } from 'kuratchi-sdk/email/testing';
import { E2E } from './environment';

export const PASSWORD = 'kuratchi-demo';
export const USERS = {
  acme: 'admin@acme.example',
  globex: 'admin@globex.example',
  /** Initech's database is its Durable Object (scripts/demo/seed.mjs). */
  initech: 'admin@initech.example',
  root: 'root@kuratchi.example',
} as const;

/**
 * Fills and submits the (hydrated) sign-in form, and waits until the server has answered that
 * submission: the alert of the previous attempt has the same text, so waiting for the alert
 * alone can pass before this attempt reached the server. Returns the HTTP status of the answer.
 */
export async function submitSignIn(page: Page, email: string, password: string): Promise<number> {
  await page.locator('form[data-hydrated="true"]').waitFor();
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/auth/signin'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  return response.status();
}

/** Signs in through the form. */
export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  if (!page.url().includes('/auth/signin')) await page.goto('/auth/signin');
  await submitSignIn(page, email, password);
  await expect(page).toHaveURL(/\/emails/);
}

let signer: Promise<{ signer: SnsSigner; topicArn: string }> | undefined;

/** The demo's SNS signer (its certificate is what the development Worker trusts). */
export function demoSigner() {
  signer ??= (async () => {
    const saved = JSON.parse(readFileSync(join(E2E.stateDir, 'demo', 'signer.json'), 'utf8'));
    const key = Uint8Array.from(Buffer.from(saved.privateKeyPkcs8, 'base64'));
    return {
      topicArn: saved.topicArn as string,
      signer: await createSnsSigner({
        certUrl: saved.certUrl,
        certificate: { pem: saved.certificatePem, privateKeyPkcs8: key.buffer },
      }),
    };
  })();
  return signer;
}

/** POSTs a signed SNS notification of an SES event to the webhook, as SNS does; returns the status. */
export async function postEvent(spec: Omit<SesEventSpec, 'time'> & { time?: Date }): Promise<number> {
  const { signer, topicArn } = await demoSigner();
  const signed = await signer.sign({
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: topicArn,
    Message: JSON.stringify(buildSesEvent({ time: new Date(), ...spec })),
    Timestamp: new Date().toISOString(),
  });
  const response = await fetch(`${E2E.baseURL}/api/webhooks/ses-events`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
    body: JSON.stringify(signed),
  });
  return response.status;
}

// wrangler's own entry point, run by this Node directly: no package manager starting in between.
const wranglerBin = createRequire(join(E2E.root, 'package.json')).resolve('wrangler/bin/wrangler.js');

/** Runs SQL on a local D1 database of the end-to-end Worker. */
export function d1(binding: string, sql: string): Array<Record<string, unknown>> {
  const run = spawnSync(
    process.execPath,
    [wranglerBin, 'd1', 'execute', binding, '--local', '--persist-to', E2E.stateDir, '--json', '--command', sql],
    {
      cwd: E2E.root,
      encoding: 'utf8',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    },
  );
  if (run.status !== 0) throw new Error(`wrangler d1 execute failed: ${run.stderr}`);
  return (JSON.parse(run.stdout) as Array<{ results: Array<Record<string, unknown>> }>)[0]?.results ?? [];
}

/** Saves a full-page screenshot as a test artifact (test-results/screenshots/NAME.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${E2E.screenshots}${name}.png`, fullPage: true });
}

/**
 * Reloads the page until `check` passes (a second between tries), for at most
 * {@link E2E.queueAppliedMs}: in queued mode an event the webhook accepted is applied by the
 * queue consumer a moment later.
 */
export async function reloadUntil(page: Page, check: () => Promise<void>): Promise<void> {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: E2E.queueAppliedMs, intervals: [1000] });
}

/**
 * Runs the Worker's scheduled jobs now, as the cron trigger does (wrangler dev --test-scheduled
 * serves /__scheduled), and expects every job to succeed.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/#test-cron-triggers-locally
 */
export async function runCron(request: APIRequestContext): Promise<void> {
  const response = await request.get(`/__scheduled?cron=${encodeURIComponent('*/10 * * * *')}`, {
    // The request answers when every job has finished (a whole run: a few seconds when idle).
    timeout: E2E.testTimeoutMs,
  });
  expect(response.status()).toBe(200);
}
