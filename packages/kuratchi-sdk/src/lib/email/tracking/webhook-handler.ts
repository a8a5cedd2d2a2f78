import type { AdminStore } from '../routing/ports.js';
import type { SesEventIngestor } from '../ingest/ingest.js';
import { discardBody, readSnsBody } from '../sns/read-sns-body.js';
import { WEBHOOK_CONTRACT, webhookAnswer, type IngestResult } from '../ingest/webhook-contract.js';
import { countWebhookAnswer } from '../ingest/answer-figures.js';
import { BASIC_CHALLENGE, hasBasicCredential } from './basic-auth.js';
import { countAfterResponse, type WaitUntil } from './ingestion-counts.js';

/** What {@link handleSesWebhook} needs besides the request. */
export interface SesWebhookDeps {
  /** The ingestor that verifies and records (or enqueues) the body. */
  ingestor: SesEventIngestor;
  /** Where the answer is counted (the health panel's figures); none: not counted. */
  adminStore?: AdminStore;
  /** HTTP Basic credential the webhook requires (from the subscription's endpoint URL), or none. */
  credential?: { username: string; password: string } | null;
  /** Lets the counting outlive the response (the Worker's `ctx`). */
  context?: WaitUntil;
}

/**
 * Handles one SNS POST to the SES events webhook: the optional HTTP Basic credential, the body
 * read within SNS's size limit, then the ingestor. Every answer, those given here before the
 * ingestor included, is a row of the webhook contract (`WEBHOOK_CONTRACT`), logged as one JSON
 * line and counted the same way.
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-http-https-endpoint-as-subscriber.html
 */
export async function handleSesWebhook(request: Request, deps: SesWebhookDeps): Promise<Response> {
  const started = Date.now();
  if (deps.credential && !(await hasBasicCredential(request, deps.credential))) {
    await discardBody(request);
    return webhookResponse(webhookAnswer('unauthorized', {}, 'unauthorized'), deps, started, {
      'www-authenticate': BASIC_CHALLENGE,
    });
  }
  const body = await readSnsBody(request);
  if (!body.ok) {
    await discardBody(request);
    const answer = webhookAnswer(body.reason === 'too-large' ? 'too-large' : 'malformed', {}, body.reason);
    return webhookResponse(answer, deps, started);
  }
  return webhookResponse(await deps.ingestor.ingest(body.text), deps, started);
}

/**
 * Gives one answer of the webhook contract: one JSON log line at the row's level (never the
 * payload) and the ingestion figures (the deployment's, and its organisation's when its route
 * named one: `webhookAnswerFigures`), written after the response (`waitUntil`) in one D1 batch,
 * or only corrected when they were counted ahead (`countWebhookAnswer`).
 * @see https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil
 */
export function webhookResponse(
  result: IngestResult,
  deps: Pick<SesWebhookDeps, 'adminStore' | 'context'>,
  started: number,
  headers: Record<string, string> = {},
): Response {
  const { error, ...log } = result.log;
  const line = { msg: 'ses-webhook', ...log, status: result.status, ms: Date.now() - started };
  const write = WEBHOOK_CONTRACT[result.answer].logLevel === 'error' ? console.error : console.log;
  write(JSON.stringify(error ? { ...line, error } : line));
  // A queued answer's figures travel with its queue message: the consumer counts them.
  if (deps.adminStore && !result.countedByConsumer) {
    const adminStore = deps.adminStore;
    void countAfterResponse(adminStore, deps.context, 'ses-webhook', (at) =>
      countWebhookAnswer(adminStore, result, at),
    );
  }
  return Response.json(result.body, { status: result.status, headers });
}
