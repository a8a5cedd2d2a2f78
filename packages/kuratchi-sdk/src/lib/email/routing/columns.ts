import {
  EMAIL_STATUSES,
  statusRank,
  type EmailRecipient,
  type EmailRow,
  type EmailStatus,
  type EmailTracking,
} from '../model.js';

/** SQL column of each field of an email row (TypeScript camelCase -> SQL snake_case). */
export const EMAIL_COLUMNS = {
  id: 'id',
  recipient: 'recipient',
  sender: 'sender',
  subject: 'subject',
  emailType: 'email_type',
  status: 'status',
  sesMessageId: 'ses_message_id',
  error: 'error',
  userId: 'user_id',
  metadata: 'metadata',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  sentAt: 'sent_at',
  deliveredAt: 'delivered_at',
  delayedAt: 'delayed_at',
  openedAt: 'opened_at',
  clickedAt: 'clicked_at',
  bouncedAt: 'bounced_at',
  complainedAt: 'complained_at',
  rejectedAt: 'rejected_at',
  failedAt: 'failed_at',
  openCount: 'open_count',
  clickCount: 'click_count',
  machineOpenCount: 'machine_open_count',
  machineClickCount: 'machine_click_count',
  lastClickedAt: 'last_clicked_at',
  lastClickedLink: 'last_clicked_link',
  bounceType: 'bounce_type',
  bounceSubType: 'bounce_sub_type',
  complaintFeedbackType: 'complaint_feedback_type',
  rejectReason: 'reject_reason',
  deliveryDelayType: 'delivery_delay_type',
  renderingFailure: 'rendering_failure',
} as const satisfies Record<keyof EmailRow, string>;

/** SQL column of each field of a recipient row (`email_recipients`, but its `email_id`). */
export const RECIPIENT_COLUMNS = {
  address: 'address',
  kind: 'kind',
  status: 'status',
  sentAt: 'sent_at',
  deliveredAt: 'delivered_at',
  delayedAt: 'delayed_at',
  bouncedAt: 'bounced_at',
  complainedAt: 'complained_at',
  smtpResponse: 'smtp_response',
  bounceType: 'bounce_type',
  bounceSubType: 'bounce_sub_type',
  bounceDiagnostic: 'bounce_diagnostic',
  complaintFeedbackType: 'complaint_feedback_type',
  deliveryDelayType: 'delivery_delay_type',
} as const satisfies Record<keyof EmailRecipient, string>;

/** A `SELECT` list of the given columns, aliased to camelCase. */
function selectList(columns: Record<string, string>): string {
  return Object.entries(columns)
    .map(([field, column]) => (field === column ? column : `${column} AS ${field}`))
    .join(', ');
}

/** `SELECT` list of every email column, aliased to camelCase. */
export const EMAIL_SELECT_LIST = selectList(EMAIL_COLUMNS);

/** `SELECT` list of every recipient column, aliased to camelCase. */
export const RECIPIENT_SELECT_LIST = selectList(RECIPIENT_COLUMNS);

/** SQL expression of the precedence rank of the `status` column (see `statusRank`). */
export const STATUS_RANK_SQL = `CASE status ${EMAIL_STATUSES.map(
  (status: EmailStatus) => `WHEN '${status}' THEN ${statusRank(status)}`,
).join(' ')} END`;

/** An email row as D1 returns it with {@link EMAIL_SELECT_LIST} (metadata still JSON text). */
export type EmailSqlRow = Omit<EmailRow, 'metadata'> & { metadata: string | null };

/** Decodes a row selected with {@link EMAIL_SELECT_LIST}. */
export function emailFromSql(row: EmailSqlRow): EmailRow {
  return { ...row, metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>) };
}

/** The tracking fields of an email row. */
export function trackingOf(row: EmailRow): EmailTracking {
  const {
    id: _i,
    recipient: _r,
    sender: _s,
    subject: _j,
    emailType: _e,
    sesMessageId: _m,
    machineOpenCount: _mo,
    machineClickCount: _mc,
    error: _x,
    userId: _u,
    metadata: _d,
    createdAt: _c,
    updatedAt: _p,
    ...tracking
  } = row;
  return tracking;
}
