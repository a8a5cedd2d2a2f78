import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../../lib/server/auth/sessions';
import { ORGS, seedOrganizations } from '../../../../test/support.js';
import { addUser, APP_ORIGIN } from '../../../../test/forms.js';

/**
 * The search box (`q`) through the real build: the log page and the CSV export read the same
 * filter, so the export holds exactly what the search shows (CC addresses and subjects included).
 */
let cookie: string;
const m = `srch${crypto.randomUUID().replaceAll('-', '').slice(0, 10)}`;
const db = env.ORG_DB_ACME;
const at = Date.now() - 3_600_000;

beforeAll(async () => {
  await seedOrganizations();
  const userId = await addUser(`search-${m}@acme.test`, 'pw');
  const { token } = await createSession(env.ADMIN_DB, { id: userId, organizationId: ORGS.acme }, Date.now());
  cookie = `kuratchi_session=${token}`;
  const emails = [
    [`${m}-1`, `to.${m}@a.example`, 'Invoice', 'delivered'],
    [`${m}-2`, `other.${m}@a.example`, 'Your refund', 'bounced'],
    [`${m}-3`, 'unrelated@a.example', `Refund ${m}`, 'delivered'],
    [`${m}-4`, 'nobody@a.example', 'Invoice', 'delivered'],
  ] as const;
  for (const [i, [id, recipient, subject, status]] of emails.entries()) {
    await db
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at)
         VALUES (?, ?, 's@example.com', ?, ?, ?, ?)`,
      )
      .bind(id, recipient, subject, status, at + i, at + i)
      .run();
    await db
      .prepare(`INSERT INTO email_recipients (email_id, address, kind, status) VALUES (?, ?, 'to', ?)`)
      .bind(id, recipient, status)
      .run();
  }
  await db
    .prepare(`INSERT INTO email_recipients (email_id, address, kind) VALUES (?, ?, 'cc')`)
    .bind(`${m}-4`, `boss.${m}@b.example`)
    .run();
});

async function get(path: string): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`${APP_ORIGIN}${path}`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
  const response = await worker.fetch!(request as never, { ...env }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const idsIn = (text: string) => [...text.matchAll(new RegExp(`${m}-\\d`, 'g'))].map(([id]) => id);

describe('GET /emails?q= and /emails/export.csv?q= on the real build', () => {
  it('the log shows the search box and the emails that match, newest first', async () => {
    const page = await get(`/emails?q=${encodeURIComponent(m.toUpperCase())}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Search recipient, subject or message id');
    expect([...new Set(idsIn(html))]).toEqual([`${m}-4`, `${m}-3`, `${m}-2`, `${m}-1`]);
    expect([...new Set(idsIn(await (await get(`/emails?q=boss.${m}`)).text()))]).toEqual([`${m}-4`]);
  });

  it('the CSV export holds exactly the searched emails, with the other filters too', async () => {
    const csv = async (query: string) => {
      const response = await get(`/emails/export.csv?${query}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      return idsIn(await response.text());
    };
    expect(await csv(`q=${m}`)).toEqual([`${m}-4`, `${m}-3`, `${m}-2`, `${m}-1`]);
    expect(await csv(`q=${encodeURIComponent(`refund ${m}`)}`)).toEqual([`${m}-3`, `${m}-2`]);
    expect(await csv(`q=${m}&status=bounced`)).toEqual([`${m}-2`]);
    // Literal text: the quotes are part of the term (no email has them), OR and * are too short.
    expect(await csv(`q=${encodeURIComponent(`"${m}" OR *`)}`)).toEqual([]);
    expect(await csv(`q=${encodeURIComponent(`invoice ${m}`)}`)).toEqual([`${m}-4`, `${m}-1`]);
    // Per recipient: the found email's every recipient (To and the CC that matched).
    expect(await csv(`q=boss.${m}&per=recipient`)).toEqual([`${m}-4`, `${m}-4`]);
  });
});
