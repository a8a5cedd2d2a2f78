import { canaryAlertProvider } from '../canary/alert';
import { reputationAlertProvider } from '../reputation/alerts';
import type { RegisteredAlertProvider } from './run-alerts';
import { deadLettersAlertProvider } from './providers/dead-letters';
import { eventsStoppedAlertProvider } from './providers/events-stopped';
import { storageAlertProvider } from './providers/storage';
import { subscriptionAlertProvider } from './providers/subscription';
import { webhookEndpointsAlertProvider } from './providers/webhook-endpoints';

/** Every alert provider of the deployment, with the kinds each one decides. */
export function alertProviders(env: DashboardEnv): RegisteredAlertProvider[] {
  return [
    { name: 'events-stopped', kinds: ['events-stopped'], provide: eventsStoppedAlertProvider(env) },
    { name: 'dead-letters', kinds: ['dead-letters', 'dead-letters-expiring'], provide: deadLettersAlertProvider(env) },
    { name: 'canary', kinds: ['canary-late'], provide: canaryAlertProvider(env) },
    { name: 'reputation', kinds: ['reputation-warn', 'reputation-pause'], provide: reputationAlertProvider(env) },
    { name: 'subscription', kinds: ['subscription-unconfirmed'], provide: subscriptionAlertProvider(env) },
    { name: 'storage', kinds: ['storage'], provide: storageAlertProvider(env) },
    { name: 'webhooks', kinds: ['webhook-endpoint-failing'], provide: webhookEndpointsAlertProvider(env) },
  ];
}
