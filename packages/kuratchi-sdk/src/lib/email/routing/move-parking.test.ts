import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { d1SinkPorts, insertEmail, releaseD1Binding } from '../../../../test/seed.js';
import { createD1AdminStore } from './d1-admin-store.js';
import { createD1DeadLetterStore } from './d1-dead-letter-store.js';
import { abortOrgMove, startOrgMove } from '../organizations/org-move.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { replayDeadLetters } from './dead-letters.js';
import { drainParkedEvents, sweepParkedEvents } from './park-sweep.js';
import { recordSesEvent } from './record.js';

/**
 * Direct mode (the webhook records each event itself) while an organisation is moved to its
 * Durable Object: its database is refused (`organization-moving`), so each event is parked in the
 * admin database as `org-moving` (answered 200 `parked`: SNS's retry window, a minute by default,
 * is no limit on how long a move may take), left alone by the sweep while the move lasts, and
 * applied where the organisation lives once it ends: here, on D1 after an abort.
 */
const NOW = TEST_NOW;
const ports = () => d1SinkPorts(() => NOW);

async function movingOrganization() {
  const organizationId = `org-moving-${crypto.randomUUID().slice(0, 8)}`;
  await releaseD1Binding('ORG_DB_GLOBEX');
  await env.ADMIN_DB.prepare(
    `INSERT INTO organizations (id, name, database_binding, created_at) VALUES (?, 'Moving', 'ORG_DB_GLOBEX', 0)`,
  )
    .bind(organizationId)
    .run();
  const emailId = `email-${organizationId}`;
  const sesMessageId = `ses-${emailId}`;
  await insertEmail(env.ORG_DB_GLOBEX, { id: emailId, sesMessageId });
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(sesMessageId, organizationId, emailId)
    .run();
  await startOrgMove(env.ADMIN_DB, organizationId, NOW.getTime());
  const event = (eventType: 'Delivery' | 'Open', minutes: number) =>
    buildSesEvent({ eventType, messageId: sesMessageId, time: new Date(NOW.getTime() - minutes * 60_000) });
  const parkedRows = () =>
    env.ADMIN_DB.prepare('SELECT sns_message_id, reason FROM parked_email_events WHERE ses_message_id = ? ORDER BY 1')
      .bind(sesMessageId)
      .all()
      .then((r) => r.results);
  const row = () =>
    env.ORG_DB_GLOBEX.prepare('SELECT status, open_count FROM emails WHERE id = ?').bind(emailId).first();
  const events = () =>
    env.ORG_DB_GLOBEX.prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?').bind(emailId).first('n');
  return { organizationId, sesMessageId, event, parkedRows, row, events };
}

describe('direct mode while an organisation moves', () => {
  it('parks its events (200 parked, once each), leaves them to the move, applies them after the abort', async () => {
    const org = await movingOrganization();
    const parkedBefore = (await createD1AdminStore(env.ADMIN_DB).countParkedEvents(10_000)).parked;

    expect(await recordSesEvent(ports(), 'sns-a', org.event('Delivery', 10))).toEqual({
      outcome: 'parked',
      organizationId: org.organizationId,
    });
    expect(await recordSesEvent(ports(), 'sns-b', org.event('Open', 5))).toEqual({
      outcome: 'parked',
      organizationId: org.organizationId,
    });
    // SNS delivering the same message again parks nothing more.
    expect((await recordSesEvent(ports(), 'sns-a', org.event('Delivery', 10))).outcome).toBe('parked');
    expect(await org.parkedRows()).toEqual([
      { sns_message_id: 'sns-a', reason: 'org-moving' },
      { sns_message_id: 'sns-b', reason: 'org-moving' },
    ]);
    expect(await org.events()).toBe(0);
    // Counted as waiting (the health panel's "parked"), not as orphaned.
    expect((await createD1AdminStore(env.ADMIN_DB).countParkedEvents(10_000)).parked).toBe(parkedBefore + 2);

    // Neither the sweep nor a drain touches them while the organisation still moves.
    await sweepParkedEvents(ports(), { now: NOW });
    expect(await drainParkedEvents(ports(), { organizationId: org.organizationId, now: NOW })).toEqual({
      applied: 0,
      duplicates: 0,
      orphaned: 0,
      expired: 0,
      more: false,
    });
    expect(await org.parkedRows()).toHaveLength(2);

    await abortOrgMove(env.ADMIN_DB, org.organizationId);
    expect(await drainParkedEvents(ports(), { organizationId: org.organizationId, now: NOW, limit: 1 })).toEqual({
      applied: 1,
      duplicates: 0,
      orphaned: 0,
      expired: 0,
      more: true,
    });
    expect(await drainParkedEvents(ports(), { organizationId: org.organizationId, now: NOW, limit: 1 })).toMatchObject({
      applied: 1,
      more: true,
    });
    expect(await drainParkedEvents(ports(), { organizationId: org.organizationId, now: NOW, limit: 1 })).toMatchObject({
      applied: 0,
      more: false,
    });
    expect(await org.parkedRows()).toEqual([]);
    expect(await org.row()).toEqual({ status: 'delivered', open_count: 1 });
    expect(await org.events()).toBe(2);
  });

  it('the scheduled sweep applies what a drain left, once the move has ended', async () => {
    const org = await movingOrganization();
    await recordSesEvent(ports(), `sns-${org.organizationId}`, org.event('Delivery', 3));
    await abortOrgMove(env.ADMIN_DB, org.organizationId);

    const report = await sweepParkedEvents(ports(), { now: NOW, maxApplied: 500 });
    expect(report.applied).toBeGreaterThanOrEqual(1);
    expect(await org.parkedRows()).toEqual([]);
    expect(await org.row()).toEqual({ status: 'delivered', open_count: 0 });
  });

  it('a dead letter replayed while its organisation moves stays, marked org-moving, and applies after', async () => {
    const org = await movingOrganization();
    const deadLetters = createD1DeadLetterStore(env.ADMIN_DB);
    const snsMessageId = `dl-${org.organizationId}`;
    await deadLetters.addDeadLetters([
      {
        snsMessageId,
        sesMessageId: org.sesMessageId,
        message: JSON.stringify(org.event('Delivery', 30)),
        reason: 'queue-retries-exhausted',
        firstSeenAt: NOW.getTime() - 3_600_000,
        deadLetteredAt: NOW.getTime() - 60_000,
      },
    ]);
    const replay = () =>
      replayDeadLetters(ports(), deadLetters, { now: NOW, limit: 10, sesMessageId: org.sesMessageId });

    expect((await replay()).replayed).toEqual([
      { snsMessageId, sesMessageId: org.sesMessageId, was: 'queue-retries-exhausted', outcome: 'org-moving' },
    ]);
    expect(await deadLetters.list({ limit: 10, reason: 'org-moving', sesMessageId: org.sesMessageId })).toHaveLength(1);
    expect(await org.events()).toBe(0);

    await abortOrgMove(env.ADMIN_DB, org.organizationId);
    expect((await replay()).replayed.map((r) => r.outcome)).toEqual(['applied']);
    expect(await deadLetters.list({ limit: 10, sesMessageId: org.sesMessageId })).toEqual([]);
    expect(await org.row()).toEqual({ status: 'delivered', open_count: 0 });
  });
});
