import {
  createSesEventIngestor,
  type EnqueueSesEvent,
  type SesEventIngestor,
  type SesEventSource,
} from 'kuratchi-sdk/email/events';
import { createSigningKeyCache, type FetchCertificate } from 'kuratchi-sdk/email/verify';
import type { DashboardConfig } from './config';
import { d1EventSink } from './event-sink';
import { snsArchiveOf } from './sns-archive';

/**
 * Certificates and imported keys of real SNS signing certificates, kept for the isolate's life so
 * a warm Worker verifies without fetching. Only public certificates are held.
 */
const keyCache = createSigningKeyCache();
/** The development certificate gets a cache of its own: it can never answer for a real URL. */
const devKeyCache = createSigningKeyCache({ maxEntries: 4 });

/**
 * What a path may change of the ingestor: the time window, what it does with confirmations, and
 * the source stored with each event.
 */
export interface IngestorPathOptions {
  maxAgeSeconds?: number;
  subscriptionMessages?: 'handle' | 'report';
  source?: SesEventSource;
}

/**
 * The SDK's ingestor as every path that takes signed SNS messages builds it, the webhook and the
 * redrive path alike: the topic allowlist, the D1 sink, queued mode when `SES_EVENTS_QUEUE` is
 * bound, the raw archive when `SES_ARCHIVE` is bound, and the signing-certificate cache (or, in development on a loopback host, the demo's
 * certificate). One rule of verification, whatever the path.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
 */
export function sesEventIngestor(
  env: DashboardEnv,
  config: DashboardConfig,
  url: URL,
  path: IngestorPathOptions = {},
): SesEventIngestor {
  const devCertificate = developmentCertificate(config, url);
  return createSesEventIngestor({
    allowedTopicArns: config.allowedTopicArns,
    ...d1EventSink(env, config),
    ...(env.SES_EVENTS_QUEUE ? { enqueue: enqueueOn(env.SES_EVENTS_QUEUE) } : {}),
    // The raw archive when SES_ARCHIVE is bound: every verified message, before it is applied.
    ...(env.SES_ARCHIVE ? { archive: snsArchiveOf(env.SES_ARCHIVE) } : {}),
    ...(devCertificate ? { fetchCertificate: devCertificate, keyCache: devKeyCache } : { keyCache }),
    ...path,
  });
}

/**
 * Queued mode: one queue message per event, as JSON; resolves once the queue accepted it.
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
 */
function enqueueOn(queue: NonNullable<DashboardEnv['SES_EVENTS_QUEUE']>): EnqueueSesEvent {
  return async (message) => {
    await queue.send(message, { contentType: 'json' });
  };
}

/**
 * In development only, and only for requests that reach the Worker on a loopback host, the
 * demo's self-signed certificate stands in for the one at the (still policy-checked)
 * SigningCertURL. Production refuses the setting outright (see config.ts).
 */
function developmentCertificate(config: DashboardConfig, url: URL): FetchCertificate | null {
  if (config.environment !== 'development' || !config.devCertificatePem) return null;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return null;
  const pem = config.devCertificatePem;
  return async () => pem;
}
