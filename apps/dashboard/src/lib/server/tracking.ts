import { createEmailTracking, type EmailTracking } from 'kuratchi-sdk/internal/tracking';
import { createSigningKeyCache } from 'kuratchi-sdk/internal/verify';
import { enqueueWebhookEvents } from 'kuratchi-sdk/internal/webhooks';
import type { DashboardConfig } from './config';
import { retentionLookup } from './retention/lookup';

/** The development certificate gets a key cache of its own: it can never answer for a real URL. */
const devKeyCache = createSigningKeyCache({ maxEntries: 4 });

/**
 * The SDK's façade on this Worker's bindings and configuration, for every path that records SES
 * events (the webhook, the Firehose endpoint, the queue consumer, the park sweep, the operations
 * API's replay, redrive, import, rebuild and move): the topic allowlist, queued mode when
 * `SES_EVENTS_QUEUE` is bound, the raw archive when `SES_ARCHIVE` is bound, the park's limits,
 * each organisation's retention (an event older than it is `expired`),
 * outbound webhooks when `WEBHOOK_QUEUE` is bound (each recorded event of an organisation that
 * has an endpoint is enqueued: a queue send, no D1 query per event), and, in development on a loopback host
 * only, the demo's signing certificate.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
 */
export function emailTracking(env: DashboardEnv, config: DashboardConfig, url?: URL): EmailTracking {
  const certificates = signingCertificates(config, url);
  // Getters, so each setting is read (and its section validated) only by the path that uses it:
  // a bad webhook setting does not stop the queue consumer or the Firehose endpoint.
  return createEmailTracking({
    env: env as unknown as Record<string, unknown>,
    get allowedTopicArns() {
      return config.allowedTopicArns;
    },
    get webhookCredential() {
      return config.webhookCredential;
    },
    queue: env.SES_EVENTS_QUEUE ?? null,
    archive: env.SES_ARCHIVE ?? null,
    park: config.park,
    retention: retentionLookup(env),
    get firehoseAccessKey() {
      return config.firehoseAccessKey;
    },
    ...(certificates ? { certificates } : {}),
    ...(env.WEBHOOK_QUEUE
      ? {
          onRecorded: (events) =>
            enqueueWebhookEvents(env.WEBHOOK_QUEUE!, events, { adminDb: env.ADMIN_DB, now: Date.now() }),
        }
      : {}),
  });
}

/** Per isolate: the webhook's façade of each configuration (one per env), by development certificate. */
const webhookTrackings = new WeakMap<
  DashboardConfig,
  Map<string | null, { env: DashboardEnv; tracking: EmailTracking }>
>();

/**
 * The façade the SES webhook answers with: {@link emailTracking}, made once per env (`readConfig`'s
 * view of it, kept for the isolate's life) and development certificate rather than per POST,
 * where making it cost about 6 % of a queued POST's CPU (`node bench/webhook-profile.mjs`). Only
 * the webhook uses it: it writes to the raw archive and never reads it, so nothing read is kept.
 * @see https://developers.cloudflare.com/workers/reference/how-workers-works/#isolates
 */
export function webhookTracking(env: DashboardEnv, config: DashboardConfig, url: URL): EmailTracking {
  const devCertificatePem = developmentCertificate(config, url);
  let byCertificate = webhookTrackings.get(config);
  if (!byCertificate) webhookTrackings.set(config, (byCertificate = new Map()));
  const kept = byCertificate.get(devCertificatePem);
  if (kept?.env === env) return kept.tracking;
  const tracking = emailTracking(env, config, url);
  byCertificate.set(devCertificatePem, { env, tracking });
  return tracking;
}

/**
 * Where the webhook's signing certificates come from, for every path that verifies an SNS
 * message (the webhook, the redrive and the archive rebuild): the SDK's default fetcher from the
 * SNS host (undefined here), or in development on a loopback host the demo's certificate.
 */
export function signingCertificates(config: DashboardConfig, url: URL | undefined) {
  const devCertificatePem = developmentCertificate(config, url);
  return devCertificatePem ? { fetchCertificate: async () => devCertificatePem, keyCache: devKeyCache } : undefined;
}

/**
 * In development only, and only for requests that reach the Worker on a loopback host, the
 * demo's self-signed certificate stands in for the one at the (still policy-checked)
 * SigningCertURL. Production refuses the setting outright (see config.ts).
 */
function developmentCertificate(config: DashboardConfig, url: URL | undefined): string | null {
  if (!url || config.environment !== 'development' || !config.devCertificatePem) return null;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return null;
  return config.devCertificatePem;
}
