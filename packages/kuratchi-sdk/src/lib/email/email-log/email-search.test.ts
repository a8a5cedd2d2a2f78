import { applyD1Migrations, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { routedInput } from '../../../../test/seed.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import type { EmailStatus } from '../model.js';
import { createD1EmailQueries, type EmailLogFilter } from './d1-email-queries.js';
import { createOrgEmailStore } from '../organizations/org-email-store.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { createD1OutgoingEmailStore } from '../send/d1-outgoing-email-store.js';

interface SeedEmail {
  id: string;
  /** The To list as sendEmail stores it (`, `-joined). */
  recipient: string;
  subject: string;
  createdAt: number;
  status?: EmailStatus;
  sesMessageId?: string;
  cc?: string[];
  bcc?: string[];
}

/** The email log search on each kind of organisation database (test/org-database-kinds.ts). */
describe.each(ORG_DATABASE_KINDS)('email log search on $kind', ({ db, organizationId }) => {
  const queries = createD1EmailQueries(db);
  const MINUTE_MS = 60_000;

  /**
   * Inserts emails as sendEmail writes them (`insertPending`: the row and one `email_recipients`
   * row per To, CC and BCC address, in one batch), one email at a time so every trigger runs as in
   * production; then the status and message id, as SES and its events would leave them.
   */
  async function seed(...emails: SeedEmail[]): Promise<void> {
    const outgoing = createD1OutgoingEmailStore(db);
    for (const email of emails) {
      await outgoing.insertPending({
        id: email.id,
        recipient: email.recipient,
        recipients: [
          ...email.recipient.split(', ').map((address) => ({ address, kind: 'to' as const })),
          ...(email.cc ?? []).map((address) => ({ address, kind: 'cc' as const })),
          ...(email.bcc ?? []).map((address) => ({ address, kind: 'bcc' as const })),
        ],
        sender: 'sender@example.com',
        subject: email.subject,
        emailType: null,
        userId: null,
        metadata: null,
        createdAt: email.createdAt,
      });
      if (email.status !== 'pending' || email.sesMessageId) {
        await db
          .prepare('UPDATE emails SET status = ?, ses_message_id = ? WHERE id = ?')
          .bind(email.status ?? 'sent', email.sesMessageId ?? null, email.id)
          .run();
      }
    }
  }

  /** A run's own marker (letters only, so it is never read as a message id), in every row it seeds. */
  const marker = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => String.fromCharCode(97 + (byte % 26))).join('');

  async function ids(filter: EmailLogFilter, limit = 50): Promise<string[]> {
    return (await queries.listEmails(filter, { limit })).emails.map((email) => email.id);
  }

  async function allPages(filter: EmailLogFilter, limit: number, between?: () => Promise<void>): Promise<string[]> {
    const found: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const result = await queries.listEmails(filter, { cursor, limit });
      found.push(...result.emails.map((email) => email.id));
      await between?.();
      if (!result.nextCursor) return found;
      cursor = result.nextCursor;
    }
    throw new Error('no last page');
  }

  /** The search rows of an email; `key` is the rowid as text (it is above 2^53: a JS number would round it). */
  async function searchRows(emailId: string) {
    const { results } = await db
      .prepare(
        'SELECT CAST(rowid AS TEXT) AS key, search_addresses, search_subject FROM email_search WHERE search_email_id = ?',
      )
      .bind(emailId)
      .all<{ key: string; search_addresses: string; search_subject: string }>();
    return results;
  }

  describe('searching the email log (FTS5 trigram index)', () => {
    it('finds an email by any part of a To, CC or BCC address, in any case', async () => {
      const m = marker();
      const at = Date.UTC(2011, 0, 1);
      await seed(
        {
          id: `${m}-1`,
          recipient: `Jane.Doe.${m}@Example.com, second.${m}@example.org`,
          subject: 'Hello',
          createdAt: at,
          cc: [`carol.${m}@cc.example`],
          bcc: [`dave.${m}@bcc.example`],
        },
        { id: `${m}-2`, recipient: `john.${m}@example.com`, subject: 'Hello', createdAt: at + 1 },
      );
      expect(await ids({ search: `doe.${m}@exa` })).toEqual([`${m}-1`]);
      expect(await ids({ search: `DOE.${m.toUpperCase()}@EXAMPLE.COM` })).toEqual([`${m}-1`]);
      expect(await ids({ search: `second.${m}` })).toEqual([`${m}-1`]);
      expect(await ids({ search: `carol.${m}` })).toEqual([`${m}-1`]);
      expect(await ids({ search: `${m}@bcc.exam` })).toEqual([`${m}-1`]);
      expect(await ids({ search: `john.${m}` })).toEqual([`${m}-2`]);
      expect(await ids({ search: `${m}@` })).toEqual([`${m}-2`, `${m}-1`]);
      expect(await ids({ search: `nobody.${m}` })).toEqual([]);
    });

    it('finds a recipient that only an SES event named, and forgets a deleted one', async () => {
      const m = marker();
      await seed({ id: `${m}-1`, recipient: `a.${m}@example.com`, subject: 'Hi', createdAt: Date.UTC(2011, 0, 2) });
      // A recipient row SES reported (kind NULL), inserted after the email.
      await db
        .prepare(`INSERT INTO email_recipients (email_id, address) VALUES (?, ?)`)
        .bind(`${m}-1`, `extra.${m}@example.net`)
        .run();
      expect(await ids({ search: `extra.${m}` })).toEqual([`${m}-1`]);
      await db
        .prepare('DELETE FROM email_recipients WHERE email_id = ? AND address = ?')
        .bind(`${m}-1`, `extra.${m}@example.net`)
        .run();
      expect(await ids({ search: `extra.${m}` })).toEqual([]);
      expect(await ids({ search: `a.${m}` })).toEqual([`${m}-1`]);
    });

    it('finds subject words in another case; every term must match, in the subject or an address', async () => {
      const m = marker();
      const at = Date.UTC(2011, 0, 3);
      await seed(
        { id: `${m}-1`, recipient: `ann.${m}@example.com`, subject: `Your Invoice for March ${m}`, createdAt: at },
        { id: `${m}-2`, recipient: `bob.${m}@example.com`, subject: `Your invoice for April ${m}`, createdAt: at + 1 },
        { id: `${m}-3`, recipient: `cid.${m}@example.com`, subject: `Password reset ${m}`, createdAt: at + 2 },
      );
      expect(await ids({ search: `INVOICE ${m}` })).toEqual([`${m}-2`, `${m}-1`]);
      expect(await ids({ search: `invoice march ${m}` })).toEqual([`${m}-1`]);
      expect(await ids({ search: `  march\t${m.toUpperCase()}\n` })).toEqual([`${m}-1`]);
      expect(await ids({ search: `invoice bob.${m}` })).toEqual([`${m}-2`]);
      expect(await ids({ search: `invoice cid.${m}` })).toEqual([]);
      expect(await ids({ search: `reset ${m}` })).toEqual([`${m}-3`]);
    });

    it('finds an email by its whole SES message id, as SES returns it or as a Message-ID header', async () => {
      const m = marker();
      const at = Date.UTC(2011, 0, 4);
      const sesId = `010f019${crypto.randomUUID().replaceAll('-', '').slice(0, 9)}-${crypto.randomUUID()}-000000`;
      const other = `010f019${crypto.randomUUID().replaceAll('-', '').slice(0, 9)}-${crypto.randomUUID()}-000000`;
      await seed(
        { id: `${m}-1`, recipient: `a.${m}@example.com`, subject: 'Hi', createdAt: at, sesMessageId: sesId },
        { id: `${m}-2`, recipient: `b.${m}@example.com`, subject: 'Hi', createdAt: at + 1, sesMessageId: other },
      );
      expect(await ids({ search: sesId })).toEqual([`${m}-1`]);
      expect(await ids({ search: ` ${sesId.toUpperCase()} ` })).toEqual([`${m}-1`]);
      expect(await ids({ search: `<${sesId}@eu-west-1.amazonses.com>` })).toEqual([`${m}-1`]);
      expect(await ids({ search: other })).toEqual([`${m}-2`]);
      // Combined with the other filters like any search.
      expect(await ids({ search: sesId, status: 'bounced' })).toEqual([]);
      expect(await ids({ search: sesId, from: at + 1 })).toEqual([]);
      // An id no email has finds nothing (and is not an error).
      expect(await ids({ search: `${sesId.slice(0, -6)}999999` })).toEqual([]);
    });

    it('treats the search as literal text: no input is an error or an FTS5 query', async () => {
      const m = marker();
      const at = Date.UTC(2011, 0, 5);
      await seed(
        {
          id: `${m}-1`,
          recipient: `q.${m}@example.com`,
          subject: `Re: "Q4" (draft) *final* NOT-OK col:val ^top 100% a_b ${m}`,
          createdAt: at,
        },
        { id: `${m}-2`, recipient: `r.${m}@example.com`, subject: `plain ${m}`, createdAt: at + 1 },
      );
      for (const literal of ['"Q4"', '(draft)', '*final*', 'NOT-OK', 'col:val', '^top', '100%', 'a_b', 'Re:']) {
        expect(await ids({ search: `${literal} ${m}` }), literal).toEqual([`${m}-1`]);
      }
      const hostile = [
        '"',
        '""',
        '"""',
        '*',
        'OR',
        'AND',
        'NOT',
        '-',
        '- x',
        '+',
        '^',
        ':',
        '(',
        ')',
        '()',
        'a OR b',
        'NEAR(abc def)',
        'NEAR("abc" "def", 2)',
        '{search_subject search_addresses}: abc',
        'search_subject:plain',
        'plain*',
        '"plain" OR "q."',
        `"${m}" OR x`,
        'rank:1',
        "'; DROP TABLE emails; --",
        '\\',
        '%',
        '_',
        'abc\u0000def',
        '\u0000',
        '\ud800abc',
        '👍👍👍',
        'ﬀﬀﬀ',
        'x'.repeat(500),
        'a b c d e f g h i j k l',
      ];
      // The rule, spelled out: every term of three or more characters is part of the text; a text
      // of only whitespace and control characters is no search at all.
      const seeded = [
        { id: `${m}-1`, text: `q.${m}@example.com Re: "Q4" (draft) *final* NOT-OK col:val ^top 100% a_b ${m}` },
        { id: `${m}-2`, text: `r.${m}@example.com plain ${m}` },
      ];
      const expected = (search: string) => {
        const words = search.split(/[\s\p{Cc}]+/u).filter(Boolean);
        const terms = words.filter((term) => [...term].length >= 3);
        return seeded
          .filter(
            ({ text }) =>
              !words.length || (terms.length && terms.every((term) => text.toLowerCase().includes(term.toLowerCase()))),
          )
          .map(({ id }) => id)
          .reverse();
      };
      for (const text of hostile) {
        for (const search of [text, `${text} ${m}`, `${m} ${text}`]) {
          // In the seeded emails' own window: a blank search lists the whole log.
          const found = await ids({ search, from: at, to: at + 2 });
          expect(found, JSON.stringify(search)).toEqual(expected(search));
        }
      }
      expect(await ids({ search: `plain* ${m}` })).toEqual([]);
      expect(await ids({ search: `"plain" ${m}` })).toEqual([]);
      expect(await ids({ search: `plain ${m}` })).toEqual([`${m}-2`]);
    });

    it('leaves out terms under three characters, and finds nothing when no term is longer', async () => {
      const m = marker();
      await seed({ id: `${m}-1`, recipient: `jo.${m}@example.com`, subject: 'Hi', createdAt: Date.UTC(2011, 0, 6) });
      expect(await ids({ search: `jo ${m}` })).toEqual([`${m}-1`]);
      expect(await ids({ search: `zz ${m}` })).toEqual([`${m}-1`]);
      expect(await ids({ search: 'jo' })).toEqual([]);
      expect(await ids({ search: 'j o' })).toEqual([]);
      // A blank search is no search.
      const window = { from: Date.UTC(2011, 0, 6), to: Date.UTC(2011, 0, 7) };
      expect(await ids({ ...window, search: ' \t ' })).toEqual([`${m}-1`]);
    });

    it('combines with status, dates and the recipient prefix, and pages through every match once', async () => {
      const m = marker();
      const base = Date.UTC(2011, 1, 1);
      const statuses = ['sent', 'delivered', 'bounced', 'complained'] as const;
      const emails: SeedEmail[] = Array.from({ length: 41 }, (_, i) => ({
        id: `${m}-${String(i).padStart(3, '0')}`,
        recipient: `${i % 2 ? 'odd' : 'even'}.${i}.${m}@example.com`,
        subject: i % 5 === 4 ? 'Unrelated' : `Weekly digest ${m}`,
        status: statuses[i % statuses.length]!,
        // Pairs share a millisecond, to exercise the tie-break.
        createdAt: base + Math.floor(i / 2) * MINUTE_MS,
      }));
      // Inserted out of time order, as an import could.
      await seed(
        ...[...emails].sort((a, b) => (a.id.split('').reverse().join('') < b.id.split('').reverse().join('') ? -1 : 1)),
      );
      const matching = (e: SeedEmail) => e.recipient.includes(m);
      const expectPages = async (filter: EmailLogFilter, want: (e: SeedEmail) => boolean) => {
        const wanted = emails.filter(want);
        const found = await allPages(filter, 4);
        expect(found.toSorted(), JSON.stringify(filter)).toEqual(wanted.map((e) => e.id).toSorted());
        const times = found.map((id) => emails.find((e) => e.id === id)!.createdAt);
        expect(times, 'newest first').toEqual(times.toSorted((a, b) => b - a));
        // The same order on every read.
        expect(await allPages(filter, 3)).toEqual(found);
      };
      await expectPages({ search: m }, matching);
      await expectPages({ search: `digest ${m}` }, (e) => e.subject.includes(m));
      await expectPages({ search: m, status: 'bounced' }, (e) => e.status === 'bounced');
      await expectPages(
        { search: `digest ${m}`, status: 'delivered', from: base + 4 * MINUTE_MS, to: base + 15 * MINUTE_MS },
        (e) =>
          e.subject.includes(m) &&
          e.status === 'delivered' &&
          e.createdAt >= base + 4 * MINUTE_MS &&
          e.createdAt < base + 15 * MINUTE_MS,
      );
      await expectPages({ search: m, recipientPrefix: 'odd.' }, (e) => e.recipient.startsWith('odd.'));
    });

    it('keeps pages stable while newer matching emails arrive between them', async () => {
      const m = marker();
      const base = Date.UTC(2011, 2, 1);
      const emails = Array.from({ length: 20 }, (_, i) => ({
        id: `${m}-${String(i).padStart(2, '0')}`,
        recipient: `s.${i}.${m}@example.com`,
        subject: 'Hi',
        createdAt: base + Math.floor(i / 3) * MINUTE_MS,
      }));
      await seed(...emails);
      const before = await allPages({ search: m }, 6);
      let arrived = 0;
      const during = await allPages({ search: m }, 6, async () => {
        arrived++;
        // Newer than everything, and one in the very millisecond of the newest.
        await seed(
          {
            id: `${m}-new-${arrived}`,
            recipient: `n.${arrived}.${m}@example.com`,
            subject: 'Hi',
            createdAt: base + DAY,
          },
          {
            id: `${m}-tie-${arrived}`,
            recipient: `t.${arrived}.${m}@example.com`,
            subject: 'Hi',
            createdAt: base + 6 * MINUTE_MS,
          },
        );
      });
      expect(before.toSorted()).toEqual(emails.map((e) => e.id).toSorted());
      expect(during).toEqual(before);
    });

    it('skips no match when the email of the cursor is deleted between pages', async () => {
      const m = marker();
      const at = Date.UTC(2011, 2, 2);
      // Three per millisecond; within one, the newest insert comes first.
      const emails = Array.from({ length: 12 }, (_, i) => ({
        id: `${m}-${String(i).padStart(2, '0')}`,
        recipient: `d.${i}.${m}@example.com`,
        subject: 'Hi',
        createdAt: at + Math.floor(i / 3),
      }));
      await seed(...emails);
      const order = emails.map((e) => e.id).reverse();
      expect(await allPages({ search: m }, 50)).toEqual(order);
      const first = await queries.listEmails({ search: m }, { limit: 5 });
      expect(first.emails.map((e) => e.id)).toEqual(order.slice(0, 5));
      // The cursor's email (the 5th: the middle one of its millisecond, after order[3]) goes away.
      await db.prepare('DELETE FROM emails WHERE id = ?').bind(order[4]).run();
      const rest: string[] = [];
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await queries.listEmails({ search: m }, { cursor, limit: 5 });
        rest.push(...page.emails.map((e) => e.id));
        cursor = page.nextCursor;
      }
      // Its millisecond starts again (order[3] is shown twice), then everything older, once.
      expect(rest).toEqual([order[3], ...order.slice(5)]);
    });

    it('an SES event changes the status of a found email: found once, and its search row is not rewritten', async () => {
      const m = marker();
      const sesId = `010f019${crypto.randomUUID().replaceAll('-', '').slice(0, 9)}-${crypto.randomUUID()}-000000`;
      const at = TEST_NOW.getTime() - 3 * MINUTE_MS;
      await seed({
        id: `${m}-1`,
        recipient: `ev.${m}@example.com`,
        subject: `Event ${m}`,
        createdAt: at,
        status: 'pending',
        cc: [`cc.${m}@example.com`],
      });
      // sendEmail then binds the SES message id (markSent): not indexed as text, no rewrite either.
      await createD1OutgoingEmailStore(db).markSent(`${m}-1`, sesId, at + 500);
      const [row] = await searchRows(`${m}-1`);
      expect(row?.search_addresses).toBe(`ev.${m}@example.com cc.${m}@example.com`);
      // A sentinel in the search row: any rewrite by a trigger would replace it.
      await db
        .prepare('UPDATE email_search SET search_subject = ? WHERE rowid = CAST(? AS INTEGER)')
        .bind(`sentinel ${m}`, row!.key)
        .run();

      const store = createOrgEmailStore(db);
      for (const [i, eventType] of (['Delivery', 'Open', 'Click', 'Bounce'] as const).entries()) {
        const time = new Date(at + (i + 1) * 1000);
        const event = buildSesEvent({ eventType, messageId: sesId, time, recipient: `ev.${m}@example.com` });
        // recordEvent upserts the recipients the event names (ON CONFLICT DO UPDATE: no insert trigger).
        const input = await routedInput({ organizationId, emailId: `${m}-1` }, `sns-${m}-${i}`, event, at + 10_000);
        // (Opens and clicks concern the message, not a recipient.)
        expect(input.recipients.length > 0, eventType).toBe(eventType === 'Delivery' || eventType === 'Bounce');
        expect(await store.recordEvent(input)).toBe('applied');
      }
      const recipients = await db
        .prepare('SELECT address, status FROM email_recipients WHERE email_id = ? ORDER BY address')
        .bind(`${m}-1`)
        .all();
      expect(recipients.results).toEqual([
        { address: `cc.${m}@example.com`, status: 'sent' },
        { address: `ev.${m}@example.com`, status: 'bounced' },
      ]);

      const page = await queries.listEmails({ search: `ev.${m}` });
      expect(page.emails.map((email) => [email.id, email.status])).toEqual([[`${m}-1`, 'bounced']]);
      // A found email is the log's row: its recipients' outcomes and latest event, counted on the
      // search's page (in the same SELECT) as on the log's (after a nested page).
      const found = await queries.listEmails({ search: `ev.${m}` }, { withLastEvent: true });
      expect(found.emails[0]?.recipientOutcomes).toEqual({ sent: 1, bounced: 1 });
      expect(found.emails[0]?.lastEvent?.eventType).toBe('Bounce');
      expect(found).toEqual(await queries.listEmails({ recipientPrefix: `ev.${m}` }, { withLastEvent: true }));
      expect(await ids({ search: `cc.${m}`, status: 'bounced' })).toEqual([`${m}-1`]);
      expect(await ids({ search: sesId })).toEqual([`${m}-1`]);
      expect(await searchRows(`${m}-1`)).toEqual([{ ...row, search_subject: `sentinel ${m}` }]);

      // The sentinel does show a rewrite: a subject change replaces it, in place (same search key).
      await db.prepare('UPDATE emails SET subject = ? WHERE id = ?').bind(`Renamed ${m}`, `${m}-1`).run();
      expect(await searchRows(`${m}-1`)).toEqual([{ ...row, search_subject: `Renamed ${m}` }]);
    });

    it('moves the search row with created_at, and deletes it with the email', async () => {
      const m = marker();
      const at = Date.UTC(2011, 3, 1);
      await seed(
        { id: `${m}-1`, recipient: `mv.${m}@example.com`, subject: 'Hi', createdAt: at, cc: [`mvcc.${m}@example.com`] },
        { id: `${m}-2`, recipient: `mw.${m}@example.com`, subject: 'Hi', createdAt: at + 1 },
      );
      expect(await ids({ search: m })).toEqual([`${m}-2`, `${m}-1`]);
      await db
        .prepare('UPDATE emails SET created_at = ? WHERE id = ?')
        .bind(at + 2, `${m}-1`)
        .run();
      expect(await ids({ search: m })).toEqual([`${m}-1`, `${m}-2`]);
      expect(await searchRows(`${m}-1`)).toHaveLength(1);
      await db.prepare('DELETE FROM emails WHERE id = ?').bind(`${m}-1`).run();
      expect(await searchRows(`${m}-1`)).toEqual([]);
      expect(await ids({ search: m })).toEqual([`${m}-2`]);
      expect(await ids({ search: `mvcc.${m}` })).toEqual([]);
    });

    it('keeps one search row per email', async () => {
      const orphans = await db
        .prepare(
          `SELECT (SELECT count(*) FROM email_search) AS searchRows, (SELECT count(*) FROM emails) AS emails,
                  (SELECT count(*) FROM email_search s LEFT JOIN emails e ON e.id = s.search_email_id WHERE e.id IS NULL) AS orphans`,
        )
        .first<{ searchRows: number; emails: number; orphans: number }>();
      expect(orphans).toEqual({ searchRows: orphans?.emails, emails: orphans?.emails, orphans: 0 });
    });
  });
});

