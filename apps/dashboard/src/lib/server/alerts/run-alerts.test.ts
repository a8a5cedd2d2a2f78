import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock';
import { requestsTo, scriptHost } from '../../../../test/fake-http';
import type { AlertCondition } from './condition';
import { createD1IncidentStore } from './incident-store';
import type { AlertWebhookBody } from './notice-message';
import { MAX_NOTICE_ATTEMPTS, noticeRetryDelayMs, runAlerts, type RegisteredAlertProvider } from './run-alerts';

/**
 * The alerts job on local D1, its webhook a scripted host: every time derives from TEST_NOW.
 * The providers here are plain inputs (what holds at each run); the real ones have their tests.
 */
const NOW = TEST_NOW.getTime();
const MINUTE = 60_000;
const HOST = 'alerts.run-alerts.test';
const URL = `https://${HOST}/hooks/T000/B000/secret`;

const pause: AlertCondition = {
  kind: 'reputation-pause',
  key: 'reputation-pause:org-acme',
  organizationId: 'org-acme',
  severity: 'critical',
  title: 'Acme: bounce rate 4.2 % is past the pause threshold 4 %',
  detail: 'Sending is paused.',
};

/** A provider answering, run after run, what `holds` says then. */
function provider(holds: () => AlertCondition[] | Error, kinds = [pause.kind]): RegisteredAlertProvider {
  return {
    name: 'test',
    kinds,
    provide: async () => {
      const answer = holds();
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

async function run(at: number, providers: RegisteredAlertProvider[], webhookUrl: string | null = URL) {
  return runAlerts({ providers, store: createD1IncidentStore(env.ADMIN_DB), webhookUrl, now: new Date(at) });
}

async function bodies(): Promise<AlertWebhookBody[]> {
  return (await requestsTo(HOST)).map((r) => JSON.parse(r.body) as AlertWebhookBody);
}

// Storage persists across the tests of a file: each starts without incidents.
beforeEach(async () => {
  await env.ADMIN_DB.batch([
    env.ADMIN_DB.prepare('DELETE FROM alert_notices'),
    env.ADMIN_DB.prepare('DELETE FROM alert_incidents'),
  ]);
});

describe('alerts: once per incident, once when it clears', () => {
  it('announces an incident once however many runs see it, rewords it silently, and announces its clearance once', async () => {
    await scriptHost(HOST, [{ method: 'POST', status: 200, body: 'ok' }]);
    let holds: AlertCondition[] = [pause];
    const providers = [provider(() => holds)];

    expect(await run(NOW, providers)).toMatchObject({ opened: 1, notices: { sent: 1 } });
    expect(await run(NOW + 10 * MINUTE, providers)).toMatchObject({ opened: 0, reworded: 0, notices: { sent: 0 } });
    holds = [{ ...pause, title: 'Acme: bounce rate 4.6 % is past the pause threshold 4 %' }];
    expect(await run(NOW + 20 * MINUTE, providers)).toMatchObject({ opened: 0, reworded: 1, notices: { sent: 0 } });
    holds = [];
    expect(await run(NOW + 30 * MINUTE, providers)).toMatchObject({ cleared: 1, notices: { sent: 1 } });
    expect(await run(NOW + 40 * MINUTE, providers)).toMatchObject({ cleared: 0, notices: { sent: 0 } });

    const sent = await bodies();
    expect(sent.map((b) => b.alert.event)).toEqual(['opened', 'cleared']);
    expect(sent[0]).toMatchObject({
      text: expect.stringContaining(pause.title),
      alert: { kind: 'reputation-pause', key: pause.key, organizationId: 'org-acme', severity: 'critical' },
    });
    expect(sent[1]!.text).toContain('cleared after 30 min');
    expect(sent[1]!.alert.title).toContain('4.6 %');
    expect((await requestsTo(HOST)).every((r) => r.headers['content-type'] === 'application/json')).toBe(true);

    const [incident] = await createD1IncidentStore(env.ADMIN_DB).list({
      organizationId: 'org-acme',
      deployment: false,
      since: NOW - MINUTE,
      limit: 10,
    });
    expect(incident).toMatchObject({
      openedAt: NOW,
      clearedAt: NOW + 30 * MINUTE,
      notices: { opened: { state: 'sent', attempts: 1 }, cleared: { state: 'sent', attempts: 1 } },
    });
  });

  it('a cause that comes back after clearing is a new incident, announced again', async () => {
    await scriptHost(HOST, [{ method: 'POST', status: 204 }]);
    let holds: AlertCondition[] = [pause];
    const providers = [provider(() => holds)];
    await run(NOW, providers);
    holds = [];
    await run(NOW + 10 * MINUTE, providers);
    holds = [pause];
    expect(await run(NOW + 20 * MINUTE, providers)).toMatchObject({ opened: 1, notices: { sent: 1 } });
    expect((await bodies()).map((b) => b.alert.event)).toEqual(['opened', 'cleared', 'opened']);
  });

  it('a provider that fails leaves its incidents as they are, the others run, and the job fails naming it', async () => {
    await scriptHost(HOST, [{ method: 'POST', status: 200 }]);
    const dead: AlertCondition = { ...pause, kind: 'dead-letters', key: 'dead-letters', organizationId: null };
    let reputation: AlertCondition[] | Error = [pause];
    const providers = [provider(() => reputation), { ...provider(() => [dead], ['dead-letters']), name: 'dead' }];
    await run(NOW, providers);

    reputation = new Error('org database unavailable');
    await expect(run(NOW + 10 * MINUTE, providers)).rejects.toThrow(
      /alert providers failed \(test: Error: org database unavailable\)/,
    );
    const open = await createD1IncidentStore(env.ADMIN_DB).listOpen();
    expect(open.map((i) => i.key).sort()).toEqual(['dead-letters', pause.key]);
    expect((await bodies()).map((b) => b.alert.event)).toEqual(['opened', 'opened']);
  });

  it('keys a provider reports as unknown keep their incident open', async () => {
    await scriptHost(HOST, [{ method: 'POST', status: 200 }]);
    let report: { conditions: AlertCondition[]; unknownKeys: string[] } = { conditions: [pause], unknownKeys: [] };
    const providers = [{ name: 'test', kinds: [pause.kind], provide: async () => report }];
    await run(NOW, providers);
    report = { conditions: [], unknownKeys: [pause.key] };
    expect(await run(NOW + 10 * MINUTE, providers)).toMatchObject({ cleared: 0 });
    report = { conditions: [], unknownKeys: [] };
    expect(await run(NOW + 20 * MINUTE, providers)).toMatchObject({ cleared: 1 });
  });

  it('a webhook that fails is retried by later runs with a growing delay, never twice in one run, then given up', async () => {
    await scriptHost(HOST, [{ method: 'POST', status: 500, body: 'down' }]);
    const providers = [provider(() => [pause])];
    expect(await run(NOW, providers)).toMatchObject({ opened: 1, notices: { sent: 0, retrying: 1 } });
    expect(await requestsTo(HOST)).toHaveLength(1);

    // Not due yet: no attempt.
    expect(await run(NOW + noticeRetryDelayMs(1) - 1, providers)).toMatchObject({ notices: { retrying: 0 } });
    expect(await requestsTo(HOST)).toHaveLength(1);

    let at = NOW;
    for (let attempt = 1; attempt < MAX_NOTICE_ATTEMPTS; attempt += 1) {
      at += noticeRetryDelayMs(attempt);
      await run(at, providers);
    }
    const [incident] = await createD1IncidentStore(env.ADMIN_DB).list({
      organizationId: 'org-acme',
      deployment: false,
      since: NOW - MINUTE,
      limit: 1,
    });
    expect(incident!.notices.opened).toEqual({
      state: 'failed',
      attempts: MAX_NOTICE_ATTEMPTS,
      lastError: 'the alert webhook answered HTTP 500',
    });
    expect(await requestsTo(HOST)).toHaveLength(MAX_NOTICE_ATTEMPTS);
    await run(at + 24 * 3_600_000, providers);
    expect(await requestsTo(HOST)).toHaveLength(MAX_NOTICE_ATTEMPTS);
  });

  it('an incident that cleared before its alert got through is announced once, as opened and cleared', async () => {
    await scriptHost(HOST, [
      { method: 'POST', status: 503, times: 1 },
      { method: 'POST', status: 200 },
    ]);
    let holds: AlertCondition[] = [pause];
    const providers = [provider(() => holds)];
    await run(NOW, providers);
    holds = [];
    // Cleared before the retry of the opening is due: one message for both.
    expect(await run(NOW + 5 * MINUTE, providers)).toMatchObject({ cleared: 1, notices: { sent: 2 } });
    const sent = await bodies();
    expect(sent.map((b) => b.alert.event)).toEqual(['opened', 'opened-and-cleared']);
    expect(sent[1]!.alert.clearedAt).toBe(new Date(NOW + 5 * MINUTE).toISOString());
    await run(NOW + 60 * MINUTE, providers);
    expect(await requestsTo(HOST)).toHaveLength(2);
  });

  it('does not follow a redirect: the alert never goes to a host that was not configured', async () => {
    await scriptHost(HOST, [
      { method: 'POST', status: 302, headers: { location: 'https://elsewhere.run-alerts.test/' } },
    ]);
    await scriptHost('elsewhere.run-alerts.test', [{ status: 200 }]);
    expect(await run(NOW, [provider(() => [pause])])).toMatchObject({ notices: { retrying: 1 } });
    expect(await requestsTo('elsewhere.run-alerts.test')).toEqual([]);
  });

  it('without a webhook incidents are kept and shown, and configuring one later does not replay them', async () => {
    await scriptHost(HOST, [{ method: 'POST', status: 200 }]);
    const providers = [provider(() => [pause])];
    expect(await run(NOW, providers, null)).toMatchObject({ opened: 1, notices: { sent: 0 } });
    expect(await run(NOW + 10 * MINUTE, providers)).toMatchObject({ notices: { sent: 0 } });
    expect(await requestsTo(HOST)).toEqual([]);
    const [incident] = await createD1IncidentStore(env.ADMIN_DB).listOpen();
    expect(incident?.key).toBe(pause.key);
  });

  it('two overlapping runs open one incident and send one alert', async () => {
    await scriptHost(HOST, [{ method: 'POST', status: 200 }]);
    const providers = [provider(() => [pause])];
    await Promise.all([run(NOW, providers), run(NOW, providers), run(NOW + 1, providers)]);
    expect(await createD1IncidentStore(env.ADMIN_DB).listOpen()).toHaveLength(1);
    expect(await requestsTo(HOST)).toHaveLength(1);
  });

  it('a run whose providers answered before an overlapping run changed the incidents neither clears nor reopens on that answer', async () => {
    await scriptHost(HOST, [{ method: 'POST', status: 200 }]);
    let holds: AlertCondition[] = [];
    /** A provider that reads `holds` when asked (`asked`), then answers only once `release` is called. */
    const slow = () => {
      let release = () => {};
      let wasAsked = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      const asked = new Promise<void>((resolve) => (wasAsked = resolve));
      const p: RegisteredAlertProvider = {
        ...provider(() => holds),
        provide: async () => {
          const answer = [...holds];
          wasAsked();
          await released;
          return answer;
        },
      };
      return { p, asked, release };
    };

    // A run reads "nothing holds"; meanwhile the cause appears and a run opens its incident.
    const early = slow();
    const overlapped = run(NOW, [early.p]);
    await early.asked;
    holds = [pause];
    await run(NOW + 1, [provider(() => holds)]);
    early.release();
    await overlapped;
    expect((await createD1IncidentStore(env.ADMIN_DB).listOpen()).map((i) => i.key)).toEqual([pause.key]);

    // A run reads "it holds"; meanwhile the cause goes and a run clears the incident.
    const late = slow();
    const overlapping = run(NOW + 2 * MINUTE, [late.p]);
    await late.asked;
    holds = [];
    await run(NOW + 3 * MINUTE, [provider(() => holds)]);
    late.release();
    await overlapping;
    expect(await createD1IncidentStore(env.ADMIN_DB).listOpen()).toEqual([]);
    expect((await bodies()).map((b) => b.alert.event)).toEqual(['opened', 'cleared']);
  });
});
