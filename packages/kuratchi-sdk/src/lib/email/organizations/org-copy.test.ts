import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { durableObjectDatabase } from './durable-object-database.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import {
  clearOrgTables,
  compareOrgTablePage,
  copyOrgTablePage,
  countOrgTables,
  ORG_TABLES,
  type OrgTable,
} from './org-copy.js';

/** The D1 database copied from: ORG_DB_UNMIGRATED migrated here, so that it holds only this file's rows. */
const source = env.ORG_DB_UNMIGRATED;
const target = durableObjectDatabase(env.ORG_DO.get(env.ORG_DO.idFromName('org-copy-target')));
const at = TEST_NOW.getTime();

/** 230 emails (three pages of 100), two recipients each, an event each, suppressions, reconciliation rows. */
async function seedSource(): Promise<void> {
  for (const migration of env.ORG_MIGRATIONS) {
    for (const query of migration.queries) await source.prepare(query).run();
  }
  const statements = [];
  for (let i = 0; i < 230; i++) {
    const id = `copy-${String(i).padStart(4, '0')}`;
    statements.push(
      source
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, open_count, created_at, updated_at)
           VALUES (?, ?, 'sender@example.com', ?, 'delivered', ?, ?, ?, ?)`,
        )
        .bind(id, `to-${i}@example.com`, `Invoice ${i}`, `ses-${id}`, i % 4, at - i * 60_000, at),
      source
        .prepare(
          `INSERT INTO email_recipients (email_id, address, kind, status, delivered_at) VALUES (?, ?, 'to', 'delivered', ?), (?, ?, 'cc', 'sent', NULL)`,
        )
        .bind(id, `to-${i}@example.com`, at, id, `cc-${i}@example.com`),
      source
        .prepare(
          `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token, content_id)
           VALUES (?, ?, ?, 'Delivery', ?, '{}', ?, 'token', ?)`,
        )
        .bind(`sns-${id}`, id, `ses-${id}`, at - i * 60_000 + 1000, at, `content-${id}`),
    );
    if (i % 10 === 0) {
      statements.push(
        source
          .prepare(`INSERT INTO email_suppressions (email_address, reason, created_at) VALUES (?, 'bounce', ?)`)
          .bind(`to-${i}@example.com`, at),
      );
    }
  }
  await source.batch(statements);
}

async function copyAll(limit: number): Promise<void> {
  for (const table of ORG_TABLES) {
    let after: string | null = null;
    do after = (await copyOrgTablePage(source, target, table, after, limit)).next;
    while (after !== null);
  }
}

async function compareAll(table: OrgTable, limit: number) {
  const pages = [];
  let after: string | null = null;
  do {
    const page = await compareOrgTablePage(source, target, table, after, limit);
    pages.push(page);
    after = page.next;
  } while (after !== null);
  return pages;
}

beforeAll(seedSource);

describe('copying an organisation from D1 to its Durable Object', () => {
  it('copies every table page by page: the same counts, the same pages, the same search results', async () => {
    await clearOrgTables(target);
    await copyAll(100);
    expect(await countOrgTables(target)).toEqual(await countOrgTables(source));
    expect((await countOrgTables(target)).emails).toBe(230);
    for (const table of ORG_TABLES) {
      for (const page of await compareAll(table, 100)) {
        expect(page.targetRows).toBe(page.sourceRows);
        expect(page.targetDigest).toBe(page.sourceDigest);
      }
    }
    // The search index is rebuilt by the triggers as rows arrive: the log's search agrees.
    const search = { limit: 50, search: 'Invoice 12' };
    const fromTarget = await createD1EmailQueries(target).listEmails(search);
    expect(fromTarget.emails.map((e) => e.id)).toEqual(
      (await createD1EmailQueries(source).listEmails(search)).emails.map((e) => e.id),
    );
    expect(fromTarget.emails.length).toBeGreaterThan(0);
  });

  it('copying a page again changes nothing (a lost answer retried)', async () => {
    const before = await countOrgTables(target);
    const page = await copyOrgTablePage(source, target, ORG_TABLES[0]!, null, 100);
    expect(page.rows).toBe(100);
    expect(await countOrgTables(target)).toEqual(before);
  });

  it('a changed row shows as a different digest in its page only, an extra row in the last page', async () => {
    const emails = ORG_TABLES[0]!;
    await target.prepare(`UPDATE emails SET open_count = open_count + 1 WHERE id = 'copy-0150'`).run();
    const changed = await compareAll(emails, 100);
    expect(changed.map((p) => p.sourceDigest === p.targetDigest)).toEqual([true, false, true]);
    await target.prepare(`UPDATE emails SET open_count = open_count - 1 WHERE id = 'copy-0150'`).run();
    await target
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at) VALUES ('copy-9999', 'x@example.com', 's@example.com', 'extra', 'sent', 1, 1)`,
      )
      .run();
    const extra = await compareAll(emails, 100);
    expect(extra.map((p) => p.sourceDigest === p.targetDigest)).toEqual([true, true, false]);
    expect(extra.at(-1)!.targetRows).toBe(extra.at(-1)!.sourceRows + 1);
  });

  it('clearing the object empties every table, the search index with them', async () => {
    await clearOrgTables(target);
    expect(Object.values(await countOrgTables(target)).every((n) => n === 0)).toBe(true);
  });
});
