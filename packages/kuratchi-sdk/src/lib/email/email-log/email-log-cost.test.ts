import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import { describe, expect, it } from 'vitest';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { createD1EmailQueries } from './d1-email-queries.js';

/**
 * Issue 30: the log's per-recipient outcomes are counted for the rows of the page only, after the
 * sort and limit. A recipient prefix matches rows in address order, so they must be sorted by
 * time; the outcome subquery once ran for every matching row before that sort (19.7× the bare
 * query at 1M emails in `pnpm bench`). Counted with D1's `meta.rows_read` (the Durable Object's
 * `cursor.rowsRead`), so the test is deterministic.
 * @see https://developers.cloudflare.com/d1/worker-api/return-object/
 */

const MATCHING = 2000;
const PAGE = 50;

/** `db` with the rows read by its statements' `all()` added up in `rowsRead()`. */
function countingAll(db: D1Database) {
  let rows = 0;
  const counted = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, property) {
        if (property === 'bind') return (...values: unknown[]) => counted(target.bind(...values));
        if (property === 'all')
          return async () => {
            const result = await target.all();
            rows += result.meta.rows_read ?? 0;
            return result;
          };
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  const database = new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return (sql: string) => counted(target.prepare(sql));
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: database, rowsRead: () => rows };
}

