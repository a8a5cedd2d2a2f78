/**
 * The vocabulary of email tracking shared by `ses-events/` (which decides what an event means) and
 * the slices that persist it: the email row, its status, and the field effects of an event.
 * No logic beyond the status order lives here.
 */

/**
 * Status of an email, in precedence order: an event never lowers it.
 * pending < sent < delayed < delivered < failed | rejected | bounced < complained.
 * failed (rendering failure or SES refused the send), rejected and bounced are the terminal
 * failures of the design; a real message meets at most one of them, and the fixed order between
 * them (failed < rejected < bounced) only keeps the outcome independent of arrival order.
 */
export const EMAIL_STATUSES = [
  'pending',
  'sent',
  'delayed',
  'delivered',
  'failed',
  'rejected',
  'bounced',
  'complained',
] as const;

/** One of {@link EMAIL_STATUSES}. */
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/** Rank of a status in the precedence order (higher wins). */
export function statusRank(status: EmailStatus): number {
  return EMAIL_STATUSES.indexOf(status);
}

/** Times are epoch milliseconds (UTC); `null` until the first such event. */
export type EpochMs = number;

/** The fields of an email row that SES events change. */
export interface EmailTracking {
  status: EmailStatus;
  sentAt: EpochMs | null;
  deliveredAt: EpochMs | null;
  delayedAt: EpochMs | null;
  openedAt: EpochMs | null;
  clickedAt: EpochMs | null;
  bouncedAt: EpochMs | null;
  complainedAt: EpochMs | null;
  rejectedAt: EpochMs | null;
  failedAt: EpochMs | null;
  openCount: number;
  clickCount: number;
  lastClickedAt: EpochMs | null;
  lastClickedLink: string | null;
  bounceType: string | null;
  bounceSubType: string | null;
  complaintFeedbackType: string | null;
  rejectReason: string | null;
  deliveryDelayType: string | null;
  renderingFailure: string | null;
}

