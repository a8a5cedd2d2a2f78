import { canaryAlertProvider } from '../canary/alert';
import type { RegisteredAlertProvider } from './run-alerts';
import { deadLettersAlertProvider } from './providers/dead-letters';
import { eventsStoppedAlertProvider } from './providers/events-stopped';
import { subscriptionAlertProvider } from './providers/subscription';

/** Every alert provider of the deployment, with the kinds each one decides. */
export function alertProviders(env: DashboardEnv): RegisteredAlertProvider[] {
  return [
    { name: 'events-stopped', kinds: ['events-stopped'], provide: eventsStoppedAlertProvider(env) },
    { name: 'dead-letters', kinds: ['dead-letters'], provide: deadLettersAlertProvider(env) },
    { name: 'canary', kinds: ['canary-late'], provide: canaryAlertProvider(env) },
    { name: 'subscription', kinds: ['subscription-unconfirmed'], provide: subscriptionAlertProvider(env) },
  ];
}
