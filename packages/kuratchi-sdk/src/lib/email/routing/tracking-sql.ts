import { detailsKey } from '../ses-events/apply.js';
import { statusRank, type FieldEffect } from '../model.js';
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
        // The row's details key, built in SQL exactly as `detailsKey` builds the event's (values in
        // field-name order, null as '', joined by U+001F = char(31)).
        const keyExpr = fields.length
          ? fields.map((field) => `coalesce(${columns[field]!}, '')`).join(` || char(31) || `)
          : `''`;
        const key = detailsKey(effect.details ?? {});
        const before = effect.kind === 'earliest' ? '<' : '>';
        // Same rule as `wins` in ses-events/apply.ts: empty, an earlier (later) time, or the same
        // time with a smaller (larger) details key.
        const condition = `(${at} IS NULL OR ? ${before} ${at} OR (? = ${at} AND ? ${before} (${keyExpr})))`;
        const conditionParams = [effect.time, effect.time, key];
        assignments.push(`${at} = CASE WHEN ${condition} THEN ? ELSE ${at} END`);
        params.push(...conditionParams, effect.time);
        for (const field of fields) {
          const column = columns[field]!;
          assignments.push(`${column} = CASE WHEN ${condition} THEN ? ELSE ${column} END`);
          params.push(...conditionParams, effect.details?.[field] ?? null);
        }
        break;
      }
    }
  }
  return { sql: assignments.join(', '), params };
}
