import { createD1DeadLetterStore } from 'kuratchi-sdk/internal/d1';
import { DEAD_LETTER_REASONS, replayDeadLetters, type DeadLetter } from 'kuratchi-sdk/internal/events';
import { z } from 'zod';
import { invalidRequest, readJsonBody } from './request';
import type { DashboardConfig } from '../config';
import { d1EventSink } from '../event-sink';

const REASONS = DEAD_LETTER_REASONS;

/** Bounds of one page: a replay costs up to 5 D1 queries per dead letter (1,000 per invocation). */
const LIST_MAX = 500;
const REPLAY_MAX = 100;

const filters = {
  after: z.string().min(1).max(512).optional(),
  reason: z.enum(REASONS).optional(),
  sesMessageId: z.string().min(1).max(512).optional(),
};
const listQuery = z.object({ ...filters, limit: z.coerce.number().int().min(1).max(LIST_MAX).default(100) }).strict();
const replayBody = z.object({ ...filters, limit: z.number().int().min(1).max(REPLAY_MAX).default(25) }).strict();

/** A dead letter as the API shows it: the SES event's type instead of its whole JSON. */
function summary(letter: DeadLetter) {
  const { message, ...rest } = letter;
  let eventType: string | null = null;
  try {
    eventType = (JSON.parse(message) as { eventType?: string }).eventType ?? null;
  } catch {
    // a stored message that is not JSON is listed without its type
  }
  return { ...rest, eventType };
}

/** Days of the tally of dropped dead letters the list shows. */
const DROPPED_DAYS = 30;

/**
 * `GET /api/ops/dead-letters?limit=&after=&reason=&sesMessageId=`: counts by reason (up to
 * 10,000 rows), one page of dead letters in SNS MessageId order with the cursor of the next, and
 * the tally of dead letters of no known organisation the sweep dropped, by day first seen, over
 * the last 30 days.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export async function listDeadLetters(env: DashboardEnv, url: URL, now: Date = new Date()): Promise<Response> {
  const query = listQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) return invalidRequest(query.error);
  const store = createD1DeadLetterStore(env.ADMIN_DB);
  const { limit, ...filter } = query.data;
  const since = new Date(now.getTime() - DROPPED_DAYS * 86_400_000).toISOString().slice(0, 10);
  const [counts, page, dropped] = await Promise.all([
    store.countByReason(10_000),
    store.list({ limit, ...defined(filter) }),
    store.droppedTally(since),
  ]);
  return Response.json({
    counts,
    deadLetters: page.map(summary),
    next: page.length === limit ? page[page.length - 1]!.snsMessageId : null,
    dropped,
  });
}

/**
 * `POST /api/ops/dead-letters/replay` with JSON `{ limit?, after?, reason?, sesMessageId? }`:
 * replays one page through the SDK's replayDeadLetters (the lookup row is the only route; what is
 * recorded leaves the table, the rest stays with its reason) and answers its report.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function replayDeadLetterPage(
  env: DashboardEnv,
  config: DashboardConfig,
  request: Request,
  now: Date,
): Promise<Response> {
  const body = await readJsonBody(request, replayBody);
  if ('refusal' in body) return body.refusal;
  const store = createD1DeadLetterStore(env.ADMIN_DB);
  const report = await replayDeadLetters(d1EventSink(env, config), store, { now, ...defined(body.data) });
  return Response.json(report);
}

function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
