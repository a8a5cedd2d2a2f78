import type { EmailLogCursor } from './email-log-cursor.js';

/**
 * Shortest search term the index can find: the `email_search` table (migrations/org/0003_search.sql)
 * uses FTS5's trigram tokenizer, and "substrings consisting of fewer than 3 unicode characters do
 * not match any rows" there. Shorter terms are left out of a search; a search made only of them
 * matches no email.
 * @see https://www.sqlite.org/fts5.html#the_trigram_tokenizer
 */
export const EMAIL_SEARCH_MIN_TERM_LENGTH = 3;

/**
 * `email_search` rowids are `-(created_at * 2^20 + n)`: a millisecond `c` holds the keys
 * `(-(c + 1) * 2^20, -c * 2^20]` (see migrations/org/0003_search.sql).
 */
const KEY_SPAN = 1_048_576;

/** What a search text asks for, ready for SQL. */
export interface EmailSearch {
  /** The terms that can be matched (whitespace-separated, at least three characters, deduplicated). */
  terms: string[];
  /** FTS5 query of every term as a literal string, all required; null when there is no term. */
  match: string | null;
  /** The text read as an SES message id (one term of hex digits and hyphens), or null. */
  sesMessageId: string | null;
}

/**
 * Reads a search text: whitespace splits it into terms, each matched as literal text (FTS5
 * operators such as `OR`, `NOT`, `*`, `-`, `^`, `:` or parentheses mean nothing here), and an email
 * matches when every term is part of its recipients, its subject or both. Null for a blank text
 * (no search). A term is quoted as an FTS5 string, its `"` doubled, so no input is a syntax error
 * or reaches the query language; control characters (NUL included) count as whitespace.
 * @see https://www.sqlite.org/fts5.html#fts5_strings
 */
export function parseEmailSearch(text: string | undefined): EmailSearch | null {
  // \p{Cc}: control characters (U+0000–U+001F, U+007F–U+009F).
  const words = (text ?? '').split(/[\s\p{Cc}]+/u).filter(Boolean);
  if (!words.length) return null;
  const terms = [...new Set(words)].filter((word) => [...word].length >= EMAIL_SEARCH_MIN_TERM_LENGTH);
  return {
    terms,
    match: terms.length ? terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' ') : null,
    sesMessageId: words.length === 1 ? sesMessageIdOf(words[0]!) : null,
  };
}

/**
 * An SES message id, as SES returns it from SendEmail and in `mail.messageId` (hex groups joined by
 * hyphens, e.g. `010f0190b8d0f5e1-6c6bd1ba-…-000000`), also when pasted from a `Message-ID` header
 * (`<id@eu-west-1.amazonses.com>`). Message ids are looked up whole through the unique index of
 * `emails.ses_message_id` rather than indexed as text.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
function sesMessageIdOf(word: string): string | null {
  const id = /^<?([0-9a-f]+(?:-[0-9a-f]+)+)(?:@[a-z0-9.-]*amazonses\.com)?>?$/i.exec(word)?.[1];
  return id && id.length >= 20 ? id.toLowerCase() : null;
}

/**
 * FROM, extra WHERE terms, ORDER BY and their parameters of the email log with a full-text search.
 * `inOrder`: FTS5 hands out the matches in that order itself (no sort), so the page's outcomes can
 * be counted in the same SELECT: SQLite computes them only for the rows the LIMIT keeps.
 */
export interface EmailSearchSql {
  from: string;
  where: string[];
  params: unknown[];
  orderBy: string;
  inOrder: true;
}

/**
 * The FTS5 part of a log query: the search table first (CROSS JOIN keeps it the outer loop), each
 * match joined to its email by primary key, newest first by ascending search key (FTS5 returns
 * rowids in order itself, so the page needs no sort), the date range and the cursor as key
 * bounds. The cursor's key is looked up by the email's id; when that email is gone the page
 * restarts at the start of its millisecond (rows of that millisecond may show again, none is
 * skipped). The caller's own filters (status, dates on `created_at`) still apply to `emails`.
 * Times are bound as numbers (REAL in D1) and cast to INTEGER before the key arithmetic.
 * @see https://www.sqlite.org/lang_select.html#crossjoin
 * @see https://www.sqlite.org/fts5.html#full_text_query_syntax
 */
export function emailSearchSql(
  match: string,
  range: { from?: number; to?: number },
  cursor: EmailLogCursor | null,
): EmailSearchSql {
  /** The key of n = 0 of the millisecond bound next (the top of its key range). */
  const top = `-(CAST(? AS INTEGER) * ${KEY_SPAN})`;
  const where = ['email_search MATCH ?'];
  const params: unknown[] = [match];
  if (range.from !== undefined) {
    // created_at >= from: keys up to the top of `from`'s millisecond.
    where.push(`email_search.rowid <= ${top}`);
    params.push(range.from);
  }
  if (range.to !== undefined) {
    // created_at < to: keys above the top of `to`'s millisecond.
    where.push(`email_search.rowid > ${top}`);
    params.push(range.to);
  }
  if (cursor) {
    where.push(
      `email_search.rowid > coalesce((SELECT s.rowid FROM email_search s WHERE s.rowid > ${top} - ${KEY_SPAN}` +
        ` AND s.rowid <= ${top} AND s.search_email_id = ?), ${top} - ${KEY_SPAN})`,
    );
    params.push(cursor.createdAt, cursor.createdAt, cursor.id, cursor.createdAt);
  }
  return {
    from: 'email_search CROSS JOIN emails ON emails.id = email_search.search_email_id',
    where,
    params,
    orderBy: 'email_search.rowid',
    inOrder: true,
  };
}
