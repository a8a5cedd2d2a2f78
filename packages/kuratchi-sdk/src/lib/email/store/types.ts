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
  /** Writes (or keeps) the route of an SES message id. */
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
 * exist in this database (yet): nothing changed).
 */
export type RecordEventOutcome = 'applied' | 'duplicate' | 'email-missing';

/** An organisation's email database as the ingestor needs it. */
export interface OrgEmailStore {
  /** Records a distinct event and applies its effects, atomically (one D1 batch). */
  recordEvent(input: RecordEventInput): Promise<RecordEventOutcome>;
  /** One email row, or null. */
  getEmail(emailId: string): Promise<EmailRow | null>;
}

/** Resolves an organisation id to its email store. */
export type OrgEmailStoreResolver = (organizationId: string) => Promise<OrgEmailStore>;
