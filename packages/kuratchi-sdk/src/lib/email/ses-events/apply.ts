import {
  statusRank,
  type EmailStatus,
  type EmailTracking,
  type FieldEffect,
  type SuppressionFromEvent,
  type TrackingEffect,
} from '../model.js';
import { isMailboxSimulatorAddress } from '../shared/mailbox-simulator.js';
import { sesEventTime, type SesEvent } from './ses-event.js';

/**
 * What an SES event does to its email row, as a list of commutative field effects (see
 * {@link TrackingEffect}). The same list drives the pure {@link applyEvent} and the D1 store's
 * single UPDATE, so both follow one definition of the event semantics:
 * - status only rises: pending < sent < delayed < delivered < failed | rejected | bounced < complained;
 * - the time of each kind of event is its earliest occurrence, whatever the arrival order;
 * - opens and clicks count distinct events; the last clicked link is that of the latest click.
 * Subscription (unsubscribe) events change no field: they are recorded in the timeline only.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export function effectsOf(event: SesEvent): TrackingEffect[] {
  const time = sesEventTime(event);
  switch (event.eventType) {
    case 'Send':
      return [
        { kind: 'raise-status', status: 'sent' },
        { kind: 'earliest', at: 'sentAt', time },
      ];
    case 'Delivery':
      return [
        { kind: 'raise-status', status: 'delivered' },
        { kind: 'earliest', at: 'deliveredAt', time },
      ];
    case 'DeliveryDelay':
      return [
        { kind: 'raise-status', status: 'delayed' },
        { kind: 'earliest', at: 'delayedAt', time, details: { deliveryDelayType: event.deliveryDelay.delayType } },
      ];
    case 'Bounce':
      return [
        { kind: 'raise-status', status: 'bounced' },
        {
          kind: 'earliest',
          at: 'bouncedAt',
          time,
          details: { bounceType: event.bounce.bounceType, bounceSubType: event.bounce.bounceSubType },
        },
      ];
    case 'Complaint':
      return [
        { kind: 'raise-status', status: 'complained' },
        {
          kind: 'earliest',
          at: 'complainedAt',
          time,
          details: { complaintFeedbackType: event.complaint.complaintFeedbackType ?? null },
        },
      ];
    case 'Reject':
      return [
        { kind: 'raise-status', status: 'rejected' },
        { kind: 'earliest', at: 'rejectedAt', time, details: { rejectReason: event.reject.reason } },
      ];
    case 'Rendering Failure':
      return [
        { kind: 'raise-status', status: 'failed' },
        {
          kind: 'earliest',
          at: 'failedAt',
          time,
          details: { renderingFailure: `${event.failure.templateName}: ${event.failure.errorMessage}` },
        },
      ];
    case 'Open':
      return [
        { kind: 'increment', field: 'openCount' },
        { kind: 'earliest', at: 'openedAt', time },
      ];
    case 'Click':
      return [
        { kind: 'increment', field: 'clickCount' },
        { kind: 'earliest', at: 'clickedAt', time },
        { kind: 'latest', at: 'lastClickedAt', time, details: { lastClickedLink: event.click.link } },
      ];
    case 'Subscription':
      return [];
  }
}

/**
 * Recipients an event puts on the suppression list: those of a Permanent bounce, and every
 * complained recipient. Addresses are lower-cased (the list is case-insensitive). The SES
 * mailbox simulator's addresses are never suppressed, as SES itself never suppresses them.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-email-concepts-deliverability.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export function suppressionsOf(event: SesEvent): SuppressionFromEvent[] {
  // SES never suppresses the mailbox simulator's addresses after their bounce: neither do we,
  // so the canary's bounce@ and complaint@ stay sendable.
  return suppressionCandidates(event).filter((s) => !isMailboxSimulatorAddress(s.emailAddress));
}

function suppressionCandidates(event: SesEvent): SuppressionFromEvent[] {
  // A bounce because the address is on the account's or the tenant's list counts whatever its
  // bounce type: SES documents OnAccountSuppressionList as Permanent, OnTenantSuppressionList
  // not at all (sending-email-suppression-list-tenant-level), so both answers are covered.
  if (
    event.eventType === 'Bounce' &&
    (event.bounce.bounceType === 'Permanent' ||
      /^On(Account|Tenant)SuppressionList$/.test(event.bounce.bounceSubType ?? ''))
  ) {
    return event.bounce.bouncedRecipients.map((r) => ({
      emailAddress: r.emailAddress.toLowerCase(),
      reason: 'bounce',
      detail: [event.bounce.bounceSubType, r.diagnosticCode].filter(Boolean).join(': '),
    }));
  }
  if (event.eventType === 'Complaint') {
    return event.complaint.complainedRecipients.map((r) => ({
      emailAddress: r.emailAddress.toLowerCase(),
      reason: 'complaint',
      detail: event.complaint.complaintFeedbackType ?? 'complaint',
    }));
  }
  return [];
}

/**
 * The email row after one more distinct event: pure, never mutates `row`. Applying the events of
 * a set in any order gives the same row; applying one event twice is the caller's mistake (the
 * store drops duplicates by SNS MessageId before this runs).
 */
