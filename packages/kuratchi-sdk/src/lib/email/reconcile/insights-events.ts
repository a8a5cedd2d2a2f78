import type { GetMessageInsightsResponse, InsightsEvent } from '@aws-sdk/client-sesv2';
import type { SesEvent } from '../ses-events/ses-event.js';

/** The email a GetMessageInsights answer is about, as the organisation's database knows it. */
export interface InsightsSubject {
  sesMessageId: string;
  sender: string;
  /** Every recipient (To, CC, BCC): SES's `mail.destination`. */
  recipients: readonly string[];
  /**
   * SES's `mail.timestamp` (epoch ms) as a recorded event of the message carried it, or null.
   * Part of every event's content identity: taken from there, a reconciled event and SES's own
   * copy of it agree on it.
   */
  mailTimestamp: number | null;
  /** When `sendEmail` wrote the row (epoch ms): the last resort for `mail.timestamp`. */
  createdAt: number;
}

/**
 * The insight event types that are outcomes (what reconciliation looks for), spelled as the
 * SESv2 `EventType` enum spells them. `SEND` is not an outcome (`sendEmail` already marked the
 * email sent); `OPEN`, `CLICK` and `SUBSCRIPTION` are left out because an insight event lacks
 * what makes them one event (link, IP address, user agent, contact list: ses-events/content-identity.ts),
 * so a reconciled copy could never match SES's own and would be counted twice.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_InsightsEvent.html
 */
export const RECONCILED_INSIGHT_TYPES = [
  'DELIVERY',
  'BOUNCE',
  'COMPLAINT',
  'DELIVERY_DELAY',
  'REJECT',
  'RENDERING_FAILURE',
] as const;

type ReconciledType = (typeof RECONCILED_INSIGHT_TYPES)[number];

/** SESv2 `BounceType` (upper case) to the bounce type of SES's event records. */
const BOUNCE_TYPES: Record<string, string> = {
  PERMANENT: 'Permanent',
  TRANSIENT: 'Transient',
  UNDETERMINED: 'Undetermined',
};

/**
 * The SES event records (the same shape SES publishes to SNS, `SesEvent`) of what a
 * GetMessageInsights answer says happened to the message, one per outcome event per destination,
 * in the answer's order. Identity fields (ses-events/content-identity.ts) are filled as SES fills them
 * wherever the API tells them:
 * - `mail.messageId` is the message id; `mail.timestamp` is the one a recorded event carried
 *   ({@link InsightsSubject.mailTimestamp}), else the insight `SEND` event's time, else the row's
 *   creation time;
 * - the event's own time is the insight event's `Timestamp`;
 * - the recipient is the insight's `Destination` (the API covers single-recipient messages only,
 *   so it is the message's one recipient, as SES's own event lists it).
 * What the API does not carry is filled with SES's own values for "not known": a bounce's
 * `bounceSubType` `Undetermined` when absent, a delay's `delayType` `Undetermined`, a reject's
 * `reason` `Bad content` (its only documented value). Details that are not identity (SMTP
 * response, reporting MTA, feedback id) stay absent.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_InsightsEvent.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export function sesEventsFromInsights(answer: GetMessageInsightsResponse, subject: InsightsSubject): SesEvent[] {
  const insights = answer.Insights ?? [];
  const sendTime = insights
    .flatMap((insight) => insight.Events ?? [])
    .filter((event) => event.Type === 'SEND' && event.Timestamp)
    .map((event) => event.Timestamp!.getTime())
    .sort((a, b) => a - b)[0];
  const mailTimestamp = subject.mailTimestamp ?? sendTime ?? subject.createdAt;
  const tags: Record<string, string[]> = {};
  for (const tag of answer.EmailTags ?? []) {
    if (tag.Name && tag.Value !== undefined) (tags[tag.Name] ??= []).push(tag.Value);
  }
  const mail = {
    timestamp: new Date(mailTimestamp).toISOString(),
    messageId: subject.sesMessageId,
    source: subject.sender,
    destination: [...subject.recipients],
    tags,
  };
  const events: SesEvent[] = [];
  for (const insight of insights) {
    const destination = insight.Destination;
    if (!destination) continue;
    for (const event of insight.Events ?? []) {
      if (!event.Timestamp || !isReconciled(event.Type)) continue;
      events.push(sesEventOf(event.Type, event, mail, destination));
    }
  }
  return events;
}

function isReconciled(type: InsightsEvent['Type']): type is ReconciledType {
  return (RECONCILED_INSIGHT_TYPES as readonly unknown[]).includes(type);
}

function sesEventOf(type: ReconciledType, event: InsightsEvent, mail: SesEvent['mail'], recipient: string): SesEvent {
  const timestamp = event.Timestamp!.toISOString();
  switch (type) {
    case 'DELIVERY':
      return { eventType: 'Delivery', mail, delivery: { timestamp, recipients: [recipient] } };
    case 'BOUNCE': {
      const bounce = event.Details?.Bounce;
      return {
        eventType: 'Bounce',
        mail,
        bounce: {
          bounceType: BOUNCE_TYPES[bounce?.BounceType ?? 'UNDETERMINED'] ?? 'Undetermined',
          bounceSubType: bounce?.BounceSubType ?? 'Undetermined',
          bouncedRecipients: [
            { emailAddress: recipient, ...(bounce?.DiagnosticCode ? { diagnosticCode: bounce.DiagnosticCode } : {}) },
          ],
          timestamp,
        },
      };
    }
    case 'COMPLAINT': {
      const complaint = event.Details?.Complaint;
      return {
        eventType: 'Complaint',
        mail,
        complaint: {
          complainedRecipients: [{ emailAddress: recipient }],
          timestamp,
          ...(complaint?.ComplaintSubType ? { complaintSubType: complaint.ComplaintSubType } : {}),
          ...(complaint?.ComplaintFeedbackType ? { complaintFeedbackType: complaint.ComplaintFeedbackType } : {}),
        },
      };
    }
    case 'DELIVERY_DELAY':
      return {
        eventType: 'DeliveryDelay',
        mail,
        deliveryDelay: { timestamp, delayType: 'Undetermined', delayedRecipients: [{ emailAddress: recipient }] },
      };
    case 'REJECT':
      return { eventType: 'Reject', mail, reject: { reason: 'Bad content' } };
    case 'RENDERING_FAILURE':
      return {
        eventType: 'Rendering Failure',
        mail,
        failure: { errorMessage: 'reported by GetMessageInsights without detail', templateName: '' },
      };
  }
}
