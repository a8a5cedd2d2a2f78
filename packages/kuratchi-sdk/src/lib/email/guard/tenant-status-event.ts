import type { D1Database } from '@cloudflare/workers-types';
import { readBoundedBytes } from '../shared/bounded-body.js';
import { sameSecret } from '../shared/same-secret.js';
import type { SesClientInput } from '../ses/client.js';
import { createD1SesViewStore } from './d1-ses-view-store.js';
import { rereadSesViews } from './ses-view-refresh.js';

/** Where the dashboard receives the status events (its route). */
export const SES_STATUS_EVENTS_PATH = '/api/eventbridge/ses-status';

/**
 * The header the EventBridge connection sends the secret in: an API-key connection
 * (`AuthorizationType` `API_KEY`) sends `ApiKeyName: ApiKeyValue` with every request.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateConnection.html
 */
export const TENANT_STATUS_SECRET_HEADER = 'x-kuratchi-eventbridge-key';

/**
 * The SES events that prompt a re-read: a tenant's (reputation entity's) sending status changed.
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ses.html
 */
export const TENANT_STATUS_DETAIL_TYPES = ['Sending Status Enabled', 'Sending Status Disabled'] as const;

/** The largest event EventBridge puts on a bus (256 KB); a larger body is refused. */
const MAX_EVENT_BYTES = 256 * 1024;

/** A status event, as far as it is read: which entities it names. Nothing else of it is trusted or kept. */
export interface TenantStatusEvent {
  detailType: (typeof TENANT_STATUS_DETAIL_TYPES)[number];
  /** The event's `resources`: ARNs of the entities whose status changed (its `detail` is not documented, so not read). */
  resources: string[];
}

/**
 * Reads an EventBridge event envelope (`source`, `detail-type`, `resources`). Null for a
 * well-formed event of another type (answered 200, ignored).
 * @throws {TypeError} naming what is malformed.
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
 */
export function parseTenantStatusEvent(body: unknown): TenantStatusEvent | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TypeError('not a JSON object');
  const event = body as Record<string, unknown>;
  if (typeof event.source !== 'string' || typeof event['detail-type'] !== 'string')
    throw new TypeError('source and detail-type must be strings');
  const resources = event.resources ?? [];
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string'))
    throw new TypeError('resources must be an array of strings');
  const detailType = event['detail-type'] as TenantStatusEvent['detailType'];
  if (event.source !== 'aws.ses' || !TENANT_STATUS_DETAIL_TYPES.includes(detailType)) return null;
  return { detailType, resources: resources as string[] };
}

/** What {@link handleTenantStatusEvent} needs. */
export interface TenantStatusEventOptions {
  adminDb: D1Database;
  /** The Worker's SESv2 client or its configuration; null: no AWS credentials (answered 503). */
  ses: SesClientInput | null;
  /** The secret the connection sends in {@link TENANT_STATUS_SECRET_HEADER}; unset: every request is refused. */
  secret: string | undefined;
  now: Date;
}

const answer = (status: number, body: Record<string, unknown>) => Response.json(body, { status });

/**
 * The endpoint an EventBridge rule's API destination posts SES's "Sending Status Enabled /
 * Disabled" events to. The event only prompts a re-read: the tenants it names are read from SES
 * (`rereadSesViews`) and what SES answers is stored; when none of its resources names a known
 * organisation (their form is not documented), a sweep of every tenant is owed to the cron's next
 * run (a sweep pages through every tenant: longer than the 5 seconds EventBridge waits). Answers:
 * - 401: the secret header missing or wrong (compared in constant time), or no secret configured;
 * - 400: not JSON, not an event envelope, or larger than an event can be;
 * - 200: re-read, or an event of another type (ignored); 202: a sweep owed to the cron;
 * - 503: no AWS credentials, or a re-read failed (recorded: the cron retries it; EventBridge
 *   retries a 5xx too, and a second re-read is harmless).
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html
 * @see https://repost.aws/knowledge-center/eventbridge-api-destination-target-failure (5 s timeout, retries)
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ses.html
 */
export async function handleTenantStatusEvent(request: Request, options: TenantStatusEventOptions): Promise<Response> {
  const presented = request.headers.get(TENANT_STATUS_SECRET_HEADER);
  if (!options.secret || presented === null || !(await sameSecret(presented, options.secret))) {
    return answer(401, { error: 'unauthorized', message: `missing or wrong ${TENANT_STATUS_SECRET_HEADER}` });
  }
  const bytes = await readBoundedBytes(request.body, MAX_EVENT_BYTES);
  if (!bytes) return answer(400, { error: 'malformed', message: `body larger than ${MAX_EVENT_BYTES} bytes` });
  let event: TenantStatusEvent | null;
  try {
    event = parseTenantStatusEvent(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (error) {
    return answer(400, { error: 'malformed', message: error instanceof Error ? error.message : String(error) });
  }
  if (!event) return answer(200, { outcome: 'ignored' });
  if (!options.ses) return answer(503, { error: 'not-configured', message: 'no AWS credentials to read SES with' });
  const rereads = await rereadSesViews({ ...options, ses: options.ses, entityArns: event.resources });
  if (rereads.read.length + rereads.removed.length + rereads.failed.length === 0) {
    await createD1SesViewStore(options.adminDb).oweSweep(options.now.getTime());
    return answer(202, { outcome: 'sweep-owed', ignored: rereads.ignored });
  }
  if (rereads.failed.length) return answer(503, { error: 'reread-failed', ...rereads });
  return answer(200, { outcome: 'reread', ...rereads });
}
