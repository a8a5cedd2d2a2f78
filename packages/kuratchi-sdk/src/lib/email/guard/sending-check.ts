import type { D1Database } from '@cloudflare/workers-types';
import { createD1ReputationGuardStore } from './d1-guard-store.js';
import { SendingPausedError } from './errors.js';

/**
 * The check `sendEmail` makes before anything else: one primary-key read of the organisation's
 * guard state. When paused, counts the refusal on that row (the only write) and returns the
 * error to report; null when the organisation may send.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 */
export async function sendingPauseOf(
  adminDb: D1Database,
  organizationId: string,
  now: number,
): Promise<SendingPausedError | null> {
  const store = createD1ReputationGuardStore(adminDb);
  const state = await store.getState(organizationId);
  if (state?.state !== 'paused' || !state.metric) return null;
  await store.countRefusal(organizationId, now);
  return new SendingPausedError(organizationId, state.metric, state.rate ?? 0, state.threshold ?? 0, state.since);
}
