import type { D1Database } from '@cloudflare/workers-types';
import { effectiveRetention, retentionCutoffs, type RetentionPolicy } from './policy.js';

/**
 * Reads organisations' retention cutoffs at `now`, as the purge computes them: each
 * organisation's override (`organization_retention`) over `defaults`, in one admin query per
 * call. An organisation unknown, removed, or whose override no longer fits the defaults is left
 * out (its events are then treated as before: nothing is judged expired).
 * The shape of the routing slice's `RetentionLookup`, for `EventSinkPorts.retention`.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 * @see https://www.sqlite.org/json1.html#jeach
 */
export function createD1RetentionLookup(adminDb: D1Database, defaults: () => RetentionPolicy) {
  return async (
    organizationIds: readonly string[],
    now: Date,
  ): Promise<Map<string, { events: number; emails: number }>> => {
    const cutoffs = new Map<string, { events: number; emails: number }>();
    if (!organizationIds.length) return cutoffs;
    const { results } = await adminDb
      .prepare(
        `SELECT o.id AS organizationId, r.events_days AS eventsDays, r.emails_days AS emailsDays,
                r.organization_id IS NOT NULL AS overridden
         FROM organizations o LEFT JOIN organization_retention r ON r.organization_id = o.id
         WHERE o.id IN (SELECT value FROM json_each(?1)) AND o.removed_at IS NULL`,
      )
      .bind(JSON.stringify(organizationIds))
      .all<{ organizationId: string; eventsDays: number | null; emailsDays: number | null; overridden: number }>();
    for (const row of results) {
      try {
        const override = row.overridden ? { eventsDays: row.eventsDays, emailsDays: row.emailsDays } : null;
        cutoffs.set(row.organizationId, retentionCutoffs(effectiveRetention(defaults(), override), now));
      } catch {
        // An override the defaults no longer admit: the purge reports it too (runRetentionPurge).
      }
    }
    return cutoffs;
  };
}
