import { env } from 'cloudflare:test';
import { DATABASE_SIZE_LIMIT_BYTES, orgDatabaseSize } from 'kuratchi-sdk/internal/d1';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { initechDatabase, ORGS, seedOrganizations, sentEmail } from '../../../../test/support.js';
import { addUser, getPage } from '../../../../test/forms.js';
import { storageAlertProvider } from '../alerts/providers/storage';
import { createSession } from '../auth/sessions';
import {
  measureOrganizationStorage,
  readOrganizationStorage,
  STORAGE_CRITICAL_FRACTION,
  STORAGE_MEASURE_EVERY_MS,
  STORAGE_ROWS_EVERY_MS,
  STORAGE_WARN_FRACTION,
} from './storage';

// Time is an input: measurements are stamped with the pinned `now` and its offsets. Real D1
// (Acme) and a real SQLite Durable Object (Initech); the admin database is shared with other test
// files, so assertions name these two organisations only.
const now = TEST_NOW.getTime();
const testEnv = env as unknown as DashboardEnv;

/** What the measurement must have found, read live from the database. */
async function live(db: D1Database) {
  const one = async (sql: string) => (await db.prepare(sql).first<{ n: number | null }>())!.n;
  return {
    databaseBytes: await orgDatabaseSize(db),
    emails: await one('SELECT count(*) AS n FROM emails'),
    emailEvents: await one('SELECT count(*) AS n FROM email_events'),
    emailRecipients: await one('SELECT count(*) AS n FROM email_recipients'),
    oldestEventAt: await one('SELECT min(occurred_at) AS n FROM email_events'),
  };
}

beforeAll(async () => {
  await seedOrganizations();
  await sentEmail(env.ORG_DB_ACME, ORGS.acme);
  const { emailId, sesMessageId } = await sentEmail(initechDatabase(), ORGS.initech);
  await initechDatabase()
    .prepare(
      `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token)
       VALUES (?, ?, ?, 'Send', ?, '{}', ?, 't')`,
    )
    .bind(crypto.randomUUID(), emailId, sesMessageId, now - 3_600_000, now)
    .run();
});

// Other files' cron runs measure on the real clock: start each test from no measurement of these two.
beforeEach(async () => {
  await env.ADMIN_DB.prepare('DELETE FROM organization_storage WHERE organization_id IN (?, ?)')
    .bind(ORGS.acme, ORGS.initech)
    .run();
});

