// The search rows of benchmark 3 (bench/queries.mjs, issue 13): listEmails({ search }) on the
// same emails as the log queries, against the bare indexed query returning the same rows: the FTS5
// MATCH of the term joined to `emails` by primary key, in the index's order (`SELECT emails.* FROM
// email_search CROSS JOIN emails ON emails.id = email_search.search_email_id WHERE email_search
// MATCH ? ORDER BY email_search.rowid LIMIT 50`, the path listEmails takes, without its filters and
// outcomes), or for an SES message id the bare lookup on the unique index of `emails.ses_message_id`.
// (The MATCH alone, rowids only, returns no email: listEmails is also printed against it.) Rows are
// checked against an oracle that scans the tables with `instr` (no index), the baseline's rows too,
// and every plan must start from the FTS5 index (or the message id's unique index), join `emails`
// by primary key, never sort the matches nor copy them through a nested page.
import { readFileSync } from 'node:fs';

const PAGE = 50;
const BARE_MATCH = 'bare FTS5 MATCH joined to emails by primary key, same ORDER BY/LIMIT';

/**
 * The search queries, as queries.mjs runs them: `filter` for listEmails, `bare` the baseline,
 * `matchOnly` the MATCH alone, `oracle` the expected ids (newest first, as listEmails pages them),
 * `planProblems(plans)`.
 */
export async function searchQueries(db, size) {
  // The message id of a row in the table at every size (row 125,007 of 1M).
  const { messageId } = await db
    .prepare('SELECT ses_message_id AS messageId FROM emails WHERE id = ?')
    .bind(`email-${String(Math.floor(size / 8) + 7).padStart(8, '0')}`)
    .first();
  /** The bare MATCH joined to its emails, same rows and order as listEmails (`status`: and that status). */
  const fts = (term, status) => ({
    sql: `SELECT emails.* FROM email_search CROSS JOIN emails ON emails.id = email_search.search_email_id
          WHERE email_search MATCH ?${status ? ' AND emails.status = ?' : ''} ORDER BY email_search.rowid LIMIT ${PAGE}`,
    params: status ? [`"${term}"`, status] : [`"${term}"`],
  });
  /** The MATCH alone: the index's first rowids, no email read (printed for reference). */
  const matchOnly = (term) => ({
    sql: `SELECT rowid AS id FROM email_search WHERE email_search MATCH ? LIMIT ${PAGE}`,
    params: [`"${term}"`],
  });
  return [
    {
      id: 'search-common-word',
      label: 'search "receipt" (in 30 % of subjects)',
      filter: { search: 'receipt' },
      bare: fts('receipt'),
      matchOnly: matchOnly('receipt'),
      baselineName: BARE_MATCH,
      oracle: oracle('receipt'),
      planProblems: ftsPlanProblems,
      target: '≤ 1.5',
    },
    {
      id: 'search-address-fragment',
      label: 'search "ia.rossi427@exa" (middle of one recipient, ~6 rows at 1M)',
      filter: { search: 'ia.rossi427@exa' },
      bare: fts('ia.rossi427@exa'),
      matchOnly: matchOnly('ia.rossi427@exa'),
      baselineName: BARE_MATCH,
      oracle: oracle('ia.rossi427@exa'),
      planProblems: ftsPlanProblems,
      target: '≤ 1.5',
    },
    {
      id: 'search-cc-address',
      label: 'search "team17@partner" (a CC address, ~0.02 % of rows)',
      filter: { search: 'team17@partner' },
      bare: fts('team17@partner'),
      matchOnly: matchOnly('team17@partner'),
      baselineName: BARE_MATCH,
      oracle: oracle('team17@partner'),
      planProblems: ftsPlanProblems,
      target: '≤ 1.5',
    },
    {
      id: 'search-message-id',
      label: 'search an SES message id (whole)',
      filter: { search: messageId },
      bare: { sql: 'SELECT * FROM emails WHERE ses_message_id = ?', params: [messageId] },
      baselineName: 'bare lookup on the unique index of ses_message_id',
      oracle: { sql: 'SELECT id FROM emails WHERE ses_message_id = ?', params: [messageId] },
      planProblems: (plans) =>
        plans[0]?.plan.some((detail) => /^SEARCH emails USING INDEX \w+ \(ses_message_id=\?\)/.test(detail))
          ? scanProblems(plans)
          : ['the message id is not looked up through its unique index'],
      target: '≤ 1.5',
    },
    {
      id: 'search-common-word-bounced',
      label: 'search "receipt" with status = bounced (reference: ~13 matches read per row kept)',
      filter: { search: 'receipt', status: 'bounced' },
      bare: fts('receipt', 'bounced'),
      baselineName: BARE_MATCH,
      oracle: oracle('receipt', 'bounced'),
      planProblems: ftsPlanProblems,
      target: null,
    },
  ];
}

