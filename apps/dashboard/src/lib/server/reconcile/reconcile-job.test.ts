import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RECONCILE_SETTINGS } from 'kuratchi-sdk/internal/reconcile';
import { TEST_NOW } from '../../../../test/clock';
import { requestsTo, scriptHost, type FakeHttpAnswer } from '../../../../test/fake-http';
import { ORGS, seedOrganizations } from '../../../../test/support';
import { runScheduled } from '../../../../test/cron';

/**
 * The `reconcile` scheduled job through the Worker's real `scheduled` handler, its real SESv2
 * client signing calls to a scripted fake host that answers SESv2 REST-JSON as AWS does
 * (GET /v2/email/account, GET /v2/email/insights/{MessageId}: the client's own serializer paths).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 */
const HOST = 'ses.reconcile-job.test';
const NOW = TEST_NOW.getTime();
const HOUR = 3_600_000;
const TOKEN = 'ops-token-for-tests-0123456789abcdef';
const AWS = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_ENDPOINT_URL: `https://${HOST}`,
};

beforeAll(seedOrganizations);
afterEach(() => vi.restoreAllMocks());

/** An email as sendEmail leaves it: its row, its one recipient, its lookup row; sent `ago` ms before `at`. */
async function sentEmail(db: D1Database, organizationId: string, at: number, ago = 5 * HOUR) {
  const emailId = crypto.randomUUID();
  const sesMessageId = `0102019a-${emailId}-000000`;
  const recipient = `${emailId.slice(0, 8)}@example.com`;
  await db.batch([
    db
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, sent_at)
         VALUES (?, ?, 'no-reply@acme.example', 'Hello', 'sent', ?, ?, ?, ?)`,
      )
      .bind(emailId, recipient, sesMessageId, at - ago, at - ago, at - ago),
    db
      .prepare("INSERT INTO email_recipients (email_id, address, kind, status, sent_at) VALUES (?, ?, 'to', 'sent', ?)")
      .bind(emailId, recipient, at - ago),
  ]);
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(sesMessageId, organizationId, emailId)
    .run();
  return { emailId, sesMessageId, recipient };
}

/** GetAccount's REST-JSON answer. */
function account(vdm: 'ENABLED' | 'DISABLED' | null): FakeHttpAnswer {
  return {
    method: 'GET',
    pathPrefix: '/v2/email/account',
    json: {
      SendingEnabled: true,
      ProductionAccessEnabled: true,
      EnforcementStatus: 'HEALTHY',
      ...(vdm ? { VdmAttributes: { VdmEnabled: vdm } } : {}),
    },
  };
}

/** GetMessageInsights' REST-JSON answer (timestamps as epoch seconds, as REST-JSON sends them). */
function insights(email: { sesMessageId: string; recipient: string }, events: object[]): FakeHttpAnswer {
  return {
    method: 'GET',
    pathPrefix: `/v2/email/insights/${email.sesMessageId}`,
    json: {
      MessageId: email.sesMessageId,
      FromEmailAddress: 'no-reply@acme.example',
      Subject: 'Hello',
      EmailTags: [{ Name: 'ses:configuration-set', Value: 'kuratchi-email-tracking' }],
      Insights: [{ Destination: email.recipient, Isp: 'Gmail', Events: events }],
    },
  };
}

/** The reconcile job's log line of a cron run at `at`, and whether the run failed (some job did). */
async function runCron(at: number, overrides: Record<string, unknown>) {
  const run = await runScheduled(at, overrides);
  const line = run.job('reconcile');
  return line ? ({ ...line, thrown: run.failure !== null } as Record<string, unknown>) : undefined;
}

describe('the reconcile scheduled job', () => {
  it('asks SES about each organisation’s emails with no outcome and applies what it learns, signed, one JSON line', async () => {
    const bounced = await sentEmail(env.ORG_DB_ACME, ORGS.acme, NOW);
    const silent = await sentEmail(env.ORG_DB_GLOBEX, ORGS.globex, NOW);
    const tooRecent = await sentEmail(env.ORG_DB_ACME, ORGS.acme, NOW, HOUR);
    const bouncedAt = NOW - 5 * HOUR + 2_500;
    await scriptHost(HOST, [
      account('ENABLED'),
      insights(bounced, [
        { Timestamp: (NOW - 5 * HOUR) / 1000, Type: 'SEND' },
        {
          Timestamp: bouncedAt / 1000,
          Type: 'BOUNCE',
          Details: { Bounce: { BounceType: 'PERMANENT', BounceSubType: 'NoEmail', DiagnosticCode: 'smtp; 550 5.1.1' } },
        },
      ]),
      insights(silent, [{ Timestamp: (NOW - 5 * HOUR) / 1000, Type: 'SEND' }]),
    ]);
    const line = await runCron(NOW, AWS);
    expect(line).toMatchObject({
      outcome: 'ok',
      status: 'done',
      asked: 2,
      learned: 1,
      applied: 1,
      duplicates: 0,
      nothingYet: 1,
      notAvailable: 0,
      failed: 0,
    });
    const row = await env.ORG_DB_ACME.prepare('SELECT status, bounced_at, bounce_sub_type FROM emails WHERE id = ?')
      .bind(bounced.emailId)
      .first();
    expect(row).toEqual({ status: 'bounced', bounced_at: bouncedAt, bounce_sub_type: 'NoEmail' });
    const event = await env.ORG_DB_ACME.prepare('SELECT event_type, source FROM email_events WHERE email_id = ?')
      .bind(bounced.emailId)
      .first();
    expect(event).toEqual({ event_type: 'Bounce', source: 'reconcile' });
    const ask = await env.ORG_DB_GLOBEX.prepare(
      'SELECT last_result, next_ask_at FROM email_reconciliation WHERE email_id = ?',
    )
      .bind(silent.emailId)
      .first();
    expect(ask).toEqual({ last_result: 'nothing-yet', next_ask_at: NOW + 6 * HOUR });

    const requests = await requestsTo(HOST);
    const paths = requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
    expect(paths).toContain('GET /v2/email/account');
    expect(paths).toContain(`GET /v2/email/insights/${bounced.sesMessageId}`);
    expect(paths).not.toContain(`GET /v2/email/insights/${tooRecent.sesMessageId}`);
    expect(requests[0]?.headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/ses\//,
    );

    // The next cron run, 10 minutes later, asks nothing again.
    await scriptHost(HOST, [account('ENABLED')]);
    const again = await runCron(NOW + 10 * 60_000, AWS);
    expect(again).toMatchObject({ status: 'done', asked: 0 });
    expect((await requestsTo(HOST)).filter((r) => r.url.includes('/insights/'))).toEqual([]);
  });

  it('without Virtual Deliverability Manager says so and writes nothing; without AWS credentials says that', async () => {
    const email = await sentEmail(env.ORG_DB_ACME, ORGS.acme, NOW);
    await scriptHost(HOST, [account(null)]);
    const off = await runCron(NOW, AWS);
    expect(off).toMatchObject({ outcome: 'ok', status: 'vdm-off', asked: 0 });
    expect(String(off?.['message'])).toMatch(
      /^Virtual Deliverability Manager is not enabled on this account: enable it in the SES console/,
    );
    expect((await requestsTo(HOST)).map((r) => new URL(r.url).pathname)).toEqual(['/v2/email/account']);
    const ask = await env.ORG_DB_ACME.prepare('SELECT * FROM email_reconciliation WHERE email_id = ?')
      .bind(email.emailId)
      .first();
    expect(ask).toBeNull();
    const row = await env.ORG_DB_ACME.prepare('SELECT status FROM emails WHERE id = ?').bind(email.emailId).first();
    expect(row).toEqual({ status: 'sent' });

    const unconfigured = await runCron(NOW, {});
    expect(unconfigured).toMatchObject({ outcome: 'ok', status: 'not-configured' });
    expect(String(unconfigured?.['message'])).toMatch(/no AWS credentials of its own/);
  });

  it('fails alone on an invalid setting, naming it (the other jobs still ran)', async () => {
    const line = await runCron(NOW, { ...AWS, KURATCHI_RECONCILE_MAX_PER_RUN: '1000' });
    expect(line).toMatchObject({ outcome: 'failed', thrown: true });
    expect(String(line?.['error'])).toMatch(/KURATCHI_RECONCILE_MAX_PER_RUN: must be at most 300/);
  });
});

describe('/api/ops/reconcile', () => {
  async function call(method: 'GET' | 'POST', body?: object, overrides: Record<string, unknown> = {}) {
    const ctx = createExecutionContext();
    const response = await worker.fetch!(
      new Request('http://127.0.0.1/api/ops/reconcile', {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }) as never,
      { ...env, KURATCHI_OPS_TOKEN: TOKEN, ...AWS, ...overrides } as never,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  }

  it('reports readiness, runs one organisation as a dry run (no writes), then for real, paged by cursor', async () => {
    // This route runs on the real clock: the emails the tests above left behind are taken out of
    // its window first (recorded as given up), so only this test's two emails are due.
    await env.ORG_DB_ACME.batch([
      env.ORG_DB_ACME.prepare("UPDATE email_reconciliation SET next_ask_at = NULL, last_result = 'gave-up'"),
      env.ORG_DB_ACME.prepare(
        "INSERT OR IGNORE INTO email_reconciliation (email_id, first_asked_at, last_asked_at, next_ask_at, last_result) SELECT id, 0, 0, NULL, 'gave-up' FROM emails",
      ),
    ]);
    const now = Date.now();
    const first = await sentEmail(env.ORG_DB_ACME, ORGS.acme, now);
    const second = await sentEmail(env.ORG_DB_ACME, ORGS.acme, now, 5 * HOUR - 1);
    const delivery = (e: typeof first) => insights(e, [{ Timestamp: (now - 4 * HOUR) / 1000, Type: 'DELIVERY' }]);
    await scriptHost(HOST, [account('ENABLED'), delivery(first), delivery(second)]);
    const status = await call('GET');
    expect(await status.json()).toMatchObject({
      status: 'ready',
      settings: { afterMs: 4 * HOUR, maxPerRun: 50 },
      organizations: [ORGS.acme, ORGS.globex, ORGS.initech],
    });
    const dry = await call('POST', { organizationId: ORGS.acme, dryRun: true });
    expect(await dry.json()).toMatchObject({
      status: 'done',
      dryRun: true,
      totals: { asked: 2, learned: 2, applied: 0 },
    });
    const asks = await env.ORG_DB_ACME.prepare(
      'SELECT count(*) AS n FROM email_reconciliation WHERE email_id IN (?, ?)',
    )
      .bind(first.emailId, second.emailId)
      .first<{ n: number }>();
    expect(asks?.n).toBe(0);

    const page = (await (await call('POST', { organizationId: ORGS.acme, limit: 1 })).json()) as {
      organizations: Array<{ next: string | null; applied: number }>;
    };
    expect(page.organizations[0]).toMatchObject({ applied: 1 });
    expect(page.organizations[0]?.next).toMatch(/^\d+:/);
    const rest = await call('POST', { organizationId: ORGS.acme, limit: 1, after: page.organizations[0]!.next });
    expect(await rest.json()).toMatchObject({ totals: { asked: 1, applied: 1 } });
    const statuses = await env.ORG_DB_ACME.prepare('SELECT status FROM emails WHERE id IN (?, ?)')
      .bind(first.emailId, second.emailId)
      .all();
    expect(statuses.results).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
  });

  it('answers 400 for a bad body, 404 for an unknown organisation, and not-configured without credentials', async () => {
    expect((await call('POST', { after: '1:x' })).status).toBe(400);
    expect((await call('POST', { organizationId: 'org-nope' })).status).toBe(404);
    const none = await call('POST', {}, { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    expect(await none.json()).toMatchObject({ status: 'not-configured' });
  });
});

describe('the reconcile-export scheduled job (bulk reconciliation)', () => {
  // The last UTC day that ended KURATCHI_RECONCILE_AFTER_HOURS (default 4 h) before NOW: just
  // after midnight, that is the day before yesterday.
  const DAY = 24 * HOUR;
  const day = new Date(Math.floor((NOW - DEFAULT_RECONCILE_SETTINGS.afterMs) / DAY) * DAY - DAY);
  const S3_URL = 's3://kuratchi-exports/ses/';

  it('is off without KURATCHI_RECONCILE_EXPORT_S3_URL, and refuses one that is not s3://bucket/prefix/', async () => {
    expect(await runCronLine(NOW, AWS)).toMatchObject({ outcome: 'ok', status: 'off' });
    const bad = await runCronLine(NOW, { ...AWS, KURATCHI_RECONCILE_EXPORT_S3_URL: 'https://kuratchi-exports/ses' });
    expect(bad).toMatchObject({ outcome: 'failed' });
    expect(String(bad?.['error'])).toMatch(
      /KURATCHI_RECONCILE_EXPORT_S3_URL: must be s3:\/\/bucket\/ or s3:\/\/bucket\/prefix\//,
    );
  });

  it('creates the export job of the last ended UTC day, signed, once; the row waits in the admin database', async () => {
    await env.ADMIN_DB.prepare('DELETE FROM reconcile_export_jobs').run();
    await scriptHost(HOST, [
      account('ENABLED'),
      { method: 'POST', pathPrefix: '/v2/email/export-jobs', json: { JobId: 'job-cron' } },
    ]);
    const settings = { ...AWS, KURATCHI_RECONCILE_EXPORT_S3_URL: S3_URL };
    expect(await runCronLine(NOW, settings)).toMatchObject({ outcome: 'ok', status: 'done', days: 1, created: 1 });
    const create = (await requestsTo(HOST)).filter((r) => new URL(r.url).pathname === '/v2/email/export-jobs');
    expect(create).toHaveLength(1);
    expect(create[0]?.headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/ses\//,
    );
    const end = day.getTime() + 24 * HOUR - 1;
    // REST-JSON timestamps are epoch seconds (API_CreateExportJob Request Syntax: `number`).
    expect(JSON.parse(create[0]!.body)).toEqual({
      ExportDataSource: {
        MessageInsightsDataSource: { StartDate: day.getTime() / 1000, EndDate: end / 1000, MaxResults: 10_000 },
      },
      ExportDestination: {
        DataFormat: 'JSON',
        S3Url: `${S3_URL}${day.toISOString().slice(0, 10)}/${day.getTime()}-${end}/`,
      },
    });
    const row = await env.ADMIN_DB.prepare('SELECT state, job_id FROM reconcile_export_jobs').all();
    expect(row.results).toEqual([{ state: 'export', job_id: 'job-cron' }]);
    // The next run creates nothing more for that day.
    const next = await runCronLine(NOW + 10 * 60_000, settings);
    expect(next).toMatchObject({ outcome: 'ok', days: 0, created: 0 });
  });

  async function runCronLine(at: number, overrides: Record<string, unknown>) {
    return (await runScheduled(at, overrides)).job('reconcile-export');
  }
});
