import { createD1AdminStore } from 'kuratchi-sdk/email/d1';
import { WEBHOOK_CONTRACT, ingestionCounterNames, webhookAnswer, type IngestResult } from 'kuratchi-sdk/email/events';
import { discardBody, readSnsBody } from 'kuratchi-sdk/email/verify';
import { BASIC_CHALLENGE, hasBasicCredential } from './basic-auth';
import { ConfigError, readConfig, type DashboardConfig } from './config';
import { sesEventIngestor } from './ses-ingestor';

interface WebhookContext {
  request: Request;
  url: URL;
  platform: App.Platform | undefined;
}

/**
 * Handles one SNS POST to the SES events webhook (`SES_WEBHOOK_PATH`): its settings (webhook and park sections), optional
 * HTTP Basic credential, bounded body, then the SDK's ingestor. Every answer, those given here
 * before the ingestor included, is a row of the SDK's webhook contract (`WEBHOOK_CONTRACT`,
 * docs/webhook.md), logged as one JSON line and counted the same way.
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export async function handleSesWebhook({ request, url, platform }: WebhookContext): Promise<Response> {
  const started = Date.now();
  let config: DashboardConfig;
  try {
    // The sections the webhook reads, validated now so their error is the misconfigured answer.
    config = readConfig(platform?.env, 'webhook', 'park');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return finish(started, platform, webhookAnswer('misconfigured', { error: error.message }, 'misconfigured'));
  }
  const env = platform!.env;

  if (config.webhookCredential && !(await hasBasicCredential(request, config.webhookCredential))) {
    await discardBody(request);
    return finish(started, platform, webhookAnswer('unauthorized', {}, 'unauthorized'), {
      'www-authenticate': BASIC_CHALLENGE,
    });
  }

  const body = await readSnsBody(request);
  if (!body.ok) {
    await discardBody(request);
    return finish(
      started,
      platform,
      webhookAnswer(body.reason === 'too-large' ? 'too-large' : 'malformed', {}, body.reason),
    );
  }

  const result = await sesEventIngestor(env, config, url).ingest(body.text);
  return finish(started, platform, result);
}

/**
 * Gives one answer of the contract: one JSON log line at the row's level (never the payload) and
 * the ingestion counters, when ADMIN_DB is bound, written after the response (`waitUntil`).
 * @see https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil
 */
function finish(
  started: number,
  platform: App.Platform | undefined,
  result: IngestResult,
  headers: Record<string, string> = {},
) {
  const { error, ...log } = result.log;
  const line = { msg: 'ses-webhook', ...log, status: result.status, ms: Date.now() - started };
  const write = WEBHOOK_CONTRACT[result.answer].logLevel === 'error' ? console.error : console.log;
  write(JSON.stringify(error ? { ...line, error } : line));
  const env = platform?.env;
  if (env?.ADMIN_DB) {
    const counts = new Map(ingestionCounterNames(result).map((name) => [name, 1]));
    const lagsMs = result.log.lagMs === undefined ? [] : [result.log.lagMs];
    const counting = createD1AdminStore(env.ADMIN_DB)
      .recordIngestionStats({ counts, lagsMs, at: Date.now() })
      .catch((e: unknown) =>
        console.error(JSON.stringify({ msg: 'ses-webhook', outcome: 'counting-failed', error: String(e) })),
      );
    if (platform?.context) platform.context.waitUntil(counting);
  }
  return Response.json(result.body, { status: result.status, headers });
}