/** Ids of the first page of a one-term search, found without any index. */
function oracle(term, status) {
  return {
    sql: `SELECT id FROM emails NOT INDEXED
          WHERE (instr(lower(recipient || ' ' || subject), ?1) > 0
                 OR EXISTS (SELECT 1 FROM email_recipients r WHERE r.email_id = emails.id AND instr(r.address, ?1) > 0))
            ${status ? 'AND status = ?2' : ''}
          ORDER BY created_at DESC, id DESC LIMIT ${PAGE}`,
    params: status ? [term, status] : [term],
  };
}

/** A plan that reads a real table without an index. */
function scanProblems(plans) {
  return plans.flatMap(({ plan }) =>
    plan.filter((detail) => /^SCAN \w+$|^SCAN \w+ (?!USING (COVERING )?INDEX|VIRTUAL TABLE INDEX)/.test(detail)),
  );
}

/**
 * A search plan must MATCH in the FTS5 index, join `emails` by primary key, and neither sort its
 * matches nor copy them through a nested page.
 */
function ftsPlanProblems(plans) {
  const plan = plans.at(-1)?.plan ?? [];
  const problems = scanProblems(plans);
  if (!plan.some((detail) => /^SCAN email_search VIRTUAL TABLE INDEX \d+:M/.test(detail)))
    problems.push('the search does not start from a MATCH in the email_search FTS5 index');
  if (!plan.some((detail) => /^SEARCH emails USING INDEX sqlite_autoindex_emails_1 \(id=\?\)/.test(detail)))
    problems.push('matches are not joined to emails by primary key');
  // (A TEMP B-TREE FOR GROUP BY inside a per-row subquery, the recipients' outcomes, sorts a row's few
  // recipients, not the matches.)
  if (plan.some((detail) => /TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY/.test(detail)))
    problems.push('the matches are sorted (USE TEMP B-TREE FOR ORDER BY)');
  // The matches come in order, so their outcomes are counted in the same SELECT (no nested page).
  if (plan.some((detail) => /(CO-ROUTINE|MATERIALIZE) log_page$/.test(detail)))
    problems.push('the page is copied through a nested query (log_page)');
  return problems;
}

/**
 * The FTS5 table and its triggers are dropped while queries.mjs fills `emails` (a trigger per row
 * costs ~3× the whole fill), then made again from their own SQL and filled by the migration's
 * own backfill statement: the index of a database migrated with existing emails.
 */
export async function suspendSearchIndex(db) {
  const { results } = await db
    .prepare(
      `SELECT type, name, sql FROM sqlite_master
       WHERE (type = 'table' AND name = 'email_search') OR (type = 'trigger' AND name LIKE 'email_search_%')`,
    )
    .all();
  for (const { type, name } of results) {
    await db.prepare(`DROP ${type === 'table' ? 'TABLE' : 'TRIGGER'} ${name}`).run();
  }
  return results;
}

/**
 * Makes the FTS5 table and triggers of `suspended` again and backfills the table: its time, the
 * bytes it added and the database's size before.
 */
export async function rebuildSearchIndex(db, suspended, migrationFile) {
  const backfill = readFileSync(migrationFile, 'utf8')
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .find((statement) => /^INSERT INTO email_search\b[\s\S]*FROM email_search_text$/.test(statement));
  if (!backfill) throw new Error(`no backfill statement of email_search in ${migrationFile}`);
  const table = suspended.find((item) => item.type === 'table');
  await db.prepare(table.sql).run();
  const before = (await db.prepare('SELECT 1').run()).meta.size_after;
  const started = performance.now();
  const { meta } = await db.prepare(backfill).run();
  const seconds = (performance.now() - started) / 1000;
  for (const trigger of suspended.filter((item) => item.type === 'trigger')) await db.prepare(trigger.sql).run();
  return { seconds, bytes: meta.size_after - before, before };
}