const DAY = 86_400_000;

describe('migration 0003_search on a database that already has emails', () => {
  it('backfills one search row per email (id order within a millisecond), CC and BCC included', async () => {
    const scratch = env.ORG_DB_UNMIGRATED;
    const before = env.ORG_MIGRATIONS.filter((migration) => migration.name < '0003');
    expect(before.length).toBeLessThan(env.ORG_MIGRATIONS.length);
    await applyD1Migrations(scratch, before);
    const at = Date.UTC(2012, 0, 1);
    const rows = [
      ['m-b', 'Bea@Example.com, cid@example.com', 'Quarterly report', at],
      ['m-a', 'ann@example.com', 'Quarterly report', at],
      ['m-c', 'dan@example.com', 'Welcome aboard', at + 1],
    ] as const;
    await scratch.batch([
      ...rows.map(([id, recipient, subject, createdAt]) =>
        scratch
          .prepare(
            `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at)
             VALUES (?, ?, 's@example.com', ?, 'delivered', ?, ?)`,
          )
          .bind(id, recipient, subject, createdAt, createdAt),
      ),
      scratch.prepare(`INSERT INTO email_recipients (email_id, address, kind) VALUES ('m-c', 'eve@cc.example', 'cc')`),
      scratch.prepare(
        `INSERT INTO email_recipients (email_id, address, kind) VALUES ('m-c', 'fay@bcc.example', 'bcc')`,
      ),
    ]);
    await applyD1Migrations(scratch, env.ORG_MIGRATIONS);

    const { results } = await scratch
      .prepare(
        `SELECT search_email_id AS id, CAST(-rowid - CAST(? AS INTEGER) * 1048576 AS TEXT) AS n, search_addresses AS addresses
         FROM email_search ORDER BY rowid`,
      )
      .bind(at)
      .all();
    // Newest first: m-c (a millisecond later), then m-b before m-a (n in id order, highest first).
    expect(results).toEqual([
      { id: 'm-c', n: '1048576', addresses: 'dan@example.com eve@cc.example fay@bcc.example' },
      // 0002 backfilled each To address into email_recipients: already part of `recipient`.
      { id: 'm-b', n: '1', addresses: 'Bea@Example.com, cid@example.com' },
      { id: 'm-a', n: '0', addresses: 'ann@example.com' },
    ]);
    const search = createD1EmailQueries(scratch);
    expect((await search.listEmails({ search: 'quarterly' })).emails.map((e) => e.id)).toEqual(['m-b', 'm-a']);
    expect((await search.listEmails({ search: 'BEA@' })).emails.map((e) => e.id)).toEqual(['m-b']);
    expect((await search.listEmails({ search: 'fay@bcc' })).emails.map((e) => e.id)).toEqual(['m-c']);
  });
});
