import type { DeadLetterReason, DeadLetterStore, ParkReason } from './ports.js';
import { recordRouted, type EventSinkPorts } from './record.js';
import { parseSesEvent } from '../ses-events/ses-event.js';
import { countExpired } from './ingestion-figures.js';

/**
 * Options of {@link replayDeadLetters}: one page of the dead-letter table.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export interface ReplayDeadLettersOptions {
  /** The time of this replay (the `receivedAt` of what it applies). */
  now: Date;
  /** Most dead letters tried in this call (each costs up to 5 D1 queries). */
  limit: number;
  /** Only SNS MessageIds after this one: the `next` of the previous page. */
  after?: string;
  reason?: DeadLetterReason;
  sesMessageId?: string;
}

/**
 * What replaying one dead letter came to: `applied` or `duplicate` (recorded: it left the
 * table), `expired` (older than its organisation's retention: it left the table, never recorded,
 * counted as the live path counts it), or why it still cannot be applied (it stays, with that reason).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html (the route maps its MessageId)
 */
export type ReplayOutcome = 'applied' | 'duplicate' | 'expired' | ParkReason;

/**
 * One page of a replay.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/
 */
export interface ReplayReport {
  replayed: Array<{ snsMessageId: string; sesMessageId: string; was: DeadLetterReason; outcome: ReplayOutcome }>;
  /** The cursor of the next page, or null when this page was the last. */
  next: string | null;
}

/**
 * Replays one page of dead letters through the same path as live events: the route is the
 * only route, recording is idempotent by SNS MessageId, an event older than its organisation's
 * retention at `now` is `expired` (`recordRouted`). What is recorded or expired leaves the table; what
 * still cannot be applied stays with the reason found now, so a replay never loses anything and
 * replaying twice changes nothing more. Call again with `after: next` until `next` is null.
 * @throws database errors (nothing is lost: replay again).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function replayDeadLetters(
  ports: EventSinkPorts,
  deadLetters: DeadLetterStore,
  options: ReplayDeadLettersOptions,
): Promise<ReplayReport> {
  const at: EventSinkPorts = { ...ports, now: () => options.now };
  const page = await deadLetters.list({
    limit: options.limit,
    ...(options.after !== undefined ? { after: options.after } : {}),
    ...(options.reason ? { reason: options.reason } : {}),
    ...(options.sesMessageId ? { sesMessageId: options.sesMessageId } : {}),
  });
  const replayed: ReplayReport['replayed'] = [];
  const expired: string[] = [];
  for (const letter of page) {
    const route = await ports.adminStore.findMessageRoute(letter.sesMessageId);
    const outcome: ReplayOutcome = route
      ? await recordRouted(at, route, letter, parseSesEvent(letter.message))
      : 'no-route';
    if (outcome === 'applied' || outcome === 'duplicate' || outcome === 'expired') {
      await deadLetters.delete(letter.snsMessageId);
      if (outcome === 'expired') expired.push(route!.organizationId);
    } else await deadLetters.noteReplayAttempt(letter.snsMessageId, outcome, options.now.getTime());
    replayed.push({
      snsMessageId: letter.snsMessageId,
      sesMessageId: letter.sesMessageId,
      was: letter.reason,
      outcome,
    });
  }
  await countExpired(ports.adminStore, expired, options.now.getTime(), 'dead-letter-replay');
  return { replayed, next: page.length === options.limit ? page[page.length - 1]!.snsMessageId : null };
}
