import type { Queue } from '@cloudflare/workers-types';
import type { EventSinkPorts } from '../routing/record.js';
import { applySesEventMessages } from '../ingest/apply-messages.js';
import { discardBody } from '../sns/read-sns-body.js';
import {
  FIREHOSE_ACCESS_KEY_HEADER,
  FIREHOSE_REQUEST_ID_HEADER,
  FirehoseRequestError,
  firehoseAnswer,
  readFirehoseRequest,
} from '../ingest/firehose-request.js';
import { firehoseRecordTexts, unsignedEventMessages } from '../ingest/firehose-records.js';
import { queueSendBatches } from '../ingest/queue-batches.js';
import type { SesEventQueueMessage } from '../ingest/queue-message.js';
import { sameSecret } from '../shared/same-secret.js';
import { countAfterResponse, type WaitUntil } from './ingestion-counts.js';
import { addCount, addTally, createIngestionTally, type IngestionTally } from '../routing/ingestion-figures.js';

/** What {@link handleFirehoseDelivery} needs besides the request. */
export interface FirehoseDeps {
  /** The access key Firehose must present; null: the endpoint is off and refuses all (403). */
  accessKey: string | null;
  /** Where events are recorded inline (direct mode, or an event too large for the queue). */
  sink: () => EventSinkPorts;
  /** Queued mode: the SES events queue. */
  queue?: Queue<unknown> | null;
  /** Lets the counting outlive the response (the Worker's `ctx`). */
  context?: WaitUntil;
  /** Clock; default the current time. */
  now?: () => Date;
}

/**
 * Refuses a Firehose delivery request before reading it (a configuration error, the endpoint
 * off): the body is discarded, one log line written, and Firehose's answer shape returned with
 * `message`. `detail`, for the operator, is logged only, never answered: the caller may be anyone.
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
export async function refuseFirehoseRequest(
  request: Request,
  status: number,
  outcome: string,
  message: string,
  now: Date = new Date(),
  detail?: string,
): Promise<Response> {
  const requestId = request.headers.get(FIREHOSE_REQUEST_ID_HEADER) ?? '';
  await discardBody(request);
  log(status >= 500 ? 'error' : 'warn', {
    requestId,
    outcome,
    status,
    message,
    ...(detail === undefined ? {} : { detail }),
    started: now.getTime(),
  });
  return firehoseAnswer(requestId, status, now, message);
}

/**
 * Handles one Amazon Data Firehose HTTP endpoint delivery request (`SES_FIREHOSE_PATH`): the
 * access key (`KURATCHI_FIREHOSE_ACCESS_KEY`, compared in constant time; none configured: 403 to
 * all), the body (gzip, size limits: the SDK's `readFirehoseRequest`), then each record's SES
 * event records as unsigned queue messages of source `firehose`: sent to `SES_EVENTS_QUEUE` in
 * queued mode (`sendBatch` within Queues' limits), applied inside the request otherwise.
 * - 200 once every event is durably queued or recorded (applied, duplicate, parked, held);
 *   a record that is not an SES event is acknowledged, logged and counted `firehose:refused`,
 *   since no retry can change it;
 * - 503 when the queue or the database failed: Firehose retries the whole request, which is
 *   safe because each event's queue message id is its content identity (one row however often);
 * - 400 malformed, 401 wrong key, 403 endpoint off, 413 too large, 415 encoding; Firehose
 *   retries those too, then backs the records up to S3 (`kuratchi-ses import` reads them).
 * Every answer is `{ requestId, timestamp, errorMessage? }`, the request id echoed.
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 * @see https://docs.aws.amazon.com/firehose/latest/dev/retry.html
 */
export async function handleFirehoseDelivery(request: Request, deps: FirehoseDeps): Promise<Response> {
  const started = Date.now();
  const now = (deps.now ?? (() => new Date()))();
  const refuse = (status: number, outcome: string, message: string) =>
    refuseFirehoseRequest(request, status, outcome, message, now);
  if (!deps.accessKey) {
    return refuse(
      403,
      'firehose-disabled',
      'the Firehose endpoint is off: set the KURATCHI_FIREHOSE_ACCESS_KEY secret',
    );
  }
  const presented = request.headers.get(FIREHOSE_ACCESS_KEY_HEADER) ?? '';
  if (!(await sameSecret(presented, deps.accessKey))) {
    return refuse(401, 'unauthorized', 'a valid X-Amz-Firehose-Access-Key header is required');
  }

  let body;
  try {
    body = await readFirehoseRequest(request);
  } catch (error) {
    if (!(error instanceof FirehoseRequestError)) throw error;
    return refuse(error.status, error.code, error.message);
  }

  const tally = createIngestionTally();
  const refusedReasons: string[] = [];
  const texts: string[] = [];
  body.records.forEach((data, i) => {
    try {
      texts.push(...firehoseRecordTexts(data));
    } catch (error) {
      refusedReasons.push(`record ${i}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const messages: SesEventQueueMessage[] = [];
  for (const result of await unsignedEventMessages(texts, 'firehose', now)) {
    if ('message' in result) messages.push(result.message);
    else refusedReasons.push(result.refused);
  }
  addCount(tally.counts, 'firehose:refused', refusedReasons.length);

  const failure = await deliver(deps, messages, tally);
  const status = failure ? 503 : 200;
  log(failure ? 'error' : refusedReasons.length ? 'warn' : 'info', {
    requestId: body.requestId,
    outcome: failure ? 'retry' : 'delivered',
    status,
    records: body.records.length,
    events: messages.length,
    counts: Object.fromEntries(tally.counts),
    ...(refusedReasons.length ? { refused: refusedReasons.slice(0, 5) } : {}),
    ...(failure ? { message: failure } : {}),
    started,
  });
  void countAfterResponse(deps.sink().adminStore, deps.context, 'ses-firehose', tally, now.getTime());
  return firehoseAnswer(body.requestId, status, now, failure ?? undefined);
}

/**
 * Queues or applies the messages; returns why a retry is needed, or null when all are durable.
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
 */
async function deliver(
  deps: FirehoseDeps,
  messages: SesEventQueueMessage[],
  tally: IngestionTally,
): Promise<string | null> {
  let inline = messages;
  if (deps.queue) {
    const plan = queueSendBatches(messages);
    try {
      for (const batch of plan.batches) {
        await deps.queue.sendBatch(batch.map((message) => ({ body: message, contentType: 'json' })));
        addCount(tally.counts, 'firehose:queued', batch.length);
      }
    } catch (error) {
      return `queue send failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    inline = plan.inline;
  }
  if (inline.length === 0) return null;
  const applied = await applySesEventMessages(deps.sink(), inline);
  addTally(tally, applied, false);
  const retries = applied.outcomes.filter((outcome) => outcome === 'retry').length;
  return retries ? `${retries} of ${inline.length} events could not be recorded (database unavailable)` : null;
}

function log(
  level: 'info' | 'warn' | 'error',
  { started, ...fields }: Record<string, unknown> & { started: number },
): void {
  const line = JSON.stringify({ msg: 'ses-firehose', ...fields, ms: Date.now() - started });
  (level === 'error' ? console.error : level === 'warn' ? console.warn : console.log)(line);
}
