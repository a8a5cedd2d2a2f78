/**
 * When a recipient row (as `alias`) is marked in `email_reputation_marks`
 * (migrations/org/0016_reputation_marks.sql, whose triggers say the same in SQL): sent, and
 * bounced permanently (a bounce of unknown type counts: SES's are Permanent or not, and its bounce
 * rate counts hard bounces) or complained. The one rule of what the reputation guard counts as a
 * bounced or complaining address; canary emails are left out as shared/canary-sql.ts says.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export const REPUTATION_MARK_SQL = {
  bounced: (alias: string) =>
    `${alias}.sent_at IS NOT NULL AND ${alias}.bounced_at IS NOT NULL AND coalesce(${alias}.bounce_type, 'Permanent') = 'Permanent'`,
  complained: (alias: string) => `${alias}.sent_at IS NOT NULL AND ${alias}.complained_at IS NOT NULL`,
} as const;

/** A kind of mark: a permanent bounce or a complaint. */
export type ReputationMarkKind = keyof typeof REPUTATION_MARK_SQL;

/**
 * The longest trailing window the guard accepts (`KURATCHI_GUARD_WINDOW_DAYS` at most 90): the
 * marks older than that are never read, so the guard's cron deletes them.
 */
export const MAX_GUARD_WINDOW_DAYS = 90;
