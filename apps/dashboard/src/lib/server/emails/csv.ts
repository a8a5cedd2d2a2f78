import type { EmailRow } from 'kuratchi-sdk/email';

/** Columns of the CSV export, in order. */
const COLUMNS: Array<[string, (email: EmailRow) => string | number | null]> = [
  ['id', (e) => e.id],
  ['created_at', (e) => iso(e.createdAt)],
  ['sent_at', (e) => iso(e.sentAt)],
  ['recipient', (e) => e.recipient],
  ['subject', (e) => e.subject],
  ['email_type', (e) => e.emailType],
  ['status', (e) => e.status],
  ['delivered_at', (e) => iso(e.deliveredAt)],
  ['open_count', (e) => e.openCount],
  ['click_count', (e) => e.clickCount],
  ['last_clicked_link', (e) => e.lastClickedLink],
  ['bounce_type', (e) => e.bounceType],
  ['bounce_sub_type', (e) => e.bounceSubType],
  ['complained_at', (e) => iso(e.complainedAt)],
  ['complaint_feedback_type', (e) => e.complaintFeedbackType],
  ['reject_reason', (e) => e.rejectReason],
  ['delivery_delay_type', (e) => e.deliveryDelayType],
  ['rendering_failure', (e) => e.renderingFailure],
];

/** The CSV header line. */
export const CSV_HEADER = `${COLUMNS.map(([name]) => name).join(',')}\r\n`;

/**
 * One CSV line (RFC 4180). A cell that a spreadsheet would run as a formula (starting with
 * `=`, `+`, `-`, `@`, tab or CR) is prefixed with `'`.
 * @see https://www.rfc-editor.org/rfc/rfc4180
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
export function csvLine(email: EmailRow): string {
  return `${COLUMNS.map(([, value]) => cell(value(email))).join(',')}\r\n`;
}

function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