describe('storage-measure (pinned now)', () => {
  it('records each organisation’s size, rows and oldest event, on D1 and on a Durable Object', async () => {
    // Every organisation of the shared database is due once; some of other files' point nowhere.
    await measureOrganizationStorage(testEnv, now, 10_000);
    const storage = await readOrganizationStorage(env.ADMIN_DB);
    const acme = storage[ORGS.acme]!;
    const initech = storage[ORGS.initech]!;
    expect(acme).toMatchObject({ databaseKind: 'd1', measuredAt: now, ...(await live(env.ORG_DB_ACME)) });
    expect(initech).toMatchObject({
      databaseKind: 'durable-object',
      measuredAt: now,
      ...(await live(initechDatabase())),
    });
    expect(initech.emails).toBeGreaterThanOrEqual(1);
    expect(initech.oldestEventAt).not.toBeNull();
    expect(initech.databaseBytes).toBeGreaterThan(0);
    expect(initech.fractionOfLimit).toBe(initech.databaseBytes! / DATABASE_SIZE_LIMIT_BYTES);

    expect([acme.rowsMeasuredAt, initech.rowsMeasuredAt]).toEqual([now, now]);

    // Not measured again until its measurement is old; then its size again, its rows only once
    // they are a day old (a count reads every row): an email sent since shows in the next day's.
    await measureOrganizationStorage(testEnv, now + STORAGE_MEASURE_EVERY_MS - 1, 10_000);
    expect((await readOrganizationStorage(env.ADMIN_DB))[ORGS.acme]!.measuredAt).toBe(now);
    await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const acmeNow = await live(env.ORG_DB_ACME);
    expect(acmeNow.emails).toBe(acme.emails! + 1);
    await measureOrganizationStorage(testEnv, now + STORAGE_MEASURE_EVERY_MS, 10_000);
    expect((await readOrganizationStorage(env.ADMIN_DB))[ORGS.acme]).toMatchObject({
      measuredAt: now + STORAGE_MEASURE_EVERY_MS,
      databaseBytes: acmeNow.databaseBytes,
      emails: acme.emails,
      rowsMeasuredAt: now,
    });
    await measureOrganizationStorage(testEnv, now + STORAGE_ROWS_EVERY_MS, 10_000);
    expect((await readOrganizationStorage(env.ADMIN_DB))[ORGS.acme]).toMatchObject({
      measuredAt: now + STORAGE_ROWS_EVERY_MS,
      rowsMeasuredAt: now + STORAGE_ROWS_EVERY_MS,
      ...acmeNow,
    });
  });

  it('raises the storage alert before 80 % (warning), critical from 80 %, none below', async () => {
    await measureOrganizationStorage(testEnv, now, 10_000);
    const setBytes = (bytes: number) =>
      env.ADMIN_DB.prepare('UPDATE organization_storage SET database_bytes = ? WHERE organization_id = ?')
        .bind(bytes, ORGS.acme)
        .run();
    const acmeConditions = async () =>
      (
        (await storageAlertProvider(testEnv)(TEST_NOW)) as Array<{
          organizationId: string;
          key: string;
          severity: string;
          title: string;
        }>
      ).filter((c) => c.organizationId === ORGS.acme);

    await setBytes(Math.floor(STORAGE_WARN_FRACTION * DATABASE_SIZE_LIMIT_BYTES) - 1);
    expect(await acmeConditions()).toEqual([]);
    await setBytes(STORAGE_WARN_FRACTION * DATABASE_SIZE_LIMIT_BYTES);
    expect(await acmeConditions()).toMatchObject([
      {
        key: `storage-warn:${ORGS.acme}`,
        severity: 'warning',
        title: `${ORGS.acme}: its database holds 7 GB of 10 GB (70 %)`,
      },
    ]);
    await setBytes(STORAGE_CRITICAL_FRACTION * DATABASE_SIZE_LIMIT_BYTES);
    expect(await acmeConditions()).toMatchObject([{ key: `storage-critical:${ORGS.acme}`, severity: 'critical' }]);
    // The next measurement puts the real size back.
    await measureOrganizationStorage(testEnv, now + 2 * STORAGE_MEASURE_EVERY_MS, 10_000);
    expect(await acmeConditions()).toEqual([]);
  });

  it('the Organisations page shows each measured database against its 10 GB, and says when one is not measured', async () => {
    await measureOrganizationStorage(testEnv, now, 10_000);
    await env.ADMIN_DB.prepare('UPDATE organization_storage SET database_bytes = ? WHERE organization_id = ?')
      .bind(7.5e9, ORGS.acme)
      .run();
    await env.ADMIN_DB.prepare('DELETE FROM organization_storage WHERE organization_id = ?').bind(ORGS.globex).run();
    const superId = await addUser(`root-${crypto.randomUUID()}@kuratchi.test`, 'pw', { role: 'superadmin' });
    const { token } = await createSession(env.ADMIN_DB, { id: superId, organizationId: ORGS.acme }, Date.now());
    const page = await getPage('/admin/organizations', { cookie: `kuratchi_session=${token}` });
    expect(page.status).toBe(200);
    const html = await page.text();
    const row = (org: string) => html.slice(html.indexOf(`data-organization="${org}"`)).split('</tr>')[0]!;
    const initech = (await readOrganizationStorage(env.ADMIN_DB))[ORGS.initech]!;
    expect(row(ORGS.acme)).toMatch(/badge-warning">\s*7.5 GB · 75 % of 10 GB/);
    expect(row(ORGS.initech)).toContain(`${initech.emails!.toLocaleString('en')} emails`);
    expect(row(ORGS.initech)).toContain(
      `oldest event ${new Date(initech.oldestEventAt!).toISOString().replace('T', ' ').slice(0, 16)}`,
    );
    expect(row(ORGS.globex)).toContain('size not measured yet');
  });

  it('an organisation that cannot be measured keeps its last measurement, says why, and does not hold up the others', async () => {
    const id = `org-unbound-${crypto.randomUUID().slice(0, 8)}`;
    await env.ADMIN_DB.prepare(
      `INSERT INTO organizations (id, name, database_kind, database_binding, created_at) VALUES (?, 'Unbound', 'd1', ?, 0)`,
    )
      .bind(id, `NO_SUCH_BINDING_${id}`)
      .run();
    const at = now + 10 * STORAGE_MEASURE_EVERY_MS;
    const first = await measureOrganizationStorage(testEnv, at, 10_000);
    expect(first.failed).toContainEqual({
      organizationId: id,
      error: expect.stringMatching(/not bound to this Worker/),
    });
    const row = (await readOrganizationStorage(env.ADMIN_DB))[id]!;
    expect(row).toMatchObject({ measuredAt: null, databaseBytes: null, attemptedAt: at, fractionOfLimit: 0 });
    expect(row.error).toMatch(/not bound to this Worker/);
    // Not tried again before it is due: a run with a budget of one measures someone else.
    await env.ADMIN_DB.prepare('DELETE FROM organization_storage WHERE organization_id = ?').bind(ORGS.acme).run();
    const next = await measureOrganizationStorage(testEnv, at + 1, 1);
    expect(next).toEqual({ measured: 1, failed: [] });
    expect((await readOrganizationStorage(env.ADMIN_DB))[ORGS.acme]!.measuredAt).toBe(at + 1);
    await env.ADMIN_DB.batch([
      env.ADMIN_DB.prepare('DELETE FROM organization_storage WHERE organization_id = ?').bind(id),
      env.ADMIN_DB.prepare('DELETE FROM organizations WHERE id = ?').bind(id),
    ]);
  });
});
