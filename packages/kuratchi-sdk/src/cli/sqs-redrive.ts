import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { OpsApiError, type OpsApi } from './ops-api.js';
import type { Progress } from './progress.js';

/** Path of the dashboard's redrive endpoint (operations API, bearer token). */
export const REDRIVE_PATH = '/api/ops/sns/redrive';

/** One message's answer from the Worker: the status the webhook contract gives its outcome. */
interface RedriveAnswer {
  results: Array<{ status: number; outcome: string; code?: string; message?: string; snsMessageId?: string }>;
}

/** Options of {@link drainDeadLetterQueue}. */
export interface DrainOptions {
  sqs: SQSClient;
  api: OpsApi;
  queueUrl: string;
  /** Messages per ReceiveMessage and per POST (1 to 10). */
  batch: number;
  /** Seconds a received message stays invisible to others while it is redriven. */
  visibilityTimeout: number;
  /** Delete the messages the Worker refused (4xx: forged, malformed, too old), which can never succeed. */
  deleteRefused: boolean;
  /** Starts the progress bar for about `total` messages. */
  progress(total: number): Progress;
}

/** One message the run left in the queue (or deleted although refused), for the summary. */
export interface LeftMessage {
  sqsMessageId: string;
  snsMessageId?: string;
  status: number;
  outcome: string;
  code?: string;
}

/** What a redrive did. */
export interface DrainReport {
  /** Messages received and answered by the Worker. */
  redriven: number;
  /** Count of each outcome (`applied`, `duplicate`, `forbidden`…). */
  outcomes: Record<string, number>;
  /** Deleted from the queue: answered 200 (final), and refused ones with `deleteRefused`. */
  deleted: number;
  /** Answered 5xx (a later run can apply them): left in the queue, visible again after the timeout. */
  retry: LeftMessage[];
  /** Answered 4xx: they can never be applied; left in the queue unless `deleteRefused`. */
  refused: LeftMessage[];
  /** Deletes SQS refused: the message comes back, and a later run finds it a duplicate. */
  deleteFailures: number;
  /** The operations API failed (no answer, or not 2xx): the run stopped, the batch stays in the queue. */
  error?: string;
}

/**
 * Drains the SNS subscription's SQS dead-letter queue into the dashboard Worker: receive up to
 * `batch` messages (short poll, never long: `WaitTimeSeconds` 0), POST their bodies to the redrive
 * endpoint, then delete (DeleteMessageBatch) ONLY the messages the Worker answered 200 (applied,
 * duplicate, parked, orphaned, dead-lettered, expired, ignored, queued); a 5xx answer leaves the message in
 * the queue (it is visible again after `visibilityTimeout`), a 4xx one too unless `deleteRefused`.
 * Loops until a receive finds nothing new and SQS counts no visible message. Nothing is deleted
 * before the Worker's answer, so a crash or a lost answer only means a later run redrives the
 * message again (a duplicate).
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 */
export async function drainDeadLetterQueue(options: DrainOptions): Promise<DrainReport> {
  const { sqs, api, queueUrl } = options;
  const report: DrainReport = { redriven: 0, outcomes: {}, deleted: 0, retry: [], refused: [], deleteFailures: 0 };
  const progress = options.progress(await visibleMessages(sqs, queueUrl));
  const seen = new Set<string>();
  try {
    for (let emptyReceives = 0; emptyReceives < 3;) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: options.batch,
          WaitTimeSeconds: 0,
          VisibilityTimeout: options.visibilityTimeout,
        }),
      );
      // A message seen before came back (its visibility timeout ran out): it was answered already.
      const messages = (received.Messages ?? []).filter(
        (m) => m.MessageId && m.Body !== undefined && !seen.has(m.MessageId),
      );
      if (!messages.length) {
        // Short polling samples some of SQS's servers: an empty answer is final only when SQS
        // also counts nothing visible (what this run kept is invisible, and not counted).
        if ((await visibleMessages(sqs, queueUrl)) === 0 || (received.Messages ?? []).length) break;
        emptyReceives++;
        continue;
      }
      emptyReceives = 0;
      for (const m of messages) seen.add(m.MessageId!);
      let answer: RedriveAnswer;
      try {
        answer = await api.post<RedriveAnswer>(REDRIVE_PATH, { messages: messages.map((m) => m.Body!) });
      } catch (error) {
        if (!(error instanceof OpsApiError)) throw error;
        report.error = `${error.message} (the ${messages.length} message(s) of this batch stay in the queue)`;
        break;
      }
      if (answer.results?.length !== messages.length) {
        report.error = `the Worker answered ${answer.results?.length ?? 'no'} result(s) for ${messages.length} message(s); nothing of this batch was deleted`;
        break;
      }
      const toDelete: Message[] = [];
      messages.forEach((m, i) => {
        const result = answer.results[i]!;
        report.redriven++;
        report.outcomes[result.outcome] = (report.outcomes[result.outcome] ?? 0) + 1;
        progress.tick(result.outcome);
        const left: LeftMessage = {
          sqsMessageId: m.MessageId!,
          status: result.status,
          outcome: result.outcome,
          ...(result.snsMessageId ? { snsMessageId: result.snsMessageId } : {}),
          ...(result.code ? { code: result.code } : {}),
        };
        if (result.status === 200) toDelete.push(m);
        else if (result.status >= 400 && result.status < 500) {
          report.refused.push(left);
          if (options.deleteRefused) toDelete.push(m);
        } else report.retry.push(left);
      });
      if (toDelete.length) await deleteMessages(sqs, queueUrl, toDelete, report);
    }
  } finally {
    progress.stop();
  }
  return report;
}

async function deleteMessages(sqs: SQSClient, queueUrl: string, messages: Message[], report: DrainReport) {
  const output = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
    }),
  );
  report.deleted += output.Successful?.length ?? 0;
  report.deleteFailures += output.Failed?.length ?? 0;
}

/**
 * SQS's count of the queue's visible messages (`ApproximateNumberOfMessages`).
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
 */
export async function visibleMessages(sqs: SQSClient, queueUrl: string): Promise<number> {
  const output = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(output.Attributes?.ApproximateNumberOfMessages ?? '0') || 0;
}
