import type { D1Database } from '@cloudflare/workers-types';

/** How long an isolate trusts its list of the organisations that have an enabled endpoint. */
export const WEBHOOK_AUDIENCE_TTL_MS = 15_000;

/** The list this isolate last read, and when (epoch ms). */
let cached: { readAt: number; organizations: Promise<ReadonlySet<string>> } | null = null;

/**
 * The recorded events worth enqueueing for outbound webhooks: those of organisations that have
 * an enabled endpoint. The list of such organisations is one admin query per isolate at most
 * every {@link WEBHOOK_AUDIENCE_TTL_MS} (never one per event), so the ingest path skips the queue
 * send for everyone else. An endpoint created or enabled in another isolate starts receiving
 * events at most that long later; in this isolate, at once ({@link forgetWebhookAudience}).
 * @see https://developers.cloudflare.com/workers/reference/how-workers-works/#isolates
 */
export async function eventsWithWebhookAudience<Event extends { organizationId: string }>(
  db: D1Database,
  events: readonly Event[],
  now: number,
): Promise<Event[]> {
  if (!events.length) return [];
  if (!cached || now - cached.readAt >= WEBHOOK_AUDIENCE_TTL_MS || now < cached.readAt) {
    const organizations = db
      .prepare('SELECT DISTINCT organization_id AS id FROM webhook_endpoints WHERE disabled_reason IS NULL')
      .all<{ id: string }>()
      .then(({ results }) => new Set(results.map((row) => row.id)));
    cached = { readAt: now, organizations };
    // A failed read is not kept: the next batch asks again.
    organizations.catch(() => {
      if (cached?.organizations === organizations) cached = null;
    });
  }
  const organizations = await cached.organizations;
  return events.filter((event) => organizations.has(event.organizationId));
}

/** Drops this isolate's list: the next batch reads it again (after an endpoint is created or enabled). */
export function forgetWebhookAudience(): void {
  cached = null;
}
