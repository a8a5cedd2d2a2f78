import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../../lib/server/auth/sessions';
import { ORGS, seedOrganizations } from '../../../../test/support.js';
import { addUser, APP_ORIGIN } from '../../../../test/forms.js';

/**
 * The daily totals CSV (`/emails/export.csv?per=day`) through the real build: read from the daily
 * rollups (org migration 0011), so a day's totals stay once its emails are deleted.
 */
const DAY_MS = 86_400_000;
const db = env.ORG_DB_ACME;
// A day of its own, ten days ago (other files' rows stay out of it), at noon UTC.
const day = (Math.floor(Date.now() / DAY_MS) - 10) * DAY_MS;
const iso = new Date(day).toISOString().slice(0, 10);
let cookie: string;

beforeAll(async () => {
  await seedOrganizations();
  const userId = await addUser(`daily-${crypto.randomUUID()}@acme.test`, 'pw');
  const { token } = await createSession(env.ADMIN_DB, { id: userId, organizationId: ORGS.acme }, Date.now());
  cookie = `kuratchi_session=${token}`;
  const at = day + DAY_MS / 2;
  await db.batch(
    [
      ['daily-1', 'delivered', null],
      ['daily-2', 'bounced', 'Transient'],
      ['daily-3', 'bounced', 'Permanent'],
    ].map(([id, status, bounceType]) =>
      db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at, sent_at, delivered_at,
                               bounced_at, bounce_type)
           VALUES (?, 'r@example.com', 's@example.com', 'Hi', ?, ?3, ?3, ?3, ?4, ?5, ?6)`,
        )
        .bind(id, status, at, bounceType ? null : at + 1, bounceType ? at + 1 : null, bounceType),
    ),
  );
});

async function get(path: string): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`${APP_ORIGIN}${path}`, { headers: { cookie }, redirect: 'manual' });
  const response = await worker.fetch!(request as never, { ...env }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('GET /emails/export.csv?per=day', () => {
  it("has a line per UTC day of the range with that day's totals, kept after the emails are deleted", async () => {
    const csv = async () => {
      const response = await get(`/emails/export.csv?per=day&from=${iso}&to=${iso}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      return (await response.text()).split('\r\n');
    };
    const [header, line, end] = await csv();
    expect(header).toBe(
      'day,sent,delivered,opened,opened_by_people,clicked,clicked_by_people,bounced,bounced_permanent,' +
        'bounced_transient,bounced_undetermined,complained,rejected,failed,recipients_sent,recipients_bounced,' +
        'recipients_complained',
    );
    expect(line).toBe(`"${iso}",3,1,0,0,0,0,2,1,1,0,0,0,0,0,0,0`);
    expect(end).toBe('');
    await db.prepare(`DELETE FROM emails WHERE id LIKE 'daily-%'`).run();
    expect((await csv())[1]).toBe(line);
  });

  it('defaults to the 30 days ending today, and refuses a range that is not 1 to 3,660 days', async () => {
    const text = await (await get('/emails/export.csv?per=day')).text();
    expect(text.trim().split('\r\n')).toHaveLength(31);
    expect(text).toContain(`"${new Date().toISOString().slice(0, 10)}"`);
    expect((await get(`/emails/export.csv?per=day&from=${iso}&to=2000-01-01`)).status).toBe(400);
    expect((await get('/emails/export.csv?per=day&from=1990-01-01&to=2020-01-01')).status).toBe(400);
  });
});
