import { env } from 'cloudflare:test';
import { durableObjectDatabase } from 'kuratchi-sdk/internal/d1';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../../test/clock.js';
import type { AlertCondition } from '../condition';
import { EVENTS_STOPPED_PER_RUN, eventsStoppedAlertProvider } from './events-stopped';

// Time is an input: every send derives from the pinned `now`. More organisations than one run
// reads, each with an email sent two hours ago that no event followed.
const now = TEST_NOW.getTime();
const ORGANIZATIONS = EVENTS_STOPPED_PER_RUN + 5;
const ids = Array.from({ length: ORGANIZATIONS }, (_, i) => `org-stopped-${String(i).padStart(2, '0')}`);
const provider = eventsStoppedAlertProvider(env as unknown as DashboardEnv);

beforeAll(async () => {
  await env.ADMIN_DB.batch(
    ids.map((id) =>
      env.ADMIN_DB.prepare(
        `INSERT INTO organizations (id, name, database_kind, database_binding, created_at) VALUES (?, ?, 'durable-object', 'ORG_DO', 0)`,
      ).bind(id, `Stopped ${id}`),
    ),
  );
  for (const id of ids) {
    await durableObjectDatabase(env.ORG_DO.get(env.ORG_DO.idFromName(id)) as never)
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at)
         VALUES ('e-1', 'r@example.com', 's@example.com', 'Hi', 'sent', ?1, ?2, ?2)`,
      )
      .bind(`ses-${id}`, now - 2 * 3_600_000)
      .run();
  }
});

async function check(at: Date) {
  const { conditions, unknownKeys } = (await provider(at)) as {
    conditions: AlertCondition[];
    unknownKeys: string[];
  };
  return { organizations: conditions.map((c) => c.organizationId), unknownKeys };
}

describe('the events-stopped provider', () => {
  it('reads its organisations in turn, keeping the incidents of those it did not read', async () => {
    const first = await check(TEST_NOW);
    expect(first.organizations).toEqual(ids.slice(0, EVENTS_STOPPED_PER_RUN));
    expect(first.unknownKeys).toEqual(ids.slice(EVENTS_STOPPED_PER_RUN).map((id) => `events-stopped:${id}`));
    // The next run goes on after the last one read, and starts again from the first.
    const second = await check(new Date(now + 600_000));
    expect(second.organizations).toEqual([...ids.slice(EVENTS_STOPPED_PER_RUN), ...ids.slice(0, 15)]);
    expect(new Set([...first.organizations, ...second.organizations]).size).toBe(ORGANIZATIONS);
  });
});
