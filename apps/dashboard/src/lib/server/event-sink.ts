import type { EventSinkPorts } from 'kuratchi-sdk/internal/events';
import type { DashboardConfig } from './config';
import { emailTracking } from './tracking';

/**
 * The stores events are recorded in (the SDK façade's `sink`): the admin database, each
 * organisation's database where its `organizations` row says, and the park's cap.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */
export function d1EventSink(env: DashboardEnv, config: DashboardConfig): EventSinkPorts {
  return emailTracking(env, config).sink;
}
