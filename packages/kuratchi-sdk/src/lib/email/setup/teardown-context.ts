import type { PlacedContext } from './account-step.js';
import type { SesEventTrackingClients, ValidTeardownOptions } from './options.js';

/** What the teardown steps share: the options, the clients, and what earlier steps found. */
export interface TeardownContext extends PlacedContext {
  options: ValidTeardownOptions;
  clients: SesEventTrackingClients;
  /**
   * Whose the topic is, once a step asked (`topic-teardown.ts`): `yours` (`snsTopicArn`),
   * `managed` (tagged by setup), `unmanaged` (found by name, never tagged), or `absent`.
   */
  topicOwner?: 'yours' | 'managed' | 'unmanaged' | 'absent';
}
