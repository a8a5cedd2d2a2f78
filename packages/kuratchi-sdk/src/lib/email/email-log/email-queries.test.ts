import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ORG_DATABASE_KINDS, orgObjectDatabase } from '../../../../test/org-database-kinds.js';
import { createD1EmailQueries, type EmailLogFilter } from './d1-email-queries.js';

const STATUSES = ['sent', 'delivered', 'bounced', 'complained'] as const;

/** Inserts `count` emails in a time window of their own (so other tests' rows never interfere). */
async function insertWindow(db: D1Database, base: number, count: number, prefix: string) {
  const rows = Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${String(i).padStart(4, '0')}`,
    recipient: `${i % 3 === 0 ? 'ann' : i % 3 === 1 ? 'bob' : 'carla'}.${i}@example.com`,
    status: STATUSES[i % STATUSES.length]!,
    // Every third pair shares a timestamp, to exercise the id tie-break.
    createdAt: base + Math.floor(i / 2) * 60_000,
  }));
  await db.batch(
    rows.map((r) =>
      db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at) VALUES (?, ?, 's@example.com', 'Hi', ?, ?, ?)`,
        )
        .bind(r.id, r.recipient, r.status, r.createdAt, r.createdAt),
    ),
  );
  return rows;
}

const newestFirst = (a: { createdAt: number; id: string }, b: { createdAt: number; id: string }) =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

async function allPages(
  db: D1Database,
  filter: EmailLogFilter,
  limit: number,
  between?: (page: number) => Promise<void>,
) {
  const queries = createD1EmailQueries(db);
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const result = await queries.listEmails(filter, { cursor, limit });
    ids.push(...result.emails.map((e) => e.id));
    await between?.(page);
    if (!result.nextCursor) return ids;
    cursor = result.nextCursor;
  }
  throw new Error('no last page');
}

/** The email log queries on each kind of organisation database (test/org-database-kinds.ts). */
describe.each(ORG_DATABASE_KINDS)('email log queries on $kind', ({ db }) => {
  it('pages through every row exactly once, newest first, even with equal timestamps', async () => {
    const base = Date.UTC(2001, 0, 1);
    const rows = await insertWindow(db, base, 103, 'page');
    const window = { from: base, to: base + 86_400_000 };
    expect(await allPages(db, window, 10)).toEqual([...rows].sort(newestFirst).map((r) => r.id));
  });

  it('stays stable while newer emails are inserted between pages', async () => {
    const base = Date.UTC(2002, 0, 1);
    const rows = await insertWindow(db, base, 60, 'stable');
    const window = { from: base, to: base + 86_400_000 };
    let inserted = 0;
    const ids = await allPages(db, window, 7, async () => {
      // A newer email arrives (in the same window, newest of all) after each page.
      await db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at) VALUES (?, 'new@example.com', 's', 'Hi', 'sent', ?, 0)`,
        )
        .bind(`stable-new-${inserted}`, base + 3_600_000 + inserted++)
        .run();
    });
    expect(ids).toEqual([...rows].sort(newestFirst).map((r) => r.id));
  });

  it('filters by status, recipient prefix and date range, alone and combined', async () => {
    const base = Date.UTC(2003, 0, 1);
    const rows = await insertWindow(db, base, 80, 'filter');
    const window = { from: base, to: base + 86_400_000 };
    const cases: Array<[EmailLogFilter, (r: (typeof rows)[number]) => boolean]> = [
      [{ status: 'bounced' }, (r) => r.status === 'bounced'],
      [{ recipientPrefix: 'bob' }, (r) => r.recipient.startsWith('bob')],
      [{ recipientPrefix: 'carla.1' }, (r) => r.recipient.startsWith('carla.1')],
      [
        { from: base + 10 * 60_000, to: base + 20 * 60_000 },
        (r) => r.createdAt >= base + 10 * 60_000 && r.createdAt < base + 20 * 60_000,
      ],
      [
        { status: 'delivered', recipientPrefix: 'ann' },
        (r) => r.status === 'delivered' && r.recipient.startsWith('ann'),
      ],
    ];
    for (const [filter, keep] of cases) {
      const expected = rows
        .filter(keep)
        .sort(newestFirst)
        .map((r) => r.id);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(await allPages(db, { ...window, ...filter }, 9), JSON.stringify(filter)).toEqual(expected);
    }
    expect(await allPages(db, { ...window, recipientPrefix: 'zed' }, 9)).toEqual([]);
  });

  it('ignores a tampered cursor and starts from the newest row', async () => {
    const base = Date.UTC(2004, 0, 1);
    const rows = await insertWindow(db, base, 5, 'cursor');
    const page = await createD1EmailQueries(db).listEmails(
      { from: base, to: base + 86_400_000 },
      { cursor: 'not-a-cursor', limit: 2 },
    );
    expect(page.emails.map((e) => e.id)).toEqual(
      [...rows]
        .sort(newestFirst)
        .slice(0, 2)
        .map((r) => r.id),
    );
  });

  it("finds an organisation's email only in its own database", async () => {
    const [row] = await insertWindow(db, Date.UTC(2005, 0, 1), 1, `iso-${crypto.randomUUID()}`);
    expect(await createD1EmailQueries(db).getEmail(row!.id)).toMatchObject({ id: row!.id });
    for (const other of [env.ORG_DB_GLOBEX, ...ORG_DATABASE_KINDS.map((k) => k.db), orgObjectDatabase('org-other')]) {
      if (other !== db) expect(await createD1EmailQueries(other).getEmail(row!.id)).toBeNull();
    }
  });

  it('counts each milestone on the UTC day it first happened, with empty days included', async () => {
    const day = Date.UTC(2006, 5, 10);
    const insert = (id: string, fields: Record<string, number>) =>
      db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at, ${Object.keys(fields).join(', ')})
           VALUES (?, 'r@example.com', 's', 'Hi', 'sent', 0, 0, ${Object.keys(fields)
             .map(() => '?')
             .join(', ')})`,
        )
        .bind(id, ...Object.values(fields))
        .run();
    await insert('stats-1', { sent_at: day + 1000, delivered_at: day + 2000, opened_at: day + 86_400_000 + 5 });
    await insert('stats-2', { sent_at: day + 3000, bounced_at: day + 4000 });
    await insert('stats-3', { sent_at: day - 1, complained_at: day + 2 * 86_400_000 });
    const stats = await createD1EmailQueries(db).dailyStats(4, day + 2 * 86_400_000 + 10);
    expect(stats.map((s) => s.day)).toEqual(['2006-06-09', '2006-06-10', '2006-06-11', '2006-06-12']);
    expect(stats[0]).toMatchObject({ sent: 1, delivered: 0 });
    expect(stats[1]).toMatchObject({ sent: 2, delivered: 1, bounced: 1, opened: 0 });
    expect(stats[2]).toMatchObject({ opened: 1, sent: 0 });
    expect(stats[3]).toMatchObject({ complained: 1 });
  });
});