/** A row of the organisation's `emails` table. */
export interface EmailRow extends EmailTracking {
  id: string;
  /** Opens and clicks that the engagement rules attribute to a machine (proxy, scanner). */
  machineOpenCount: number;
  machineClickCount: number;
  recipient: string;
  sender: string;
  subject: string;
  emailType: string | null;
  sesMessageId: string | null;
  error: string | null;
  userId: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** Tracking fields of an email nothing has happened to yet. */
export function initialTracking(): EmailTracking {
  return {
    status: 'pending',
    sentAt: null,
    deliveredAt: null,
    delayedAt: null,
    openedAt: null,
    clickedAt: null,
    bouncedAt: null,
    complainedAt: null,
    rejectedAt: null,
    failedAt: null,
    openCount: 0,
    clickCount: 0,
    lastClickedAt: null,
    lastClickedLink: null,
    bounceType: null,
    bounceSubType: null,
    complaintFeedbackType: null,
    rejectReason: null,
    deliveryDelayType: null,
    renderingFailure: null,
  };
}

/** Time fields of {@link EmailTracking}. */
export const TRACKING_TIME_FIELDS = [
  'sentAt',
  'deliveredAt',
  'delayedAt',
  'openedAt',
  'clickedAt',
  'bouncedAt',
  'complainedAt',
  'rejectedAt',
  'failedAt',
  'lastClickedAt',
] as const;
/** A time field of {@link EmailTracking}. */
export type TrackingTimeField = (typeof TRACKING_TIME_FIELDS)[number];
/** Counter fields of {@link EmailTracking}. */
export type TrackingCounterField = 'openCount' | 'clickCount';
/** Text detail fields of {@link EmailTracking}. */
export type TrackingDetailField =
  | 'lastClickedLink'
  | 'bounceType'
  | 'bounceSubType'
  | 'complaintFeedbackType'
  | 'rejectReason'
  | 'deliveryDelayType'
  | 'renderingFailure';

/**
 * One change an event makes to a row (an email, or one of its recipients). Every effect is
 * commutative and idempotent over a set of distinct events except `increment`, which the store
 * applies only together with the first recording of the event: so the final row depends only on
 * the set of distinct events.
 * - `raise-status`: the status becomes `status` if that ranks higher.
 * - `increment`: a counter goes up by one.
 * - `earliest` / `latest`: the time field `at` keeps the earliest (latest) event time, and the
 *   `details` fields take the values of that same event. Ties of time are broken by comparing
 *   the details' text, so no arrival order can change the outcome.
 */
export type FieldEffect<Time extends string, Counter extends string, Detail extends string> =
  | { kind: 'raise-status'; status: EmailStatus }
  | { kind: 'increment'; field: Counter }
  | {
      kind: 'earliest' | 'latest';
      at: Time;
      time: EpochMs;
      details?: Partial<Record<Detail, string | null>>;
    };

/** One change an event makes to an email row (see {@link FieldEffect}). */
export type TrackingEffect = FieldEffect<TrackingTimeField, TrackingCounterField, TrackingDetailField>;

/** How `sendEmail` addressed a recipient. */
export type RecipientKind = 'to' | 'cc' | 'bcc';

/**
 * The outcome of one recipient of an email. SES reports deliveries, bounces, complaints and
 * delays per recipient; Send, Reject and Rendering Failure concern every recipient of the message.
 * Opens and clicks are per message (SES cannot tell which recipient opened), so they are not here.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export interface RecipientTracking {
  /** Same precedence as the email's status: an event never lowers it. */
  status: EmailStatus;
  sentAt: EpochMs | null;
  deliveredAt: EpochMs | null;
  delayedAt: EpochMs | null;
  bouncedAt: EpochMs | null;
  complainedAt: EpochMs | null;
  /** The receiving server's answer to the delivery (`delivery.smtpResponse`). */
  smtpResponse: string | null;
  bounceType: string | null;
  bounceSubType: string | null;
  /** The bounce's `diagnosticCode` for this recipient. */
  bounceDiagnostic: string | null;
  complaintFeedbackType: string | null;
  deliveryDelayType: string | null;
}

/** A row of the organisation's `email_recipients` table. */
export interface EmailRecipient extends RecipientTracking {
  /** Lower-cased bare address. */
  address: string;
  /** How `sendEmail` addressed it; null when only SES's `mail.destination` named it. */
  kind: RecipientKind | null;
}

/** Tracking fields of a recipient nothing has happened to yet. */
export function initialRecipientTracking(): RecipientTracking {
  return {
    status: 'pending',
    sentAt: null,
    deliveredAt: null,
    delayedAt: null,
    bouncedAt: null,
    complainedAt: null,
    smtpResponse: null,
    bounceType: null,
    bounceSubType: null,
    bounceDiagnostic: null,
    complaintFeedbackType: null,
    deliveryDelayType: null,
  };
}

/** Time fields of {@link RecipientTracking}. */
export type RecipientTimeField = 'sentAt' | 'deliveredAt' | 'delayedAt' | 'bouncedAt' | 'complainedAt';
/** Text detail fields of {@link RecipientTracking}. */
export type RecipientDetailField =
  'smtpResponse' | 'bounceType' | 'bounceSubType' | 'bounceDiagnostic' | 'complaintFeedbackType' | 'deliveryDelayType';

/** One change an event makes to a recipient row (see {@link FieldEffect}); no counters. */
export type RecipientEffect = FieldEffect<RecipientTimeField, never, RecipientDetailField>;

/** The same recipient effects for a group of recipients of one event (lower-cased addresses). */
export interface RecipientEffectGroup {
  addresses: string[];
  effects: RecipientEffect[];
}

/**
 * How an SES event reached us: `sns` (the webhook), `redrive` (the SNS dead-letter queue, through
 * `kuratchi-ses redrive`), `firehose` (the Kinesis Data Firehose HTTP endpoint), `import` (files
 * Firehose wrote to S3, through `kuratchi-ses import`), `rebuild` (the raw archive, through
 * `kuratchi-ses rebuild`) or `reconcile` (learnt from SES's GetMessageInsights).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination.html
 */
