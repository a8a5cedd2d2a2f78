import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test } from '@playwright/test';
import { d1, demoSigner, postEvent, reloadUntil, signIn, USERS } from './support';

const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve('kuratchi-sdk/package.json')), 'dist/cli/kuratchi-ses.js');

test('the detail page downloads a proof bundle that kuratchi-ses verify-proof checks', async ({ page }) => {
  // A sent email of the seed that already has events (the other specs take the sent emails that
  // have none), and one more event for it through the webhook (archived in local R2).
  const [email] = d1(
    'ORG_DB_ACME',
    `SELECT id, ses_message_id AS sesMessageId, recipient FROM emails
     WHERE ses_message_id IS NOT NULL AND canary = 0 AND EXISTS (SELECT 1 FROM email_events WHERE email_id = emails.id)
     ORDER BY created_at DESC LIMIT 1`,
  ) as Array<{ id: string; sesMessageId: string; recipient: string }>;
  expect(email, 'the demo seed has a sent email').toBeDefined();
  await signIn(page, USERS.acme);
  await page.goto(`/emails/${email!.id}`);
  const opens = page.locator('[data-testid="timeline"] li[data-event-type="Open"]');
  const before = await opens.count();
  expect(await postEvent({ eventType: 'Open', messageId: email!.sesMessageId, recipient: email!.recipient })).toBe(200);

  // Queued mode: wait until the consumer has applied the new (archived) open, not just any event.
  await reloadUntil(page, async () => {
    await expect(opens).toHaveCount(before + 1);
    await expect(page.getByTestId('download-proof')).toBeVisible();
  });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-proof').click()]);
  expect(download.suggestedFilename()).toBe(`proof-${email!.id}.json`);
  const file = join(mkdtempSync(join(tmpdir(), 'kuratchi-proof-e2e-')), download.suggestedFilename());
  await download.saveAs(file);

  // The demo signs with a self-made certificate: its signatures verify, the CLI reads each event,
  // and refuses to call it proven (only a chain to Amazon's roots does).
  const { topicArn } = await demoSigner();
  const run = spawnSync(process.execPath, [CLI, 'verify-proof', file, '--topic-arn', topicArn, '--json'], {
    encoding: 'utf8',
  });
  expect(run.status, run.stdout + run.stderr).toBe(1);
  const verdict = JSON.parse(run.stdout) as {
    messages: Array<{ statement?: string; topicArn?: string; error?: string }>;
  };
  expect(verdict.messages).toContainEqual(
    expect.objectContaining({
      statement: expect.stringMatching(/^Opened at /),
      topicArn,
      error: expect.stringMatching(/^the certificate is not Amazon SNS's: /),
    }),
  );
});
