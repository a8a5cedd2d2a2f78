import type { EmailEventRecord } from '../model.js';
import { OrgDatabaseError } from '../store/errors.js';
import type { AdminStore, MessageRoute, OrgEmailStoreResolver, RecordEventOutcome } from '../store/types.js';
import { effectsOf, suppressionsOf } from './apply.js';
import { parseSesEvent, sesEventDetail, sesEventTime, type SesEvent } from './ses-event.js';

/** The stores and clock that recording a verified SES event needs. */
export interface EventSinkPorts {
  adminStore: AdminStore;
  orgEmailStore: OrgEmailStoreResolver;
  /** Current time; default `() => new Date()`. */
  now?: () => Date;
}

/** What became of a verified SES event: recorded (or a duplicate) in its email's row, or parked. */
export type SinkOutcome = Exclude<RecordEventOutcome, 'email-missing' | 'email-mismatch'> | 'parked';

/** The outcome and, when known, the organisation the event was routed to. */
export interface SinkResult {
  outcome: SinkOutcome;
  organizationId?: string;
}

/**
 * Routes a verified SES event to its organisation and records it there, or parks it.
 * The only route is the admin `email_message_lookup` row of `mail.messageId`, which `sendEmail`
 * writes once SES has answered with that message id. The message tags (`kuratchi-org-id`,
 * `kuratchi-email-id`) are never a route: anyone sending through the same SES account and
 * configuration set can set them. An event whose email is not known yet (no lookup row, unknown
 * organisation, or no such email row) is parked in the admin database and applied by
 * {@link applyParkedEvents} once the lookup row exists, and then only to the row it names if
 * that row is bound to this message or to none yet; after parking, the route is looked up once
 * more so an event that raced `sendEmail` is never left behind.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html (tags are the sender's to set)
 * @throws database errors (the caller answers 5xx so SNS retries), and
 *   {@link OrgDatabaseError} `binding-missing` / `admin-db-missing`.
 */
export async function recordSesEvent(ports: EventSinkPorts, snsMessageId: string, event: SesEvent): Promise<SinkResult> {
  const sesMessageId = event.mail.messageId;
  const route = await ports.adminStore.findMessageRoute(sesMessageId);
  if (route) {
    const outcome = await recordRouted(ports, route, snsMessageId, event);
    if (outcome === 'applied' || outcome === 'duplicate') return { outcome, organizationId: route.organizationId };
  }
  await ports.adminStore.parkEvent({
    snsMessageId,
    sesMessageId,
    message: JSON.stringify(event),
    parkedAt: nowMs(ports),
  });
  if (await ports.adminStore.findMessageRoute(sesMessageId)) await applyParkedEvents(ports, sesMessageId);
  return { outcome: 'parked', ...(route ? { organizationId: route.organizationId } : {}) };
}

/**
 * Applies the events parked for an SES message id, now that its lookup row exists; call it right
 * after writing the `email_message_lookup` row (`sendEmail` does). Each applied (or already
 * recorded) event leaves the park; one whose email row is still missing stays. Safe to call any
 * number of times, concurrently too: recording is idempotent by SNS MessageId.
 * @returns how many parked events were newly applied.
 */
export async function applyParkedEvents(ports: EventSinkPorts, sesMessageId: string): Promise<number> {
  const route = await ports.adminStore.findMessageRoute(sesMessageId);
  if (!route) return 0;
  let applied = 0;
  for (const parked of await ports.adminStore.listParkedEvents(sesMessageId)) {
    const outcome = await recordRouted(ports, route, parked.snsMessageId, parseSesEvent(parked.message));
    if (outcome === 'email-missing' || outcome === 'email-mismatch') continue;
    if (outcome === 'applied') applied++;
    await ports.adminStore.deleteParkedEvent(parked.snsMessageId);
  }
  return applied;
}

async function recordRouted(
  ports: EventSinkPorts,
  route: MessageRoute,
  snsMessageId: string,
  event: SesEvent,
): Promise<RecordEventOutcome> {
  let store;
  try {
    store = await ports.orgEmailStore(route.organizationId);
  } catch (error) {
    // An organisation that does not exist (yet) is like an email not written yet: park.
    if (error instanceof OrgDatabaseError && error.code === 'organization-not-found') return 'email-missing';
    throw error;
  }
  return store.recordEvent({
    emailId: route.emailId,
    event: eventRecord(snsMessageId, event),
    effects: effectsOf(event),
    suppressions: suppressionsOf(event),
    receivedAt: nowMs(ports),
  });
}

function eventRecord(snsMessageId: string, event: SesEvent): EmailEventRecord {
  return {
    snsMessageId,
    sesMessageId: event.mail.messageId,
    eventType: event.eventType,
    occurredAt: sesEventTime(event),
    detail: JSON.stringify(sesEventDetail(event)),
  };
}

function nowMs(ports: EventSinkPorts): number {
  return (ports.now?.() ?? new Date()).getTime();
}
