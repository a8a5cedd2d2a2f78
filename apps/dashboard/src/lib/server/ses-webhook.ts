import { createD1AdminStore } from 'kuratchi-sdk/email/d1';
import { createSesEventIngestor, ingestionCounterNames, type IngestResult } from 'kuratchi-sdk/email/events';
import { MAX_SNS_BODY_BYTES, createSigningKeyCache, type FetchCertificate } from 'kuratchi-sdk/email/verify';
import { BASIC_CHALLENGE, hasBasicCredential } from './basic-auth';
import { ConfigError, readConfig, type DashboardConfig } from './config';
import { d1EventSink } from './event-sink';
import { discardBody, readBodyText } from './read-body';

/**
 * Certificates and imported keys of real SNS signing certificates, kept for the isolate's life so
 * a warm Worker verifies without fetching. Only public certificates are held.
 */
const keyCache = createSigningKeyCache();
/** The development certificate gets a cache of its own: it can never answer for a real URL. */
const devKeyCache = createSigningKeyCache({ maxEntries: 4 });

interface WebhookContext {
  request: Request;
  url: URL;
  platform: App.Platform | undefined;
}

/**
 * Handles one SNS POST to the SES events webhook: configuration, optional HTTP Basic credential,
 * bounded body, then the SDK's ingestor, one structured log line and the ingestion counters.
 * Every status follows the webhook contract (docs/webhook.md).
 */
export async function handleSesWebhook({ request, url, platform }: WebhookContext): Promise<Response> {
  const started = Date.now();
  let config: DashboardConfig;
  try {
    config = readConfig(platform?.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(JSON.stringify({ msg: 'ses-webhook', outcome: 'misconfigured', error: error.message }));
    return Response.json({ outcome: 'unavailable', code: 'misconfigured' }, { status: 503 });
  }
  const env = platform!.env;

  if (config.webhookCredential && !(await hasBasicCredential(request, config.webhookCredential))) {
    await discardBody(request);
    return finish(started, platform, { status: 401, body: { outcome: 'forbidden', code: 'unauthorized' }, log: { outcome: 'forbidden', code: 'unauthorized' } }, {
      'www-authenticate': BASIC_CHALLENGE,
    });
  }

  const body = await readBodyText(request, MAX_SNS_BODY_BYTES);
  if (!body.ok) {
    const status = body.reason === 'too-large' ? 413 : 400;
    const outcome = body.reason === 'too-large' ? 'too-large' : 'malformed';
    return finish(started, platform, { status, body: { outcome, code: body.reason }, log: { outcome, code: body.reason } });
  }

  const devCertificate = developmentCertificate(config, url);
  const ingestor = createSesEventIngestor({
    allowedTopicArns: config.allowedTopicArns,
    ...d1EventSink(env, config),
    ...(devCertificate ? { fetchCertificate: devCertificate, keyCache: devKeyCache } : { keyCache }),
  });
  const result = await ingestor.ingest(body.text);
  return finish(started, platform, result);
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

/** An ingestor result, or an answer the route gives before the ingestor (401, 413). */
type Answer = Pick<IngestResult, 'body' | 'log'> & { status: number };

function finish(started: number, platform: App.Platform | undefined, result: Answer, headers: Record<string, string> = {}) {
  const { error, ...log } = result.log;
  const line = { msg: 'ses-webhook', ...log, status: result.status, ms: Date.now() - started };
  (result.status >= 500 ? console.error : console.log)(JSON.stringify(error ? { ...line, error } : line));
  const env = platform?.env;
  if (env?.ADMIN_DB) {
    const counting = createD1AdminStore(env.ADMIN_DB)
      .countIngestion(ingestionCounterNames(result), Date.now())
      .catch((e: unknown) => console.error(JSON.stringify({ msg: 'ses-webhook', outcome: 'counting-failed', error: String(e) })));
    if (platform?.context) platform.context.waitUntil(counting);
  }
  return Response.json(result.body, { status: result.status, headers });
}
