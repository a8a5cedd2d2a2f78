import { env } from 'cloudflare:test';
import { DEFAULT_DEAD_LETTER_TTL_MS } from 'kuratchi-sdk/internal/events';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../../test/clock.js';
import { ORGS, seedOrganizations } from '../../../../../test/support.js';
import { DEAD_LETTER_EXPIRY_WARNING_MS, deadLettersAlertProvider } from './dead-letters';

// Time is an input: the dead letters' times derive from the pinned `now`. The admin database is
// shared with other files: the test reads the count before and after its own rows.
const now = TEST_NOW.getTime();
const provider = deadLettersAlertProvider(env as unknown as DashboardEnv);

async function expiringInDetail(): Promise<number> {
  const [condition] = (await provider(TEST_NOW)) as Array<{ detail: string }>;
  const match = condition?.detail.match(/(\d+) of them will be dropped within 7 days/);
  return match ? Number(match[1]) : 0;
}

async function deadLetter(deadLetteredAt: number) {
  const id = `expiry-${crypto.randomUUID()}`;
  await env.ADMIN_DB.prepare(
    `INSERT INTO email_event_dead_letters (sns_message_id, ses_message_id, message, reason, first_seen_at,
       dead_lettered_at, organization_id) VALUES (?, ?, '{}', 'email-missing', ?, ?, ?)`,
  )
    .bind(id, `ses-${id}`, deadLetteredAt, deadLetteredAt, ORGS.acme)
    .run();
}

beforeAll(seedOrganizations);

describe('the dead-letters alert (pinned now)', () => {
  it('says how many dead letters the sweep drops within 7 days (KURATCHI_DEAD_LETTER_DAYS)', async () => {
    const dropAt = (at: number) => at - DEFAULT_DEAD_LETTER_TTL_MS; // dead-lettered then, dropped at `at`
    await deadLetter(dropAt(now + 30 * 86_400_000)); // far from its end: opens the incident if none does
    const before = await expiringInDetail();
    await deadLetter(dropAt(now + DEAD_LETTER_EXPIRY_WARNING_MS - 1)); // dropped within the week
    expect(await expiringInDetail()).toBe(before + 1);
    await deadLetter(dropAt(now + DEAD_LETTER_EXPIRY_WARNING_MS)); // just after it
    expect(await expiringInDetail()).toBe(before + 1);
  });
});
