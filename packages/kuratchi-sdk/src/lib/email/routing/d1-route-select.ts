import type { MessageRoute } from './ports.js';

/**
 * A route with its organisation's archive override (admin migration 0038), in the same query:
 * the webhook and the queue consumer archive under that organisation's prefix at no extra cost.
 */
export const ROUTE_SELECT = `SELECT l.ses_message_id AS ses, l.organization_id AS organizationId, l.email_id AS emailId,
    r.archive_days AS archiveDays
  FROM email_message_lookup l LEFT JOIN organization_retention r ON r.organization_id = l.organization_id`;

/** A row of {@link ROUTE_SELECT}. */
export interface RouteRow {
  ses: string;
  organizationId: string;
  emailId: string;
  archiveDays: number | null;
}

/** The route of a {@link ROUTE_SELECT} row (`archiveDays` only when the organisation has one). */
export function routeOf(row: RouteRow): MessageRoute {
  const { organizationId, emailId, archiveDays } = row;
  return archiveDays === null ? { organizationId, emailId } : { organizationId, emailId, archiveDays };
}
