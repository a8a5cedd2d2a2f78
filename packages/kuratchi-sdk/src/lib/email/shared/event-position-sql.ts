/**
 * SQL of the position the next recorded event gets (the API's event feed, org migrations 0010 and
 * 0017): one more than both the greatest position in `email_events` (its unique index's last
 * entry) and the sequence row's `last` (a position no longer in the table, kept so that none is
 * given twice). The statement that records an event writes it with the row: one index entry, where
 * numbering the row after its insert rewrote the row, its index entry and the sequence. Every
 * write to an organisation's database is serialised, so an event recorded later gets a greater one.
 * The trigger of 0017 numbers an event inserted without a position by the same rule.
 * @see https://developers.cloudflare.com/d1/platform/pricing/ (every row and index entry written is billed)
 * @see https://www.sqlite.org/lang_aggfunc.html#max_agg
 */
export const NEXT_EVENT_POSITION_SQL = `1 + max(coalesce((SELECT max(position) FROM email_events), 0),
  coalesce((SELECT last FROM event_position_sequence WHERE id = 1), 0))`;
