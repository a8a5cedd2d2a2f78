import type { RecipientKind } from '../model.js';

/**
 * The store's own interfaces: the organisation's `emails` table as `sendEmail` writes it and its
 * suppression list. (The ports the ingestion core needs are `routing/ports.ts`, which the D1
 * stores implement.)
 */

/** An email row as `sendEmail` writes it, before SES is called (status `pending`). */
export interface NewEmailRow {
  id: string;
  /** The To addresses, comma-separated (what the log shows). */
  recipient: string;
  /**
   * Every recipient (To, CC, BCC), each a row of `email_recipients`; default the addresses of
   * `recipient` as To.
   */
  recipients?: ReadonlyArray<{ address: string; kind: RecipientKind }>;
  sender: string;
  subject: string;
  emailType: string | null;
  userId: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: number;
  /** The caller's tags of `sendEmail` (rows of `email_tags`, for the API's `tag` filter); default none. */
  tags?: Readonly<Record<string, string>>;
  /**
   * A canary email (`kuratchi-sdk/internal/canary`, sent to the SES mailbox simulator): kept out of
   * the organisation's statistics and hidden from the email log by default. Default false.
   */
  canary?: boolean;
}

/** The organisation's `emails` table as `sendEmail` writes it. */
export interface OutgoingEmailStore {
  /** Inserts the row with status `pending`. */
  insertPending(row: NewEmailRow): Promise<void>;
  /**
   * Records that SES accepted the message: binds the row to its SES message id, raises the
   * status to `sent` (never lowering one an event already raised) and keeps the earliest `sentAt`,
   * for the email and each of its recipients.
   * @throws {MessageBindingError} `email-bound-to-other-message` when the row is already bound to
   *   another SES message (nothing is changed: the row keeps its binding, and the caller is told),
   *   `email-missing` when there is no such row.
   */
  markSent(emailId: string, sesMessageId: string, at: number): Promise<void>;
  /**
   * Records that SES refused the message: status `failed`, the error text, `failedAt`; every
   * recipient's status rises to `failed`.
   */
  markFailed(emailId: string, error: string, at: number): Promise<void>;
}

/** Why an address is on the suppression list: an SES event, or added by hand. */
export type SuppressionReason = 'bounce' | 'complaint' | 'manual';

/** A row of the organisation's `email_suppressions` table. */
export interface SuppressionListEntry {
  /** Lower-cased address. */
  emailAddress: string;
  reason: SuppressionReason;
  detail: string | null;
  /** The email whose bounce or complaint added it, if any. */
  sourceEmailId: string | null;
  createdAt: number;
}

/** One page of the suppression list, in address order. */
export interface SuppressionPageQuery {
  limit: number;
  /** Return addresses after this one (the last address of the previous page). */
  after?: string;
  reason?: SuppressionReason;
  /** Only addresses containing this (lower-cased) text. */
  search?: string;
}

/** The organisation's `email_suppressions` table. */
export interface SuppressionStore {
  /** The entries of these (lower-cased) addresses that are suppressed. */
  find(emailAddresses: readonly string[]): Promise<SuppressionListEntry[]>;
  list(query: SuppressionPageQuery): Promise<SuppressionListEntry[]>;
  /** Adds an entry; false when the address was already suppressed (the entry is kept as it was). */
  add(entry: SuppressionListEntry): Promise<boolean>;
  /** Removes an address; false when it was not suppressed. */
  remove(emailAddress: string): Promise<boolean>;
}
