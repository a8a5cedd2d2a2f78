import { join } from 'node:path';
import { expect, request as playwrightRequest, type Page } from '@playwright/test';
import { buildSesEvent, type SesEventSpec, type SnsSigner } from 'kuratchi-sdk/email/testing';
import { DEMO_PASSWORD, demoUser } from '../../../scripts/lib/demo-organizations.mjs';
import { readDemoSigner } from '../../../scripts/lib/demo-signer.mjs';
import { d1Execute } from '../../../scripts/lib/wrangler.mjs';
import { CRONS } from '../src/lib/server/scheduled/crons';
import { E2E } from './environment';

export const PASSWORD = DEMO_PASSWORD;
export const USERS = {
  acme: demoUser('user-acme').email,
  globex: demoUser('user-globex').email,
  /** Initech's database is its Durable Object (scripts/lib/demo-organizations.mjs). */
  initech: demoUser('user-initech').email,
  root: demoUser('user-root').email,
};

/**
 * Fills and submits the (hydrated) sign-in form once the page shows the previous answer (the form
 * no longer `aria-busy`: typing while an answer is applied mixed with the email it puts back), and
 * waits until the server has answered this submission: the alert of the previous attempt has the
 * same text, so waiting for the alert alone can pass before this attempt reached the server.
 * Returns the HTTP status of the answer.
 */
export async function submitSignIn(page: Page, email: string, password: string): Promise<number> {
  const settled = page.locator('form[data-hydrated="true"][aria-busy="false"]');
  await settled.waitFor();
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await expect(page.getByLabel('Email address')).toHaveValue(email);
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
  signer ??= readDemoSigner(join(E2E.stateDir, 'demo'));
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

/** Runs SQL on a local D1 database of the end-to-end Worker. */
export function d1(binding: string, sql: string): Array<Record<string, unknown>> {
  return d1Execute(binding, sql, E2E.stateDir);
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
 * Runs the Worker's scheduled jobs now, as its cron triggers do (wrangler dev --test-scheduled
 * serves /__scheduled): the guard's trigger, then the other jobs', and expects every job to succeed. On a connection of its own: a
 * kept-alive connection of a test's `request` fixture that sat idle longer than the server keeps it
 * (seconds, while a test polls) may be closed just as the request goes out ("socket hang up"),
 * and a request that may have run the jobs cannot simply be sent again.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/#test-cron-triggers-locally
 * @see https://nodejs.org/api/http.html#serverkeepalivetimeout
 */
export async function runCron(): Promise<void> {
  const own = await playwrightRequest.newContext({ baseURL: E2E.baseURL });
  try {
    for (const cron of [CRONS.guard, CRONS.jobs]) {
      const response = await own.get(`/__scheduled?cron=${encodeURIComponent(cron)}`, {
        // The request answers when every job has finished (a whole run: a few seconds when idle).
        timeout: E2E.testTimeoutMs,
      });
      expect(response.status()).toBe(200);
    }
  } finally {
    await own.dispose();
  }
}
