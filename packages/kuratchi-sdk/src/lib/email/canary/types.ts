import type { MailboxSimulatorScenario } from '../shared/mailbox-simulator.js';

/**
 * Where a canary run stands: `waiting` for its events (the deadline is not past), `passed` (every
 * expected event arrived by the deadline), `late` (the deadline passed without all of them, or one
 * arrived after it), `send-failed` (a canary email could not be sent: nothing to wait for).
 */
export type CanaryRunStatus = 'waiting' | 'passed' | 'late' | 'send-failed';

/** What started a run: the cron job, or the operations API (`kuratchi-ses canary`). */
export type CanaryTrigger = 'scheduled' | 'ops';

/** One event a canary email must produce, and when it came back. */
export interface CanaryExpectedEvent {
  scenario: MailboxSimulatorScenario;
  eventType: string;
  /** The simulator address it was sent to (`bounce+<run id>@simulator.amazonses.com`). */
  recipient: string;
  /** The organisation's `emails` row, or null when the send failed before it was written. */
  emailId: string | null;
  sesMessageId: string | null;
  /** When sendEmail was called (epoch ms). */
  sentAt: number;
  /** When the event was recorded in the organisation's database (`email_events.received_at`), or null. */
  arrivedAt: number | null;
  /**
   * End-to-end lag, `arrivedAt - sentAt`: SES, SNS, the webhook, the queue (queued mode) and the
   * database together. Null while the event has not come back.
   */
  lagMs: number | null;
}

/** A canary run as stored, with its expected events. */
export interface CanaryRun {
  id: string;
  organizationId: string;
  startedAt: number;
  deadlineAt: number;
  status: CanaryRunStatus;
  decidedAt: number | null;
  /** Why a send failed. */
  error: string | null;
  trigger: CanaryTrigger;
  events: CanaryExpectedEvent[];
}

/** A run with the figures the health panel, the alert and the CLI show. */
export interface CanaryRunReport extends CanaryRun {
  /** Expected events that came back / all of them. */
  arrived: number;
  expected: number;
  /** The run's end-to-end lag: the slowest expected event's, once every one came back; else null. */
  maxLagMs: number | null;
  /** The expected events still missing (`bounce/Bounce`). */
  missing: string[];
}
