import { env } from 'cloudflare:test';
import { DEFAULT_DEAD_LETTER_TTL_MS } from 'kuratchi-sdk/internal/events';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../../test/clock.js';
import { requestsTo, scriptHost } from '../../../../../test/fake-http.js';
import { ORGS, seedOrganizations } from '../../../../../test/support.js';
import type { AlertCondition } from '../condition';
import { createD1IncidentStore } from '../incident-store';
import type { AlertWebhookBody } from '../notice-message';
import { runAlerts } from '../run-alerts';
import { DEAD_LETTER_EXPIRY_WARNING_MS, deadLettersAlertProvider } from './dead-letters';

// Time is an input: the dead letters' times derive from the pinned `now`. Storage persists across
// the tests of this file: each starts without dead letters or incidents.
const now = TEST_NOW.getTime();
const MINUTE = 60_000;
const HOST = 'alerts.dead-letters.test';
const provider = deadLettersAlertProvider(env as unknown as DashboardEnv);

/** The dead-letter time of one the sweep drops at `at`. */
const dropAt = (at: number) => at - DEFAULT_DEAD_LETTER_TTL_MS;

async function deadLetter(deadLetteredAt: number, id = `expiry-${crypto.randomUUID()}`) {
  await env.ADMIN_DB.prepare(
    `INSERT INTO email_event_dead_letters (sns_message_id, ses_message_id, message, reason, first_seen_at,
       dead_lettered_at, organization_id) VALUES (?, ?, '{}', 'email-missing', ?, ?, ?)`,
  )
    .bind(id, `ses-${id}`, deadLetteredAt, deadLetteredAt, ORGS.acme)
    .run();
  return id;
}

async function conditions(): Promise<AlertCondition[]> {
  return (await provider(TEST_NOW)) as AlertCondition[];
}

/** One alerts run with the dead-letters provider, at `at`, the webhook a scripted host. */
async function run(at: number) {
  return runAlerts({
    providers: [{ name: 'dead-letters', kinds: ['dead-letters', 'dead-letters-expiring'], provide: provider }],
    store: createD1IncidentStore(env.ADMIN_DB),
    webhookUrl: `https://${HOST}/hook`,
    now: new Date(at),
  });
}

async function notices(kind: string) {
  return (await requestsTo(HOST))
    .map((r) => (JSON.parse(r.body) as AlertWebhookBody).alert)
    .filter((a) => a.kind === kind)
    .map((a) => [a.event, a.title]);
}

beforeAll(seedOrganizations);
beforeEach(async () => {
  await env.ADMIN_DB.batch([
    env.ADMIN_DB.prepare('DELETE FROM email_event_dead_letters'),
    env.ADMIN_DB.prepare('DELETE FROM alert_notices'),
    env.ADMIN_DB.prepare('DELETE FROM alert_incidents'),
  ]);
});

describe('the dead-letters alerts (pinned now)', () => {
  it('raise dead-letters-expiring for those the sweep drops within 7 days (KURATCHI_DEAD_LETTER_DAYS), and only those', async () => {
    await deadLetter(dropAt(now + 30 * 86_400_000)); // far from its end
    expect((await conditions()).map((c) => c.key)).toEqual(['dead-letters']);
    await deadLetter(dropAt(now + DEAD_LETTER_EXPIRY_WARNING_MS)); // just after the week
    expect((await conditions()).map((c) => c.key)).toEqual(['dead-letters']);
    await deadLetter(dropAt(now + DEAD_LETTER_EXPIRY_WARNING_MS - 1)); // dropped within the week
    const [all, expiring] = await conditions();
    expect(all).toMatchObject({ key: 'dead-letters', title: expect.stringContaining('3 SES events') });
    expect(expiring).toMatchObject({
      kind: 'dead-letters-expiring',
      key: 'dead-letters-expiring',
      organizationId: null,
      severity: 'critical',
      title: '1 dead letter is dropped within 7 days',
    });
  });

  it('expiring dead letters open their own incident, announced once, reworded silently, cleared once replayed', async () => {
    await scriptHost(HOST, [{ method: 'POST', status: 200, body: 'ok' }]);
    const first = await deadLetter(dropAt(now + 3 * 86_400_000));
    await run(now);
    await run(now + 10 * MINUTE);
    expect(await notices('dead-letters-expiring')).toEqual([['opened', '1 dead letter is dropped within 7 days']]);

    // A second one: the same incident, its title follows, no second notice.
    const second = await deadLetter(dropAt(now + 4 * 86_400_000));
    expect(await run(now + 20 * MINUTE)).toMatchObject({ opened: 0, reworded: 2, notices: { sent: 0 } });
    const [open] = (await createD1IncidentStore(env.ADMIN_DB).listOpen()).filter(
      (i) => i.key === 'dead-letters-expiring',
    );
    expect(open?.title).toBe('2 dead letters are dropped within 7 days');
    expect(await notices('dead-letters-expiring')).toHaveLength(1);

    // Replayed (the replay deletes them): cleared once; `dead-letters` stays while one is left.
    await env.ADMIN_DB.prepare('DELETE FROM email_event_dead_letters WHERE sns_message_id IN (?, ?)')
      .bind(first, second)
      .run();
    await deadLetter(dropAt(now + 30 * 86_400_000));
    await run(now + 30 * MINUTE);
    await run(now + 40 * MINUTE);
    expect(await notices('dead-letters-expiring')).toEqual([
      ['opened', '1 dead letter is dropped within 7 days'],
      ['cleared', '2 dead letters are dropped within 7 days'],
    ]);
    expect(await notices('dead-letters')).toEqual([
      ['opened', '1 SES event is in the dead-letter table (email-missing 1)'],
    ]);
  });
});
