import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import type { PlacedContext } from './account-step.js';
import { isQueueMissing, queueDepth, readQueue } from './dead-letter-queue.js';
import type { SesEventTrackingClients } from './options.js';
import { deadLetterQueueNameOf } from './target-schema.js';
import type { Step } from './steps.js';

/** What the teardown step of the dead-letter queue needs of teardown's context. */
interface Context extends PlacedContext {
  clients: SesEventTrackingClients;
  options: PlacedContext['options'] & { force: boolean };
}

/**
 * Teardown's last step: the subscription's SQS dead-letter queue is deleted, unless it still
 * holds messages (events SNS could not deliver: `kuratchi-ses redrive` applies them first), when
 * it is `kept` unless `force`. SQS takes up to 60 seconds to delete a queue, and a queue of the
 * same name cannot be created in that time.
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteQueue.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 */
export const deadLetterQueueTeardownStep: Step<Context> = {
  name: 'dead-letter-queue',
  plan: (c) =>
    `delete the SQS dead-letter queue ${deadLetterQueueNameOf(c.options)} unless it holds messages${c.options.force ? ' (forced: delete anyway)' : ''}`,
  async run(c) {
    const name = deadLetterQueueNameOf(c.options);
    const queue = await readQueue(c.clients.sqs, name);
    if (!queue) return { status: 'absent', detail: `no queue ${name}` };
    const { waiting, inFlight, delayed } = queueDepth(queue);
    const held = waiting + inFlight + delayed;
    if (held && !c.options.force) {
      return {
        status: 'kept',
        detail: `queue ${name} kept: it holds ~${held} undelivered event(s); run \`kuratchi-ses redrive\` first, or pass force to delete them with it`,
      };
    }
    try {
      await c.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
    } catch (error) {
      if (isQueueMissing(error)) return { status: 'absent', detail: `no queue ${name}` };
      throw error;
    }
    return {
      status: 'deleted',
      detail: `deleted queue ${name}${held ? ` and the ~${held} message(s) it held (forced)` : ''} (SQS needs up to 60 s before a queue of that name can be made again)`,
    };
  },
};
