import { env } from 'cloudflare:test';
import { createD1AdminStore, createD1DeadLetterStore } from 'kuratchi-sdk/internal/d1';
import { describe, expect, it } from 'vitest';
import { heldNow, ingestionFigures, readIngestionFigures } from './health';

describe('ingestion health: the park and its dead letters', () => {
  it('counts what the park and the dead-letter table hold now, by reason, up to a bound', async () => {
    const insertHeld = (id: string, reason: string) =>
      env.ADMIN_DB.prepare(
        "INSERT INTO parked_email_events (sns_message_id, ses_message_id, message, parked_at, reason) VALUES (?, 'ses-h', '{}', 0, ?)",
      )
        .bind(id, reason)
        .run();
    const insertDead = (id: string, reason: string) =>
      env.ADMIN_DB.prepare(
        "INSERT INTO email_event_dead_letters (sns_message_id, ses_message_id, message, reason, first_seen_at, dead_lettered_at) VALUES (?, 'ses-h', '{}', ?, 0, 0)",
      )
        .bind(id, reason)
        .run();
    await insertHeld('h-1', 'no-route');
    await insertHeld('h-2', 'email-missing');
    await insertHeld('h-3', 'email-mismatch');
    await insertDead('d-1', 'no-route');
    await insertDead('d-2', 'no-route');
    await insertDead('d-3', 'park-full');
    const stores = { park: createD1AdminStore(env.ADMIN_DB), deadLetters: createD1DeadLetterStore(env.ADMIN_DB) };

    const held = await heldNow(stores);
    expect(held).toEqual({
      parked: 1,
      orphaned: 2,
      deadLetters: 3,
      deadLettersByReason: { 'no-route': 2, 'park-full': 1 },
      bound: 10_000,
    });
    expect((await heldNow(stores, 2)).deadLetters).toBe(2);

    const counters = [
      { name: 'outcome:orphaned', count: 4, lastAt: 0 },
      { name: 'outcome:dead-lettered', count: 1, lastAt: 0 },
      { name: 'outcome:expired', count: 3, lastAt: 0 },
      { name: 'firehose:refused', count: 2, lastAt: 0 },
      { name: 'import:refused', count: 5, lastAt: 0 },
    ];
    expect(ingestionFigures('deployment', counters, held)).toMatchObject({
      orphaned: 4,
      parkFull: 1,
      expired: 3,
      refusedRecords: 7,
      held,
    });
  });
});

describe('ingestion health: each organisation its own figures', () => {
  it('reads an organisation its counters, park, dead letters and lag; the deployment all of them', async () => {
    const now = Date.now();
    const org = `org-figures-${crypto.randomUUID()}`;
    const admin = createD1AdminStore(env.ADMIN_DB);
    const counts = new Map([
      ['received', 3],
      ['rejected:topic-not-allowed', 1],
      ['outcome:applied', 2],
    ]);
    const before = await readIngestionFigures(env.ADMIN_DB, undefined, now);
    await admin.recordIngestionStats({
      counts,
      lagsMs: [500, 900],
      organizations: new Map([[org, { counts: new Map([['outcome:applied', 1]]), lagsMs: [500] }]]),
      at: now,
    });
    await env.ADMIN_DB.prepare(
      "INSERT INTO parked_email_events (sns_message_id, ses_message_id, message, parked_at, reason, organization_id) VALUES (?, 'ses-o', '{}', 0, 'email-missing', ?)",
    )
      .bind(`o-${org}`, org)
      .run();

    const mine = await readIngestionFigures(env.ADMIN_DB, org, now);
    expect(mine).toMatchObject({ applied: 1, verified: null, rejected: null, lag: { events: 1 } });
    expect(mine.held).toMatchObject({ parked: 0, orphaned: 1, deadLetters: 0 });
    const all = await readIngestionFigures(env.ADMIN_DB, undefined, now);
    expect(all.applied - before.applied).toBe(2);
    expect(all.rejected! - before.rejected!).toBe(1);
    expect(all.lag!.events - before.lag!.events).toBe(2);
    expect(all.held!.orphaned - before.held!.orphaned).toBe(1);
  });
});
