import type { EmailRow } from 'kuratchi-sdk/internal/events';
import { formatTime } from './format';

/** Which icon an outcome shows (TrackingIcons.svelte maps each to its lucide icon). */
export type TrackingIconName =
  | 'delivered'
  | 'opened'
  | 'clicked'
  | 'bounced'
  | 'complained'
  | 'rejected'
  | 'delayed'
  | 'not-sent'
  | 'rendering-failed';

/** One tracking icon: its name (`data-icon`), colour, count badge and tooltip. */
export interface TrackingIcon {
  name: TrackingIconName;
  tone: string;
  count?: number;
  tip: string;
}

/**
 * The tracking icons of an email, one per thing that happened, in the wording of the product's
 * design: "Delivered", "Opened {n}x", "Clicked {n}x", "Bounced: {bounceType}", each followed by
 * its detail. An email SES refused at send time (`error`) is "Not sent", with SES's error; an
 * SES Rendering Failure event (`renderingFailure`) is "Rendering failed": both are status
 * `failed`, and only these two fields tell them apart. Opens and clicks say how many a machine
 * made ("Opened 3x, 2 by machine"; faded when no person did): mail privacy proxies and link
 * scanners, by the engagement rules.
 */
export function trackingIcons(email: EmailRow): TrackingIcon[] {
  const icons: Array<TrackingIcon | false> = [
    email.deliveredAt !== null && {
      name: 'delivered',
      tone: 'text-success',
      tip: `Delivered ${formatTime(email.deliveredAt)}`,
    },
    email.openCount > 0 && {
      name: 'opened',
      tone: email.machineOpenCount < email.openCount ? 'text-info' : 'text-info opacity-50',
      count: email.openCount,
      tip: `Opened ${email.openCount}x${byMachine(email.machineOpenCount, email.openCount)}, first ${formatTime(email.openedAt)}`,
    },
    email.clickCount > 0 && {
      name: 'clicked',
      tone: email.machineClickCount < email.clickCount ? 'text-primary' : 'text-primary opacity-50',
      count: email.clickCount,
      tip: `Clicked ${email.clickCount}x${byMachine(email.machineClickCount, email.clickCount)}, last link ${email.lastClickedLink ?? '—'}`,
    },
    email.bouncedAt !== null && {
      name: 'bounced',
      tone: 'text-error',
      tip: `Bounced: ${email.bounceType ?? 'unknown'}${email.bounceSubType ? ` (${email.bounceSubType})` : ''} ${formatTime(email.bouncedAt)}`,
    },
    email.complainedAt !== null && {
      name: 'complained',
      tone: 'text-error',
      tip: `Marked as spam${email.complaintFeedbackType ? ` (${email.complaintFeedbackType})` : ''} ${formatTime(email.complainedAt)}`,
    },
    email.rejectedAt !== null && {
      name: 'rejected',
      tone: 'text-error',
      tip: `Rejected by SES: ${email.rejectReason ?? 'no reason given'}`,
    },
    email.delayedAt !== null && {
      name: 'delayed',
      tone: 'text-warning',
      tip: `Delivery delayed (${email.deliveryDelayType ?? 'unknown'}) ${formatTime(email.delayedAt)}`,
    },
    email.error !== null && {
      name: 'not-sent',
      tone: 'text-error',
      tip: `Not sent: ${email.error} ${formatTime(email.failedAt)}`,
    },
    email.renderingFailure !== null && {
      name: 'rendering-failed',
      tone: 'text-error',
      tip: `Rendering failed: ${email.renderingFailure}`,
    },
  ];
  return icons.filter((icon) => icon !== false);
}

/** ", 2 by machine" / ", all by machine" / "" for a count of machine opens or clicks. */
function byMachine(machine: number, total: number): string {
  if (machine === 0) return '';
  return machine >= total ? ', all by machine' : `, ${machine} by machine`;
}