export function applyEvent<Row extends EmailTracking>(row: Row, event: SesEvent): Row {
  return applyEffects(row, effectsOf(event));
}

/**
 * The row after the given effects (see {@link FieldEffect}): the email row's effects, or a
 * recipient row's (`ses-events/recipient-effects.ts`). Pure, never mutates `row`.
 */
export function applyEffects<Row extends { status: EmailStatus }>(
  row: Row,
  effects: readonly FieldEffect<string, string, string>[],
): Row {
  const next = { ...row } as Row & Record<string, unknown>;
  for (const effect of effects) {
    switch (effect.kind) {
      case 'raise-status':
        if (statusRank(effect.status) > statusRank(next.status)) next.status = effect.status;
        break;
      case 'increment':
        (next as Record<string, unknown>)[effect.field] = (next[effect.field] as number) + 1;
        break;
      case 'earliest':
      case 'latest': {
        const details = effect.details ?? {};
        const current = next[effect.at] as number | null;
        if (wins(effect.kind, effect.time, detailsKey(details), current, detailsKey(pick(next, details)))) {
          (next as Record<string, unknown>)[effect.at] = effect.time;
          Object.assign(next, details);
        }
        break;
      }
    }
  }
  return next;
}

/**
 * Whether an event at `time` with details `key` replaces the current `(currentTime, currentKey)`
 * for an earliest/latest field. The store's SQL mirrors this rule exactly.
 */
function wins(kind: 'earliest' | 'latest', time: number, key: string, currentTime: number | null, currentKey: string) {
  if (currentTime === null) return true;
  if (time !== currentTime) return kind === 'earliest' ? time < currentTime : time > currentTime;
  const order = compareCodePoints(key, currentKey);
  return kind === 'earliest' ? order < 0 : order > 0;
}

/** Orders strings by Unicode code point, as SQLite's BINARY collation orders UTF-8 text. */
function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const l = left.next();
    const r = right.next();
    if (l.done || r.done) return l.done && r.done ? 0 : l.done ? -1 : 1;
    const difference = l.value.codePointAt(0)! - r.value.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
}

/** The tie-break text of a details object: values in field-name order joined by U+001F. */
export function detailsKey(details: Partial<Record<string, string | null>>): string {
  return Object.keys(details)
    .sort()
    .map((field) => details[field] ?? '')
    .join('\u001f');
}

function pick(row: Record<string, unknown>, details: Partial<Record<string, string | null>>) {
  const current: Partial<Record<string, string | null>> = {};
  for (const field of Object.keys(details)) current[field] = row[field] as string | null;
  return current;
}
