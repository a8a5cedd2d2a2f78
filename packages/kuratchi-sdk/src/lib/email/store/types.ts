import type { EmailEventRecord, EmailRow, SuppressionFromEvent, TrackingEffect } from '../model.js';

/** Where an SES message's events go: the organisation and its email row. */
export interface MessageRoute {
  organizationId: string;
  emailId: string;
}

/** A verified SES event kept until its email is known. */
export interface ParkedEvent {
  snsMessageId: string;
  sesMessageId: string;
  /** The verified SNS Message (SES event record JSON). */
  message: string;
  parkedAt: number;
}

/** A SubscriptionConfirmation or UnsubscribeConfirmation and what was done with it. */
export interface SubscriptionMessageRecord {
  snsMessageId: string;
  type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  topicArn: string;
  snsTimestamp: number;
  outcome: 'confirmed' | 'confirm-failed' | 'unsubscribed';
  detail: string | null;
  receivedAt: number;
}

/** The admin database as the ingestor needs it. */
export interface AdminStore {
  /** The route of an SES message id, or null when `sendEmail` has not written it (yet). */
  findMessageRoute(sesMessageId: string): Promise<MessageRoute | null>;
  /**
   * Writes the route of an SES message id (writing the same route again changes nothing).
   * @throws {MessageBindingError} `message-routed-to-other-email` when the message id already
   *   routes to another organisation or email: the existing route is kept and reported.
   */
  putMessageRoute(sesMessageId: string, route: MessageRoute, now: number): Promise<void>;
  /** Parks an event; parking the same SNS message again changes nothing. */
  parkEvent(event: ParkedEvent): Promise<void>;
  /** Events parked for an SES message id, oldest first. */
  listParkedEvents(sesMessageId: string): Promise<ParkedEvent[]>;
  /** Removes a parked event once applied. */
  deleteParkedEvent(snsMessageId: string): Promise<void>;
  /** Records a subscription message (idempotent by SNS MessageId; the latest outcome wins). */
  recordSubscriptionMessage(record: SubscriptionMessageRecord): Promise<void>;
  /** Adds one to each named ingestion counter, stamping it with `at` (one batch). */
  countIngestion(names: readonly string[], at: number): Promise<void>;
  /** Every ingestion counter. */
  listIngestionCounters(): Promise<IngestionCounter[]>;
}

/** One ingestion counter (see `ingestionCounterNames`). */
export interface IngestionCounter {
  name: string;
  count: number;
  lastAt: number;
}

/** An event to record for one email of an organisation. */
export interface RecordEventInput {
  emailId: string;
  event: EmailEventRecord;
  effects: readonly TrackingEffect[];
  suppressions: readonly SuppressionFromEvent[];
  receivedAt: number;
}

/**
 * What recording an event did: `applied` (first time seen: recorded and applied), `duplicate`
 * (this SNS message was recorded before: nothing changed), `email-missing` (the email row does not
 * exist in this database (yet): nothing changed), `email-mismatch` (the email row is bound to
 * another SES message: nothing changed).
 */
export type RecordEventOutcome = 'applied' | 'duplicate' | 'email-missing' | 'email-mismatch';

/** An organisation's email database as the ingestor needs it. */
export interface OrgEmailStore {
  /**
   * Records a distinct event and applies its effects, atomically (one D1 batch), only if the
   * email row exists and is bound to the event's SES message or to none yet. Never binds the row.
   */
  recordEvent(input: RecordEventInput): Promise<RecordEventOutcome>;
  /** One email row, or null. */
  getEmail(emailId: string): Promise<EmailRow | null>;
}

/** Resolves an organisation id to its email store. */
export type OrgEmailStoreResolver = (organizationId: string) => Promise<OrgEmailStore>;

/** An email row as `sendEmail` writes it, before SES is called (status `pending`). */
export interface NewEmailRow {
  id: string;
  /** The To addresses, comma-separated. */
  recipient: string;
  sender: string;
  subject: string;
  emailType: string | null;
  userId: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: number;
}

/** The organisation's `emails` table as `sendEmail` writes it. */
export interface OutgoingEmailStore {
  /** Inserts the row with status `pending`. */
  insertPending(row: NewEmailRow): Promise<void>;
  /**
   * Records that SES accepted the message: binds the row to its SES message id, raises the
   * status to `sent` (never lowering one an event already raised) and keeps the earliest `sentAt`.
   * @throws {MessageBindingError} `email-bound-to-other-message` when the row is already bound to
   *   another SES message (nothing is changed: the row keeps its binding, and the caller is told),
   *   `email-missing` when there is no such row.
   */
  markSent(emailId: string, sesMessageId: string, at: number): Promise<void>;
  /** Records that SES refused the message: status `failed`, the error text, `failedAt`. */
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
