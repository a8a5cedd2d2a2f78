import { env } from 'cloudflare:test';
import { buildSesEvent } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock';
import { ORGS, seedOrganizations, sentEmail } from '../../../../test/support';
import { readConfig } from '../config';
import { readRetentionSettings } from '../retention/settings';
import { importEvents } from './import-events';

/**
 * An import is judged by retention at the request's `now` (the time it is handed), as every
 * path that records an event is at its own: half a day within the events retention is applied,
 * half a day past it is `expired`, whatever the real clock says.
 */
const NOW = TEST_NOW;
const DAY = 86_400_000;

beforeAll(seedOrganizations);

describe('importEvents', () => {
  it('judges each record against retention at the request’s now', async () => {
    const { eventsDays } = readRetentionSettings(env as unknown as DashboardEnv);
    const open = (messageId: string, daysAgo: number) => {
      const time = new Date(NOW.getTime() - daysAgo * DAY);
      return JSON.stringify(
        buildSesEvent({ eventType: 'Open', messageId, time, sentAt: new Date(time.getTime() - 3_600_000) }),
      );
    };
    const kept = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const past = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const request = new Request('http://127.0.0.1/api/ops/events/import', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        records: [open(kept.sesMessageId, eventsDays - 0.5), open(past.sesMessageId, eventsDays + 0.5)],
      }),
    });
    const dashboardEnv = env as unknown as DashboardEnv;
    const answer = await importEvents({ env: dashboardEnv } as App.Platform, readConfig(dashboardEnv), request, NOW);
    expect(await answer.json()).toEqual({ outcomes: ['applied', 'expired'] });
    const opens = await env.ORG_DB_ACME.prepare('SELECT id, open_count AS n FROM emails WHERE id IN (?, ?) ORDER BY id')
      .bind(kept.emailId, past.emailId)
      .all<{ id: string; n: number }>();
    expect(Object.fromEntries(opens.results.map((r) => [r.id, r.n]))).toEqual({
      [kept.emailId]: 1,
      [past.emailId]: 0,
    });
  });
});