describe.each(ORG_DATABASE_KINDS)('the cost of a page of the email log on $kind', ({ db }) => {
  it('reads a page without a recipient prefix in its index order: one SELECT, no sort, outcomes of its rows', async () => {
    const prefix = `order-${crypto.randomUUID()}`;
    const base = Date.UTC(2014, 0, 1);
    // Email i at base + i s (every fourth bounced, every third of type `digest`); each has a
    // delivered recipient, and every fifth a bounced one too.
    await db
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, email_type, status, created_at, updated_at)
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 300)
         SELECT ? || '-' || printf('%03d', i), 'r' || i || '@example.com', 's@example.com', 'Hi',
                CASE WHEN i % 3 = 0 THEN 'digest' END, CASE WHEN i % 4 = 0 THEN 'bounced' ELSE 'delivered' END,
                ? + i * 1000, 0 FROM n`,
      )
      .bind(prefix, base)
      .run();
    await db
      .prepare(
        `INSERT INTO email_recipients (email_id, address, kind, status)
         SELECT id, 'to.' || recipient, 'to', 'delivered' FROM emails WHERE id >= ?1 AND id < ?2
         UNION ALL
         SELECT id, 'cc.' || recipient, 'cc', 'bounced' FROM emails WHERE id >= ?1 AND id < ?2 AND (created_at - ?3) / 1000 % 5 = 0`,
      )
      .bind(prefix, `${prefix}\u{10FFFF}`, base)
      .run();
    const window = { from: base, to: base + 300_000 };
    const newest = (keep: (i: number) => boolean) => Array.from({ length: 300 }, (_, k) => 299 - k).filter(keep);
    const statements: Array<{ sql: string; params: unknown[] }> = [];
    const recording = {
      prepare: (sql: string) => ({
        bind: (...params: unknown[]) => (statements.push({ sql, params }), db.prepare(sql).bind(...params)),
      }),
    } as unknown as D1Database;
    const queries = createD1EmailQueries(recording);
    const first = await queries.listEmails({ ...window, status: 'bounced' }, { limit: PAGE });
    const cases = [
      { filter: window, cursor: null, expected: newest(() => true).slice(0, PAGE) },
      {
        filter: { ...window, status: 'bounced' as const },
        cursor: null,
        expected: newest((i) => i % 4 === 0).slice(0, PAGE),
      },
      {
        filter: { ...window, status: 'bounced' as const },
        cursor: first.nextCursor,
        expected: newest((i) => i % 4 === 0).slice(PAGE),
      },
      { filter: { ...window, emailType: 'digest' }, cursor: null, expected: newest((i) => i % 3 === 0).slice(0, PAGE) },
    ];
    for (const { filter, cursor, expected } of cases) {
      statements.length = 0;
      const page = await queries.listEmails(filter, { limit: PAGE, cursor });
      expect(page.emails.map((email) => email.id)).toEqual(
        expected.map((i) => `${prefix}-${String(i).padStart(3, '0')}`),
      );
      for (const [k, email] of page.emails.entries())
        expect(email.recipientOutcomes).toEqual(
          expected[k]! % 5 === 0 ? { delivered: 1, bounced: 1 } : { delivered: 1 },
        );
      expect(statements).toHaveLength(1);
      const { sql, params } = statements[0]!;
      const { results } = await db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      const plan = results.map((step) => step.detail);
      expect(plan.filter((detail) => /TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY|log_page/.test(detail))).toEqual([]);
      expect(plan[0]).toMatch(/^SEARCH emails USING INDEX emails_by_(created|status|type) /);
    }
  });

  it(`a recipient prefix matching ${MATCHING} emails reads at most 1.5 × the bare indexed query`, async () => {
    const prefix = `cost-${crypto.randomUUID()}`;
    const base = Date.UTC(2011, 0, 1);
    // Generated inside the database: email i at base + i s, recipients delivered, delivered, bounced.
    await db
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at)
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         SELECT ? || '-' || i, ? || '.' || i || '@example.com', 's@example.com', 'Hi', 'bounced',
                ? + i * 1000, 0 FROM n`,
      )
      .bind(MATCHING, prefix, prefix, base)
      .run();
    await db
      .prepare(
        `INSERT INTO email_recipients (email_id, address, kind, status)
         SELECT e.id, s.k || '.' || e.recipient, 'to', s.status FROM emails e,
           (SELECT 'a' AS k, 'delivered' AS status UNION ALL SELECT 'b', 'delivered' UNION ALL SELECT 'c', 'bounced') s
         WHERE e.recipient >= ? AND e.recipient < ?`,
      )
      .bind(prefix, `${prefix}\u{10FFFF}`)
      .run();

    const counting = countingAll(db);
    const page = await createD1EmailQueries(counting.db).listEmails({ recipientPrefix: prefix }, { limit: PAGE });
    const ours = counting.rowsRead();
    const bare = await db
      .prepare(
        `SELECT * FROM emails INDEXED BY emails_by_recipient WHERE recipient >= ? AND recipient < ?
         ORDER BY created_at DESC, id DESC LIMIT ?`,
      )
      .bind(prefix, `${prefix}\u{10FFFF}`, PAGE + 1)
      .all();

    // The newest 50, each with its own outcomes.
    expect(page.emails.map((email) => email.id)).toEqual(
      Array.from({ length: PAGE }, (_, i) => `${prefix}-${MATCHING - 1 - i}`),
    );
    for (const email of page.emails) expect(email.recipientOutcomes).toEqual({ delivered: 2, bounced: 1 });
    expect(page.nextCursor).not.toBeNull();
    expect(ours, `rows read: listEmails ${ours}, the bare indexed query ${bare.meta.rows_read}`).toBeLessThanOrEqual(
      bare.meta.rows_read * 1.5,
    );
  });
  it('leaves out canary emails among the newest of a recipient prefix, and pages on without them', async () => {
    const prefix = `canary-${crypto.randomUUID()}`;
    const base = Date.UTC(2012, 0, 1);
    // 60 emails one second apart; the newest and two more near the top are canary emails.
    const canaries = new Set([59, 57, 40]);
    await db.batch(
      Array.from({ length: 60 }, (_, i) =>
        db
          .prepare(
            `INSERT INTO emails (id, recipient, sender, subject, status, canary, created_at, updated_at)
             VALUES (?, ?, 's@example.com', 'Hi', 'sent', ?, ?, 0)`,
          )
          .bind(`${prefix}-${i}`, `${prefix}.${i}@example.com`, canaries.has(i) ? 1 : 0, base + i * 1000),
      ),
    );
    const queries = createD1EmailQueries(db);
    const newest = Array.from({ length: 60 }, (_, i) => 59 - i);
    const real = newest.filter((i) => !canaries.has(i)).map((i) => `${prefix}-${i}`);
    const first = await queries.listEmails({ recipientPrefix: prefix }, { limit: PAGE });
    expect(first.emails.map((email) => email.id)).toEqual(real.slice(0, PAGE));
    const next = await queries.listEmails({ recipientPrefix: prefix }, { limit: PAGE, cursor: first.nextCursor });
    expect(next.emails.map((email) => email.id)).toEqual(real.slice(PAGE));
    expect(next.nextCursor).toBeNull();
    const all = await queries.listEmails({ recipientPrefix: prefix, canary: 'include' }, { limit: PAGE });
    expect(all.emails.map((email) => email.id)).toEqual(newest.slice(0, PAGE).map((i) => `${prefix}-${i}`));
    const only = await queries.listEmails({ recipientPrefix: prefix, canary: 'only' }, { limit: PAGE });
    expect(only.emails.map((email) => email.id)).toEqual([59, 57, 40].map((i) => `${prefix}-${i}`));
  });

  it(`a tag's page reads its own rows from the tag's index, not every one of its ${MATCHING} emails`, async () => {
    const prefix = `tag-${crypto.randomUUID()}`;
    const base = Date.UTC(2013, 0, 1);
    // Email i at base + i s; even ones tagged campaign=<prefix>-even, odd ones <prefix>-odd.
    await db
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at)
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         SELECT ? || '-' || i, 'r' || i || '@example.com', 's@example.com', 'Hi', 'sent', ? + i * 1000, 0 FROM n`,
      )
      .bind(MATCHING * 2, prefix, base)
      .run();
    await db
      .prepare(
        `INSERT INTO email_tags (email_id, tag_name, tag_value, email_created_at)
         SELECT id, 'campaign', CASE WHEN (created_at - ?) / 1000 % 2 = 0 THEN ? ELSE ? END, created_at
         FROM emails WHERE id >= ? AND id < ?`,
      )
      .bind(base, `${prefix}-even`, `${prefix}-odd`, prefix, `${prefix}\u{10FFFF}`)
      .run();
    const even = Array.from({ length: MATCHING }, (_, i) => `${prefix}-${2 * (MATCHING - 1 - i)}`);
    const tag = { name: 'campaign', value: `${prefix}-even` };

    const counting = countingAll(db);
    const queries = createD1EmailQueries(counting.db);
    const first = await queries.listEmails({ tag }, { limit: PAGE });
    expect(first.emails.map((email) => email.id)).toEqual(even.slice(0, PAGE));
    expect(counting.rowsRead(), 'rows read for one page of a tag').toBeLessThanOrEqual(PAGE * 6);
    const second = await queries.listEmails({ tag }, { limit: PAGE, cursor: first.nextCursor });
    expect(second.emails.map((email) => email.id)).toEqual(even.slice(PAGE, 2 * PAGE));
    // With another filter, and through a search (the tag then checked per email).
    const recent = await queries.listEmails({ tag, from: base + (2 * MATCHING - 10) * 1000 }, { limit: PAGE });
    expect(recent.emails.map((email) => email.id)).toEqual(even.slice(0, 5));
    const searched = await queries.listEmails({ tag, search: `r${2 * MATCHING - 2}@` }, { limit: PAGE });
    expect(searched.emails.map((email) => email.id)).toEqual([even[0]]);
    const other = await queries.listEmails({ tag, search: `r${2 * MATCHING - 1}@` }, { limit: PAGE });
    expect(other.emails).toEqual([]);
  });
});
