import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_NOW, testTime } from '../../../../test/clock.js';
import { ORGS, insertEmail, seedOrganizations } from '../../../../test/seed.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import type { SesEventQueueMessage } from './queue-message.js';

/**
 * A bounce storm through real Queues (miniflare, with wrangler.dev.toml's `max_retries` and
 * dead-letter queue; test/worker.ts consumes both with the façade): 300 permanent bounces of
 * 50-recipient mail, each bounce costing about 100 D1 statements, three times what one consumer
 * invocation's query budget holds per batch. Events deferred for the budget must never use up
 * the queue's retries: every bounce is applied, every address suppressed, nothing dead-lettered.
 */
const STORM = 300;
const RECIPIENTS = 50;
const NS = 'storm';

beforeAll(seedOrganizations);

function bounce(i: number): SesEventQueueMessage {
  const recipients = Array.from({ length: RECIPIENTS }, (_, r) => `${NS}-${i}-${r}@example.com`);
  const event = buildSesEvent({
    eventType: 'Bounce',
    messageId: `ses-${NS}-${i}`,
    to: recipients,
    time: testTime(-10 * 60_000 + i),
  });
  // As receiving servers write them: one diagnostic per address, so one recipient group each.
  if (event.eventType === 'Bounce') {
    for (const r of event.bounce.bouncedRecipients) r.diagnosticCode = `smtp; 550 5.1.1 <${r.emailAddress}> unknown`;
  }
  return {
    v: 1,
    snsMessageId: `${NS}-sns-${i}`,
    snsTimestamp: testTime(-9 * 60_000).getTime(),
    message: JSON.stringify(event),
  };
}

const count = (db: D1Database, sql: string) => db.prepare(sql).bind(`%${NS}-%`).first<number>('n');

describe('queued mode under a bounce storm (real Queues)', () => {
  it('applies all 300 bounces of 50-recipient mail: every address suppressed, zero dead letters', async () => {
    expect(TEST_NOW.getTime()).toBeGreaterThan(0);
    const ids = Array.from({ length: STORM }, (_, i) => `${NS}-${i}`);
    for (const [i, id] of ids.entries()) await insertEmail(env.ORG_DB_ACME, { id, sesMessageId: `ses-${NS}-${i}` });
    for (let from = 0; from < STORM; from += 100) {
      await env.ADMIN_DB.batch(
        ids
          .slice(from, from + 100)
          .map((id, j) =>
            env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)').bind(
              `ses-${NS}-${from + j}`,
              ORGS.acme,
              id,
            ),
          ),
      );
    }
    const bodies = Array.from({ length: STORM }, (_, i) => bounce(i));
    // 128 KB per sendBatch call: a few bounces per call (each body is ~6 KB).
    for (let from = 0; from < STORM; from += 20) {
      await env.SES_EVENTS_QUEUE.sendBatch(
        bodies.slice(from, from + 20).map((body) => ({ body, contentType: 'json' as const })),
      );
    }

    // Polls with a deadline (vi.waitFor), never a fixed sleep.
    const settled = await vi.waitFor(
      async () => {
        const applied = await count(
          env.ORG_DB_ACME,
          "SELECT count(*) AS n FROM email_events WHERE event_type = 'Bounce' AND sns_message_id LIKE ?",
        );
        const deadLettered = await count(
          env.ADMIN_DB,
          'SELECT count(*) AS n FROM email_event_dead_letters WHERE sns_message_id LIKE ?',
        );
        if (applied! + deadLettered! !== STORM) throw new Error(`${applied} applied, ${deadLettered} dead-lettered`);
        return { applied, deadLettered };
      },
      { timeout: 240_000, interval: 250 },
    );
    expect(settled).toEqual({ applied: STORM, deadLettered: 0 });
    expect(
      await count(env.ORG_DB_ACME, 'SELECT count(*) AS n FROM email_suppressions WHERE email_address LIKE ?'),
    ).toBe(STORM * RECIPIENTS);
    expect(
      await count(env.ORG_DB_ACME, "SELECT count(*) AS n FROM emails WHERE status = 'bounced' AND id LIKE ?"),
    ).toBe(STORM);
  }, 300_000);
});
