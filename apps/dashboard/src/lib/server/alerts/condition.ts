/**
 * What an alert is about. Each kind has one provider (a function returning the conditions that
 * hold now); the alerts job opens an incident when a condition appears and clears it when it is
 * gone, notifying once each way.
 */
export type AlertKind =
  | 'canary-late'
  | 'events-stopped'
  | 'dead-letters'
  | 'dead-letters-expiring'
  | 'reputation-warn'
  | 'reputation-pause'
  | 'subscription-unconfirmed'
  | 'storage'
  | 'webhook-endpoint-failing';

/** A condition that holds now, as a provider reports it. */
export interface AlertCondition {
  kind: AlertKind;
  /**
   * What makes two conditions the same incident, stable across runs while the cause lasts
   * (e.g. `reputation-pause:org-acme`): a changing rate keeps the key, a new cause gets a new one.
   */
  key: string;
  /** The organisation concerned, or null for the whole deployment. */
  organizationId: string | null;
  severity: 'warning' | 'critical';
  /** One line, e.g. "Acme: bounce rate 4.2 % is past the pause threshold 4 %". */
  title: string;
  /** What to check or do next. */
  detail: string;
}

/**
 * What a provider found: the conditions that hold, and the keys it could not read this time (an
 * organisation's database unavailable…): their open incidents are kept as they are, neither
 * cleared nor updated.
 */
export interface AlertReport {
  conditions: AlertCondition[];
  unknownKeys: string[];
}

/**
 * Reports the conditions of its kinds that hold as of `now`. A provider that throws leaves every
 * incident of its kinds as it is for this run.
 */
export type AlertProvider = (now: Date) => Promise<AlertCondition[] | AlertReport>;
