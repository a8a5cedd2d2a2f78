import type { EmailRecipient, EmailRow } from 'kuratchi-sdk/internal/events';
import type { DailyEmailStats } from 'kuratchi-sdk/internal/d1';

/** Columns of a CSV export: the header name and the cell of a row, in order. */
type Columns<Row> = Array<[string, (row: Row) => string | number | null]>;

/** Columns of the CSV export, one line per email, in order. */
const COLUMNS: Columns<EmailRow> = [
  ['id', (e) => e.id],
  ['created_at', (e) => iso(e.createdAt)],
  ['sent_at', (e) => iso(e.sentAt)],
  ['recipient', (e) => e.recipient],
  ['subject', (e) => e.subject],
  ['email_type', (e) => e.emailType],
  ['status', (e) => e.status],
  ['delivered_at', (e) => iso(e.deliveredAt)],
  ['open_count', (e) => e.openCount],
  ['machine_open_count', (e) => e.machineOpenCount],
  ['click_count', (e) => e.clickCount],
  ['machine_click_count', (e) => e.machineClickCount],
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

/** One line per recipient: the email it belongs to and that recipient's own outcome. */
export interface RecipientCsvRow {
  email: EmailRow;
  recipient: EmailRecipient;
}

/** Columns of the per-recipient CSV export (`?per=recipient`), in order. */
const RECIPIENT_COLUMNS: Columns<RecipientCsvRow> = [
  ['email_id', (r) => r.email.id],
  ['created_at', (r) => iso(r.email.createdAt)],
  ['subject', (r) => r.email.subject],
  ['email_type', (r) => r.email.emailType],
  ['email_status', (r) => r.email.status],
  ['address', (r) => r.recipient.address],
  ['kind', (r) => r.recipient.kind],
  ['status', (r) => r.recipient.status],
  ['sent_at', (r) => iso(r.recipient.sentAt)],
  ['delivered_at', (r) => iso(r.recipient.deliveredAt)],
  ['smtp_response', (r) => r.recipient.smtpResponse],
  ['delayed_at', (r) => iso(r.recipient.delayedAt)],
  ['delivery_delay_type', (r) => r.recipient.deliveryDelayType],
  ['bounced_at', (r) => iso(r.recipient.bouncedAt)],
  ['bounce_type', (r) => r.recipient.bounceType],
  ['bounce_sub_type', (r) => r.recipient.bounceSubType],
  ['bounce_diagnostic', (r) => r.recipient.bounceDiagnostic],
  ['complained_at', (r) => iso(r.recipient.complainedAt)],
  ['complaint_feedback_type', (r) => r.recipient.complaintFeedbackType],
];

/**
 * Columns of the daily totals (`?per=day`): one line per UTC day, the overview's figures as the
 * daily rollups keep them (`dailyStats`), so they stay after retention deletes the emails.
 */
const DAILY_COLUMNS: Columns<DailyEmailStats> = [
  ['day', (d) => d.day],
  ['sent', (d) => d.sent],
  ['delivered', (d) => d.delivered],
  ['opened', (d) => d.opened],
  ['opened_by_people', (d) => d.humanOpened],
  ['clicked', (d) => d.clicked],
  ['clicked_by_people', (d) => d.humanClicked],
  ['bounced', (d) => d.bounced],
  ['bounced_permanent', (d) => d.bouncedPermanent],
  ['bounced_transient', (d) => d.bouncedTransient],
  ['bounced_undetermined', (d) => d.bouncedUndetermined],
  ['complained', (d) => d.complained],
  ['rejected', (d) => d.rejected],
  ['failed', (d) => d.failed],
  ['recipients_sent', (d) => d.recipientsSent],
  ['recipients_bounced', (d) => d.recipientsBounced],
  ['recipients_complained', (d) => d.recipientsComplained],
];

/** The header line of the daily totals CSV. */
export const DAILY_CSV_HEADER = header(DAILY_COLUMNS);

/** One line of the daily totals CSV. */
export function dailyCsvLine(day: DailyEmailStats): string {
  return line(DAILY_COLUMNS, day);
}

/** The CSV header line. */
export const CSV_HEADER = header(COLUMNS);

/** The header line of the per-recipient CSV. */
export const RECIPIENT_CSV_HEADER = header(RECIPIENT_COLUMNS);

/** One line of the per-recipient CSV, quoted and guarded as {@link csvLine}. */
export function recipientCsvLine(row: RecipientCsvRow): string {
  return line(RECIPIENT_COLUMNS, row);
}

function header<Row>(columns: Columns<Row>): string {
  return `${columns.map(([name]) => name).join(',')}\r\n`;
}

function line<Row>(columns: Columns<Row>, row: Row): string {
  return `${columns.map(([, value]) => cell(value(row))).join(',')}\r\n`;
}

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
  return line(COLUMNS, email);
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
