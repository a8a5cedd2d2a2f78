import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSession } from '../auth/sessions';
import { TEST_NOW } from '../../../../test/clock';
import { runScheduled } from '../../../../test/cron';
import { addUser, getPage, postForm } from '../../../../test/forms';
import { ORGS, seedOrganizations } from '../../../../test/support';

// Retention per organisation through the real Worker: the operations API and the Organisations
// page set it (bad days answer 400 and write nothing), the email log shows it to the
// organisation's admin, and the cron's retention-purge job deletes what is past it.

const TOKEN = 'ops-token-for-tests-0123456789abcdef';
const DAY = 86_400_000;

beforeAll(seedOrganizations);
afterEach(() => vi.restoreAllMocks());

async function ops(method: 'GET' | 'PUT', path: string, body?: unknown) {
  const ctx = createExecutionContext();
  const request = new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const response = await worker.fetch!(request as never, { ...env, KURATCHI_OPS_TOKEN: TOKEN }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const overrides = async () =>
  (
    await env.ADMIN_DB.prepare(
      'SELECT organization_id AS id, events_days AS e, emails_days AS m, archive_days AS a FROM organization_retention',
    ).all()
  ).results;

describe('setting an organisation’s retention', () => {
  it('the operations API refuses bad days with 400 naming the field, an unknown organisation with 404, and writes nothing', async () => {
    for (const body of [
      { emailsDays: 0 },
      { emailsDays: 4000 },
      { eventsDays: 'seven' },
      { eventsDays: 60, emailsDays: 30 },
      { emailsDays: 10, other: 1 },
    ]) {
      const answer = await ops('PUT', `/api/ops/organizations/${ORGS.acme}/retention`, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(await answer.json()).toMatchObject({ error: 'invalid-request' });
    }
    expect((await ops('PUT', `/api/ops/organizations/${ORGS.acme}/retention`, 'not json')).status).toBe(400);
    const missing = await ops('PUT', '/api/ops/organizations/org-nobody/retention', { emailsDays: 10 });
    expect(missing.status).toBe(404);
    expect(await overrides()).toEqual([]);

    const bad = await (await ops('PUT', `/api/ops/organizations/${ORGS.acme}/retention`, { emailsDays: 0 })).json();
    expect(bad).toMatchObject({ message: 'emailsDays: emailsDays must be at least 1 day' });
  });

  it('the operations API sets and reads it; absent fields take the deployment’s defaults', async () => {
    const set = await ops('PUT', `/api/ops/organizations/${ORGS.globex}/retention`, { emailsDays: 30 });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({
      retention: { override: { eventsDays: null, emailsDays: 30 }, effective: { eventsDays: 30, emailsDays: 30 } },
    });
    // (KURATCHI_RETENTION_EVENTS_DAYS defaults to 45, longer than 30: the effective events days follow the emails.)
    const read = await (await ops('GET', `/api/ops/organizations/${ORGS.globex}/retention`)).json();
    expect(read).toMatchObject({ retention: { updatedBy: 'ops-api' } });
    await ops('PUT', `/api/ops/organizations/${ORGS.globex}/retention`, {});
    expect(await overrides()).toEqual([]);
  });

  it('the operations API sets, reads and clears the archive days alone; one not in the choices answers 400, nothing written', async () => {
    const path = `/api/ops/organizations/${ORGS.globex}/retention`;
    for (const archiveDays of [31, 0, 4000, '30', 'thirty', 30.5]) {
      const answer = await ops('PUT', path, { emailsDays: 30, archiveDays });
      expect(answer.status, JSON.stringify(archiveDays)).toBe(400);
      expect(await answer.json()).toEqual({
        error: 'invalid-request',
        message: 'archiveDays: archiveDays must be one of 7, 14, 30, 45, 60, 90, 180, 365, 730, 1095, 1825, 3650 days',
      });
    }
    expect(await overrides()).toEqual([]);

    const set = await ops('PUT', path, { archiveDays: 365 });
    expect(set.status).toBe(200);
    expect(await overrides()).toEqual([{ id: ORGS.globex, e: null, m: null, a: 365 }]);
    const read = await (await ops('GET', path)).json();
    expect(read).toMatchObject({
      retention: {
        override: { eventsDays: null, emailsDays: null, archiveDays: 365 },
        effective: { eventsDays: 45, emailsDays: 45 },
        archive: { days: 365 },
      },
    });
    // A PUT states the whole override: without archiveDays, the archive takes the default again.
    await ops('PUT', path, { emailsDays: 30 });
    expect(await overrides()).toEqual([{ id: ORGS.globex, e: null, m: 30, a: null }]);
    await ops('PUT', path, { archiveDays: 90 });
    await ops('PUT', path, { eventsDays: null, emailsDays: null, archiveDays: null });
    expect(await overrides()).toEqual([]);
    expect(await (await ops('GET', path)).json()).toMatchObject({
      retention: { override: null, archive: { days: 45 } },
    });
  });

  it('the answer states the archive days in force (its own, else the deployment’s) and warns when the emails days differ', async () => {
    const put = async (emailsDays: number | null, archiveDays: number | null = null) =>
      (
        (await (
          await ops('PUT', `/api/ops/organizations/${ORGS.globex}/retention`, { emailsDays, archiveDays })
        ).json()) as {
          retention: { archive: { days: number; warning: string | null } };
        }
      ).retention.archive;
    // KURATCHI_RETENTION_ARCHIVE_DAYS defaults to 45, as the emails days do.
    expect(await put(null)).toEqual({ days: 45, warning: null });
    expect(await put(7)).toEqual({
      days: 45,
      warning:
        'Its archived raw SNS messages, with recipient addresses, are kept 45 days (the deployment default, ' +
        'KURATCHI_RETENTION_ARCHIVE_DAYS), 38 days longer than these emails.',
    });
    expect(await put(365)).toEqual({ days: 45, warning: expect.stringContaining('archive-expired') });
    // Its own archive days: as long as its emails, no warning; shorter or longer, the warning names them.
    expect(await put(365, 365)).toEqual({ days: 365, warning: null });
    expect(await put(null, 7)).toEqual({
      days: 7,
      warning:
        'Its archived raw SNS messages are kept 7 days only (its archive days): proofs of older emails list ' +
        'their events as archive-expired, and a rebuild cannot restore them.',
    });
    expect(await put(30, 45)).toEqual({
      days: 45,
      warning: expect.stringContaining('are kept 45 days (its archive days), 15 days longer than these emails'),
    });
    const read = await (await ops('GET', `/api/ops/organizations/${ORGS.globex}/retention`)).json();
    expect(read).toMatchObject({ retention: { archive: { days: 45, warning: expect.stringContaining('15 days') } } });
    await ops('PUT', `/api/ops/organizations/${ORGS.globex}/retention`, {});
  });

  it('only a superadmin sets it on the Organisations page; bad days answer 400; the admin sees it in the email log', async () => {
    const superId = await addUser(`root-${crypto.randomUUID()}@kuratchi.test`, 'pw', { role: 'superadmin' });
    const adminId = await addUser(`admin-${crypto.randomUUID()}@acme.test`, 'pw');
    const session = async (id: string) =>
      `kuratchi_session=${(await createSession(env.ADMIN_DB, { id, organizationId: ORGS.acme }, Date.now())).token}`;
    const [root, admin] = [await session(superId), await session(adminId)];
    const form = { organizationId: ORGS.acme, emailsDays: '20', eventsDays: '10', archiveDays: '' };
    const text = async (response: Response) => (await response.text()).replace(/<[^>]*>/g, '').replace(/\s+/g, ' ');
    const archiveSelect = (page: string) =>
      new RegExp(`data-retention-for="${ORGS.acme}"[^]*?(<select[^>]*name="archiveDays"[^]*?</select>)`).exec(
        page,
      )![1]!;

    expect((await postForm('/admin/organizations?/retention', form, { cookie: admin })).status).toBe(403);
    const bad = await postForm('/admin/organizations?/retention', { ...form, eventsDays: '1.5' }, { cookie: root });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('eventsDays must be a whole number of days');
    const badArchive = await postForm(
      '/admin/organizations?/retention',
      { ...form, archiveDays: '31' },
      { cookie: root },
    );
    expect(badArchive.status).toBe(400);
    expect(await text(badArchive)).toContain(
      'archiveDays: archiveDays must be one of 7, 14, 30, 45, 60, 90, 180, 365, 730, 1095, 1825, 3650 days',
    );
    expect(await overrides()).toEqual([]);

    // The select offers the deployment's default (its days named) and each choice, the default chosen.
    const before = archiveSelect(await (await getPage('/admin/organizations', { cookie: root })).text());
    expect(before).toMatch(/<option value="" selected[^>]*>deployment default \(45 days\)/);
    expect([...before.matchAll(/<option value="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([
      7, 14, 30, 45, 60, 90, 180, 365, 730, 1095, 1825, 3650,
    ]);

    const saved = await postForm('/admin/organizations?/retention', form, { cookie: root });
    expect(saved.status).toBeLessThan(400);
    expect(await text(saved)).toContain(
      'applies it. Its archived raw SNS messages, with recipient addresses, are kept 45 days (the deployment default',
    );
    expect(await overrides()).toEqual([{ id: ORGS.acme, e: 10, m: 20, a: null }]);
    const page = await (await getPage('/admin/organizations', { cookie: root })).text();
    expect(page).toContain('data-effective="20/10"');
    expect(page).toMatch(/data-archive-days="45"[^]{0,200}data-testid="archive-warning"[^>]*>[^<]*25 days longer/);
    expect(page.replace(/\s+/g, ' ')).toContain(
      'A change of archive days applies to messages archived from then on; earlier ones keep the days they were archived with.',
    );

    // Its own archive days, 30: stored, chosen in the select, shown to its admin.
    await postForm('/admin/organizations?/retention', { ...form, archiveDays: '30' }, { cookie: root });
    expect(await overrides()).toEqual([{ id: ORGS.acme, e: 10, m: 20, a: 30 }]);
    const after = await (await getPage('/admin/organizations', { cookie: root })).text();
    expect(archiveSelect(after)).toMatch(/<option value="30" selected/);
    expect(after).toMatch(/data-archive-days="30"[^]{0,200}data-testid="archive-warning"[^>]*>[^<]*10 days longer/);
    const log = await (await getPage('/emails', { cookie: admin })).text();
    expect(log.replace(/\s+/g, ' ')).toContain(
      'Emails are kept 20 days, their events 10 days, archived raw SNS messages 30 days (set by a superadmin)',
    );
  });
});

describe('the retention-purge cron job', () => {
  it("deletes Acme's emails past its retention with their routes, keeps the newer ones, and says what it did", async () => {
    const db = env.ORG_DB_ACME;
    const at = TEST_NOW.getTime();
    await env.ADMIN_DB.prepare(
      `INSERT OR REPLACE INTO organization_retention (organization_id, events_days, emails_days, updated_at, updated_by)
       VALUES (?, 10, 20, 0, 'test')`,
    )
      .bind(ORGS.acme)
      .run();
    for (const [id, age] of [
      ['purge-old', 25],
      ['purge-new', 5],
    ] as const) {
      await db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at)
           VALUES (?, 'to@example.com', 'from@example.com', 'Retention', 'delivered', ?, ?, ?)`,
        )
        .bind(id, `ses-${id}`, at - age * DAY, at - age * DAY)
        .run();
      await env.ADMIN_DB.prepare(
        `INSERT INTO email_message_lookup (ses_message_id, organization_id, email_id, created_at) VALUES (?, ?, ?, ?)`,
      )
        .bind(`ses-${id}`, ORGS.acme, id, at - age * DAY)
        .run();
    }
    const run = await runScheduled(TEST_NOW);
    expect(run.job('retention-purge')).toMatchObject({ outcome: 'ok', failures: [], left: 0 });
    expect(Number(run.job('retention-purge')!['emailsDeleted'])).toBeGreaterThanOrEqual(1);
    const ids = (await db.prepare("SELECT id FROM emails WHERE id LIKE 'purge-%'").all()).results.map((r) => r.id);
    expect(ids).toEqual(['purge-new']);
    const routes = await env.ADMIN_DB.prepare(
      "SELECT email_id AS id FROM email_message_lookup WHERE email_id LIKE 'purge-%'",
    ).all();
    expect(routes.results).toEqual([{ id: 'purge-new' }]);
  });

  it('a bad retention setting fails the job alone, naming the variable', async () => {
    const run = await runScheduled(TEST_NOW, { KURATCHI_RETENTION_EMAILS_DAYS: '0' });
    expect(run.job('retention-purge')).toMatchObject({ outcome: 'failed' });
    expect(String(run.job('retention-purge')!['error'])).toContain('KURATCHI_RETENTION_EMAILS_DAYS');
    expect(run.job('alerts')).toMatchObject({ outcome: 'ok' });
  });
});

describe('the rollup-backfill cron job', () => {
  it('counts the emails older than the rollups before the purge runs; meanwhile the overview says so and a move is refused', async () => {
    const db = env.ORG_DB_ACME;
    const sentAt = TEST_NOW.getTime() - DAY;
    // As org migration 0011 leaves Acme at the deploy that brings the job (which has visited nobody yet):
    // a marker over emails no trigger counted.
    await env.ADMIN_DB.prepare('DELETE FROM rollup_backfill_progress').run();
    const highest = Number(await db.prepare('SELECT coalesce(max(rowid), 0) AS n FROM emails').first('n'));
    await db
      .prepare('INSERT INTO email_rollups_backfill (id, high_water, cursor) VALUES (1, ?, ?)')
      .bind(highest + 2, highest)
      .run();
    const sent = async () =>
      Number(
        (await db
          .prepare(`SELECT count FROM email_rollups WHERE day = ? AND metric = 'sent' AND key = ''`)
          .bind(Math.floor(sentAt / DAY))
          .first('count')) ?? 0,
      );
    const before = await sent();
    for (const id of ['backfill-1', 'backfill-2'])
      await db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at, sent_at)
           VALUES (?, 'to@example.com', 'from@example.com', 'Backfill', 'sent', ?, ?, ?)`,
        )
        .bind(id, sentAt, sentAt, sentAt)
        .run();
    expect(await sent()).toBe(before);

    const adminId = await addUser(`admin-${crypto.randomUUID()}@acme.test`, 'pw');
    const cookie = `kuratchi_session=${(await createSession(env.ADMIN_DB, { id: adminId, organizationId: ORGS.acme }, Date.now())).token}`;
    expect(await (await getPage('/emails/overview', { cookie })).text()).toContain('data-testid="rollup-backfill"');
    const ctx = createExecutionContext();
    const move = await worker.fetch!(
      new Request(`http://127.0.0.1/api/ops/organizations/${ORGS.acme}/move`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ step: 'start' }),
      }) as never,
      { ...env, KURATCHI_OPS_TOKEN: TOKEN },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(move.status).toBe(409);
    expect(await move.json()).toMatchObject({ error: 'backfilling' });

    const run = await runScheduled(TEST_NOW);
    expect(run.job('rollup-backfill')).toMatchObject({ outcome: 'ok', failures: [], left: 0 });
    expect(run.job('retention-purge')).toMatchObject({ outcome: 'ok', waitingForBackfill: 0 });
    expect(await sent()).toBe(before + 2);
    expect(await db.prepare('SELECT 1 FROM email_rollups_backfill').first()).toBeNull();
    expect(await (await getPage('/emails/overview', { cookie })).text()).not.toContain('data-testid="rollup-backfill"');
  });
});
