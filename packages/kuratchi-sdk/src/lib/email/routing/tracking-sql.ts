import { detailsKey } from '../ses-events/apply.js';
import { statusRank, type EmailStatus, type FieldEffect } from '../model.js';
import { EMAIL_COLUMNS, STATUS_RANK_SQL } from './columns.js';

/** A fragment of SQL with its positional (`?`) parameters, in order. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/**
 * Compiles tracking effects into the SET list of one `UPDATE emails` (or, with
 * `RECIPIENT_COLUMNS`, of a recipient row), so an event changes its row atomically with no
 * read-modify-write. Every expression reads the row as it was before the
 * update (SQLite evaluates all SET expressions against the old row), which is exactly what
 * `applyEffects` does field by field: the two agree, and a D1 test checks it on random events.
 * @see https://www.sqlite.org/lang_update.html
 */
export function compileTrackingEffects(
  effects: readonly FieldEffect<string, string, string>[],
  columns: Readonly<Record<string, string>> = EMAIL_COLUMNS,
): SqlFragment {
  const assignments: string[] = [];
  const params: unknown[] = [];
  for (const effect of effects) {
    switch (effect.kind) {
      case 'raise-status':
        assignments.push(`status = CASE WHEN (${STATUS_RANK_SQL}) < ? THEN ? ELSE status END`);
        params.push(statusRank(effect.status), effect.status);
        break;
      case 'increment': {
        const column = columns[effect.field]!;
        assignments.push(`${column} = ${column} + 1`);
        break;
      }
      case 'earliest':
      case 'latest': {
        const at = columns[effect.at]!;
        const fields = (Object.keys(effect.details ?? {}) as string[]).sort();
        const condition = winsCondition(effect, columns);
        assignments.push(`${at} = CASE WHEN ${condition.sql} THEN ? ELSE ${at} END`);
        params.push(...condition.params, effect.time);
        for (const field of fields) {
          const column = columns[field]!;
          assignments.push(`${column} = CASE WHEN ${condition.sql} THEN ? ELSE ${column} END`);
          params.push(...condition.params, effect.details?.[field] ?? null);
        }
        break;
      }
    }
  }
  return { sql: assignments.join(', '), params };
}

/**
 * Whether an `earliest` / `latest` effect wins over the row's values: the same rule as `wins` in
 * ses-events/apply.ts (an empty time, an earlier (later) time, or the same time with a smaller
 * (larger) details key), the row's details key built in SQL exactly as `detailsKey` builds the
 * event's (values in field-name order, null as '', joined by U+001F = char(31)).
 */
function winsCondition(
  effect: Extract<FieldEffect<string, string, string>, { kind: 'earliest' | 'latest' }>,
  columns: Readonly<Record<string, string>>,
): SqlFragment {
  const at = columns[effect.at]!;
  const fields = (Object.keys(effect.details ?? {}) as string[]).sort();
  const keyExpr = fields.length
    ? fields.map((field) => `coalesce(${columns[field]!}, '')`).join(` || char(31) || `)
    : `''`;
  const before = effect.kind === 'earliest' ? '<' : '>';
  return {
    sql: `(${at} IS NULL OR ? ${before} ${at} OR (? = ${at} AND ? ${before} (${keyExpr})))`,
    params: [effect.time, effect.time, detailsKey(effect.details ?? {})],
  };
}

/**
 * Whether `effects` change anything of the row (SQL over its columns): a status that rises, a
 * counter, an `earliest` / `latest` that wins. An upsert's `DO UPDATE … WHERE` with it leaves a
 * row nothing changes unwritten: D1 bills every row and index entry a statement writes, changed
 * or not.
 * @see https://developers.cloudflare.com/d1/platform/pricing/ (rows written, indexes included)
 * @see https://www.sqlite.org/lang_upsert.html
 */
export function compileChangeCondition(
  effects: readonly FieldEffect<string, string, string>[],
  columns: Readonly<Record<string, string>> = EMAIL_COLUMNS,
): SqlFragment {
  const conditions = effects.map((effect): SqlFragment => {
    if (effect.kind === 'raise-status') return statusRises(effect.status);
    return effect.kind === 'increment' ? { sql: 'true', params: [] } : winsCondition(effect, columns);
  });
  return conditions.length
    ? { sql: `(${conditions.map((c) => c.sql).join(' OR ')})`, params: conditions.flatMap((c) => c.params) }
    : { sql: 'false', params: [] };
}

/**
 * The effects split for two UPDATEs of which exactly one changes the row, so that the status
 * column (and `emails_by_status` with it) is written only when the status rises: SQLite rewrites
 * the entries of every index whose column a statement assigns, changed or not, and D1 bills each
 * one as a row written. `rises`: the row's status ranks below the effects' `raise-status`;
 * `withoutStatus`: the other effects' SET list. Run the statement for a status that stays first
 * (`NOT rises`, `withoutStatus`), then the one that raises it (`rises`, every effect): a row the
 * first changed still does not rise, so no row is written twice. Null without a `raise-status`.
 * @see https://developers.cloudflare.com/d1/platform/pricing/ (rows written, indexes included)
 * @see https://www.sqlite.org/lang_update.html
 */
export function compileStatusSplit(
  effects: readonly FieldEffect<string, string, string>[],
  columns: Readonly<Record<string, string>> = EMAIL_COLUMNS,
): { rises: SqlFragment; withoutStatus: SqlFragment } | null {
  const raise = effects.find((effect) => effect.kind === 'raise-status');
  if (!raise) return null;
  return {
    rises: statusRises(raise.status),
    withoutStatus: compileTrackingEffects(
      effects.filter((effect) => effect.kind !== 'raise-status'),
      columns,
    ),
  };
}

/** Whether the row's status ranks below `status` (SQL). */
function statusRises(status: EmailStatus): SqlFragment {
  return { sql: `(${STATUS_RANK_SQL}) < ?`, params: [statusRank(status)] };
}
