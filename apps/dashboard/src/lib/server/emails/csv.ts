import type { EmailRow } from 'kuratchi-sdk/email/events';

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
  ['failed_at', (e) => iso(e.failedAt)],
  ['error', (e) => e.error],
];

/** The CSV header line. */
export const CSV_HEADER = `${COLUMNS.map(([name]) => name).join(',')}\r\n`;

/**
 * One CSV line (RFC 4180). Every text cell is quoted (`"` doubled inside), numbers are bare and
 * missing values empty. A formula trigger (`=`, `+`, `-`, `@`, tab, CR, LF) that could begin a cell
 * gets a `'` in front of it: at the start of the text, and after any character where a spreadsheet
 * may start a new cell when it splits the line its own way (`,`, `;` in locales whose list
 * separator it is, tab, CR, LF), with spaces and quotes in between, as OWASP's CSV Injection page
 * asks ("it is not sufficient to make sure that the untrusted user input does not start with these
 * characters"). So `Hi;=HYPERLINK(…)` is written `"Hi;'=HYPERLINK(…)"`.
 * @see https://www.rfc-editor.org/rfc/rfc4180
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
export function csvLine(email: EmailRow): string {
  return `${COLUMNS.map(([, value]) => cell(value(email))).join(',')}\r\n`;
}

/**
 * A position where a cell could begin (the text's start, or a separator then any spaces or
 * quotes) followed by a formula trigger; never between the CR and LF of one line break.
 */
const FORMULA_START = /(?<=(?:^|[,;\t\r\n])[ "']*)(?<!\r(?=\n))(?=[=+\-@\t\r\n])/g;

function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  return `"${value.replace(FORMULA_START, "'").replaceAll('"', '""')}"`;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