export type SesEventSource = 'sns' | 'redrive' | 'firehose' | 'import' | 'rebuild' | 'reconcile';

/** Every {@link SesEventSource}, in the order above. */
export const SES_EVENT_SOURCES = [
  'sns',
  'redrive',
  'firehose',
  'import',
  'rebuild',
  'reconcile',
] as const satisfies readonly SesEventSource[];

/**
 * Where a copy of an event came from: its source and, when the raw signed SNS message was
 * archived, the archive's key for it.
 */
export interface EventProvenance {
  /** Default `sns`. */
  source?: SesEventSource;
  /** The R2 key of the raw SNS message as received (see the raw archive); absent when not archived. */
  archiveKey?: string;
}

/** An SES event as stored in the organisation's `email_events` table. */
export interface EmailEventRecord {
  /**
   * SNS MessageId: one row per distinct delivery of SNS, one of the two keys that drop duplicates.
   * An event that did not come through SNS (Firehose, an import) has `content:<contentId>`.
   */
  snsMessageId: string;
  /**
   * The event's content identity (`sesEventContentId`): the same SES event under another SNS
   * MessageId (identity notifications and event publishing on one topic, a Firehose record, an
   * import) has the same one, and is dropped as a duplicate.
   */
  contentId: string;
  /** How this copy reached us. */
  source: SesEventSource;
  /** The R2 key of the raw signed SNS message, or null when it was not archived. */
  archiveKey: string | null;
  sesMessageId: string;
  /** The SES `eventType` (`Rendering Failure` keeps its space). */
  eventType: string;
  /** When the event happened, by SES's own timestamp. */
  occurredAt: EpochMs;
  /** The event's detail object (the `bounce`, `open`… member), as JSON. */
  detail: string;
  /** Open and Click events: who made it (SES's `isBotEvent`, else our rules); null for other types. */
  engagement: EngagementVerdict | null;
  /**
   * Open and Click events: SES's `isBotEvent` as sent (`Likely`, `Unlikely`, or another value,
   * which counts as absent); null when the event has none.
   * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
   */
  isBotEvent: string | null;
  /** Click events: the clicked link; null for other types. */
  link: string | null;
  /** SES's `mail.timestamp`: when SES accepted the message. */
  mailTimestamp: EpochMs;
}

/**
 * Whether an open or click was a person or a machine (a mail privacy proxy, a link scanner), the
 * id of the rule that decided and the version of the rules table (see `ses-events/engagement.ts`).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export interface EngagementVerdict {
  engagement: 'human' | 'machine';
  /**
   * Why: 'ses-likely-bot' / 'ses-unlikely-bot' when SES's `isBotEvent` decided, else the id of the
   * rule that matched, e.g. 'apple-mpp', 'gmail-image-proxy', 'safe-links', 'proofpoint',
   * 'mimecast', 'barracuda', 'too-soon-after-send', 'click-burst', or 'default-human' when no rule
   * matched.
   */
  rule: string;
  /** `version` of the rules table the verdict was made under. */
  rulesVersion: number;
}

/** An address an event puts on the organisation's suppression list. */
export interface SuppressionFromEvent {
  /** Lower-cased address. */
  emailAddress: string;
  reason: 'bounce' | 'complaint';
  detail: string;
}

/**
 * Names of the SES message tags `sendEmail` adds (the organisation and email row of the message),
 * for the sender's own analysis in SES and CloudWatch. They are NOT a route: anyone sending
 * through the same SES account and configuration set can set any tag, so the ingestor routes an
 * event only by the `email_message_lookup` row that `sendEmail` writes (see `recordSesEvent`).
 * Tag names and values may hold only ASCII letters, digits, `_` and `-`.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html
 */
export const KURATCHI_TAGS = {
  organizationId: 'kuratchi-org-id',
  emailId: 'kuratchi-email-id',
} as const;
