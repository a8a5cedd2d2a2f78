import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { buildSesEvent } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORGS, seedOrganizations, sentEmail, writes } from '../../../../../../test/support.js';

/**
 * `POST /api/ops/events/import` through the built Worker: bearer token, the body's bounds, one
 * outcome per record in order, a record imported twice counted once, a database error 503 with
 * the records to send again named `retry`.
 */
const TOKEN = 'ops-token-for-import-0123456789abcdef';

beforeAll(seedOrganizations);

async function importRecords(body: unknown, token: string | null = TOKEN, overrides: Record<string, unknown> = {}) {
  const ctx = createExecutionContext();
  const request = new Request('http://127.0.0.1/api/ops/events/import', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const response = await worker.fetch!(request as never, { ...env, KURATCHI_OPS_TOKEN: TOKEN, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const record = (eventType: 'Delivery' | 'Open', messageId: string) =>
  JSON.stringify(buildSesEvent({ eventType, messageId, time: new Date(Date.now() - 60_000) }));

describe('POST /api/ops/events/import', () => {
  it('answers one outcome per record, in order; the same records again are duplicates', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const records = [
      record('Delivery', sesMessageId),
      '{"eventType":"Received"}',
      record('Open', `ses-${crypto.randomUUID()}`),
    ];
    const first = await importRecords({ records });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ outcomes: ['applied', 'refused', 'parked'] });
    const again = await importRecords({ records });
    expect(await again.json()).toEqual({ outcomes: ['duplicate', 'refused', 'parked'] });
    const row = await env.ORG_DB_ACME.prepare('SELECT status FROM emails WHERE id = ?').bind(emailId).first();
    expect(row).toEqual({ status: 'delivered' });
    const event = await env.ORG_DB_ACME.prepare('SELECT source FROM email_events WHERE email_id = ?')
      .bind(emailId)
      .first();
    expect(event).toEqual({ source: 'import' });
  });

  it('answers `expired` for what retention already purged (45 days by default), records and parks nothing', async () => {
    const sentAt = new Date(Date.now() - 50 * 86_400_000);
    const late = (messageId: string, tags = {}) =>
      JSON.stringify(
        buildSesEvent({ eventType: 'Open', messageId, sentAt, time: new Date(sentAt.getTime() + 3_600_000), tags }),
      );
    // Its email and route purged: only its tag names the organisation.
    const purged = `ses-${crypto.randomUUID()}`;
    // Its email kept (the purge has not reached it yet), the event past the events retention.
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const response = await importRecords({
      records: [late(purged, { 'kuratchi-org-id': [ORGS.acme] }), late(sesMessageId)],
    });
    expect(await response.json()).toEqual({ outcomes: ['expired', 'expired'] });
    const parked = await env.ADMIN_DB.prepare('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id = ?')
      .bind(purged)
      .first();
    expect(parked).toEqual({ n: 0 });
    const row = await env.ORG_DB_ACME.prepare(
      'SELECT open_count, (SELECT count(*) FROM email_events WHERE email_id = ?1) AS events FROM emails WHERE id = ?1',
    )
      .bind(emailId)
      .first();
    expect(row).toEqual({ open_count: 0, events: 0 });
  });

  it('answers 503 naming the records to send again when the database is unavailable', async () => {
    const emailId = crypto.randomUUID();
    await env.ADMIN_DB.prepare(
      "INSERT INTO organizations (id, name, database_binding, created_at) VALUES ('org-gone-import', 'Gone', 'ORG_DB_GONE', 0) ON CONFLICT DO NOTHING",
    ).run();
    await env.ADMIN_DB.prepare("INSERT INTO email_message_lookup VALUES (?, 'org-gone-import', ?, 0)")
      .bind(`ses-${emailId}`, emailId)
      .run();
    const response = await importRecords({ records: [record('Delivery', `ses-${emailId}`), 'not json'] });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ outcomes: ['retry', 'refused'] });
  });

  it.each([
    ['no token', 401, null, { records: ['{}'] }],
    ['a wrong token', 401, 'x'.repeat(40), { records: ['{}'] }],
    ['not JSON', 400, TOKEN, 'nope'],
    ['no records', 400, TOKEN, { records: [] }],
    ['more than 100 records', 400, TOKEN, { records: Array.from({ length: 101 }, () => '{}') }],
    ['another field', 400, TOKEN, { records: ['{}'], org: 'x' }],
  ] as const)('%s: answers %i, nothing written', async (_name, status, token, body) => {
    const before = await writes();
    const response = await importRecords(body, token);
    expect(response.status).toBe(status);
    expect(await writes()).toBe(before);
  });

  it('without KURATCHI_OPS_TOKEN the API is off: 403', async () => {
    const response = await importRecords({ records: ['{}'] }, TOKEN, { KURATCHI_OPS_TOKEN: undefined });
    expect(response.status).toBe(403);
  });
});
