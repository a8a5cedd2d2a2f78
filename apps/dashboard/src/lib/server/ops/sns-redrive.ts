import {
  MAX_REDRIVE_MESSAGES,
  SNS_DEAD_LETTER_RETENTION_SECONDS,
  WEBHOOK_CONTRACT,
} from 'kuratchi-sdk/internal/events';
import { z } from 'zod';
import { readJsonBody } from './request';
import type { DashboardConfig } from '../config';
import { emailTracking } from '../tracking';

const redriveBody = z.object({ messages: z.array(z.string()).min(1).max(MAX_REDRIVE_MESSAGES) }).strict();

/** The answer for one redriven message: what the webhook would have answered, as data. */
export interface RedriveResult {
  /** HTTP status the webhook contract gives this outcome: 200 is final, 4xx refused, 5xx retry later. */
  status: number;
  outcome: string;
  code?: string;
  message?: string;
  snsMessageId?: string;
}

/**
 * `POST /api/ops/sns/redrive` with JSON `{ messages: [body, …] }` (at most 10): the raw bodies of
 * messages drained from the SNS subscription's SQS dead-letter queue (for an HTTPS subscription,
 * SNS's signed JSON envelope). Each is verified exactly as the webhook verifies a POST (signature,
 * SigningCertURL, topic allowlist) by the same ingestor, but accepted up to the queue's retention
 * (14 days) old instead of one hour, because the path is authenticated (bearer
 * `KURATCHI_OPS_TOKEN`): a replay of an old signed message is possible only for who holds the
 * token, and each event counts once anyway. Confirmations found in the queue are reported, never
 * visited; every event is stored with `source` `redrive`. Answers `{ results: [{ status, outcome, code?, message?, snsMessageId? }] }` in order;
 * `kuratchi-ses redrive` deletes from SQS only the messages answered 200.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export async function redriveSnsMessages(
  env: DashboardEnv,
  config: DashboardConfig,
  request: Request,
  url: URL,
): Promise<Response> {
  const body = await readJsonBody(request, redriveBody);
  if ('refusal' in body) return body.refusal;
  const ingestor = emailTracking(env, config, url).ingestor({
    maxAgeSeconds: SNS_DEAD_LETTER_RETENTION_SECONDS,
    subscriptionMessages: 'report',
    source: 'redrive',
  });
  const results: RedriveResult[] = [];
  for (const message of body.data.messages) {
    const result = await ingestor.ingest(message);
    const { error, ...log } = result.log;
    const line = { msg: 'sns-redrive', ...log, status: result.status };
    const write = WEBHOOK_CONTRACT[result.answer].logLevel === 'error' ? console.error : console.log;
    write(JSON.stringify(error ? { ...line, error } : line));
    results.push({
      status: result.status,
      ...result.body,
      ...(result.log.snsMessageId ? { snsMessageId: result.log.snsMessageId } : {}),
    });
  }
  return Response.json({ results });
}
