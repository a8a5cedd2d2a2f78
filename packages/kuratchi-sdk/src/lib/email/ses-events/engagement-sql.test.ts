import { applyD1Migrations, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { clickBurstStatement } from './engagement-sql.js';

/** The SQL text and parameters of a prepared statement (miniflare's D1PreparedStatement keeps both). */
function sqlOf(statement: D1PreparedStatement): { sql: string; params: unknown[] } {
  const { statement: sql, params } = statement as unknown as { statement: string; params: unknown[] };
  return { sql, params };
}

describe('clickBurstStatement', () => {
  it('reads email_events only through an index (never a scan of the email or the table)', async () => {
    const db = env.ORG_DB_ACME;
    const guard = { sql: 'EXISTS (SELECT 1 FROM email_events WHERE sns_message_id = ?)', params: ['sns-a'] };
    const { sql, params } = sqlOf(clickBurstStatement(db, ['sns-a', 'sns-b'], guard));
    const { results } = await db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const details = results.map((row) => row.detail);
    expect(details.filter((detail) => /^SCAN (email_events|[cox])\b/.test(detail))).toEqual([]);
    expect(details).toContainEqual(
      expect.stringMatching(/email_events_clicks_by_email_link \(email_id=\? AND link>\?\)/),
    );
    expect(details).toContainEqual(
      expect.stringMatching(/email_events_human_clicks_by_email_link \(email_id=\? AND link=\? AND occurred_at>\?/),
    );
  });
});

describe('migration 0007_click_cost on a database that already has events', () => {
  it('starts the machine counters from the stored verdicts, and the trigger moves them by one per change', async () => {
    const db = env.ORG_DB_UNMIGRATED; // a scratch database of this file
    const before = env.ORG_MIGRATIONS.filter((migration) => migration.name < '0007');
    expect(before.length).toBeLessThan(env.ORG_MIGRATIONS.length);
    await applyD1Migrations(db, before);
    const email = (id: string, opens: number, clicks: number) =>
      db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at, machine_open_count, machine_click_count)
           VALUES (?, 'r@example.com', 's@example.com', 'Hi', 'delivered', 1, 1, ?, ?)`,
        )
        .bind(id, opens, clicks);
    const event = (id: string, emailId: string, type: string, engagement: string | null) =>
      db
        .prepare(
          `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at,
                                     ingest_token, engagement, link)
           VALUES (?, ?, 'ses', ?, 1, '{}', 1, 't', ?, CASE WHEN ? = 'Click' THEN 'https://example.com/a' END)`,
        )
        .bind(id, emailId, type, engagement, type);
    await db.batch([
      // Stale counters (as a partial run could leave them): counted again from the events.
      email('e-events', 5, 0),
      email('e-stale', 3, 2),
      email('e-none', 0, 0),
      event('o-1', 'e-events', 'Open', 'machine'),
      event('o-2', 'e-events', 'Open', 'machine'),
      event('o-3', 'e-events', 'Open', 'human'),
      event('c-1', 'e-events', 'Click', 'machine'),
      event('c-2', 'e-events', 'Click', 'human'),
      event('c-3', 'e-events', 'Click', null),
      event('d-1', 'e-events', 'Delivery', null),
    ]);
    await applyD1Migrations(db, env.ORG_MIGRATIONS);
    const counters = async () =>
      (
        await db
          .prepare('SELECT id, machine_open_count AS opens, machine_click_count AS clicks FROM emails ORDER BY id')
          .all()
      ).results;
    expect(await counters()).toEqual([
      { id: 'e-events', opens: 2, clicks: 1 },
      { id: 'e-none', opens: 0, clicks: 0 },
      { id: 'e-stale', opens: 0, clicks: 0 },
    ]);

    // human -> machine, NULL -> machine, machine -> human, and a rewrite that changes nothing.
    await db.batch([
      db.prepare(`UPDATE email_events SET engagement = 'machine' WHERE sns_message_id IN ('c-2', 'c-3')`),
      db.prepare(`UPDATE email_events SET engagement = 'human' WHERE sns_message_id = 'o-1'`),
      db.prepare(`UPDATE email_events SET engagement = 'machine', engagement_rule = 'x' WHERE sns_message_id = 'o-2'`),
    ]);
    expect((await counters())[0]).toEqual({ id: 'e-events', opens: 1, clicks: 3 });
  });
});
