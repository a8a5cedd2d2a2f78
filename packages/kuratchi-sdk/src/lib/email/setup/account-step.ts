import type { STSClient } from '@aws-sdk/client-sts';
import {
  configurationSetArnOf,
  partitionOfRegion,
  sqsQueueArnOf,
  topicArnOf,
  type AwsPlace,
} from '../shared/aws-names.js';
import { deadLetterQueueNameOf } from './target-schema.js';
import { resolvePlace } from './identity.js';
import type { Step } from './steps.js';
import { assertTopicAccount, topicAccountOf } from './topic-choice.js';

/** The part of a run's context the account step fills in. */
export interface PlacedContext {
  clients: { sts: STSClient };
  options: {
    region: string;
    accountId?: string | undefined;
    topicName: string;
    /** A topic of yours: its ARN is the topic's, as given. */
    snsTopicArn?: string | undefined;
    configurationSetName: string;
    deadLetterQueueName?: string | undefined;
  };
  place: AwsPlace | null;
  topicArn: string;
  configurationSetArn: string;
  /** The dead-letter queue's ARN (as SQS names it once the account is known). */
  deadLetterQueueArn: string;
}

/**
 * First step of setup and teardown: which account the resources belong to (given, or STS
 * GetCallerIdentity), hence the topic and configuration set ARNs the later steps use. A topic of
 * yours (`snsTopicArn`) must be of that account.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
export const accountStep: Step<PlacedContext> = {
  name: 'account',
  plan: (c) =>
    c.options.accountId
      ? `use account ${c.options.accountId}`
      : 'ask STS GetCallerIdentity which account the credentials belong to',
  async run(c) {
    const where = await resolvePlace(c.clients.sts, c.options.region, c.options.accountId);
    assertTopicAccount(c.options.snsTopicArn, where.accountId);
    place(c, where);
    return {
      status: 'unchanged',
      detail: `account ${c.place!.accountId} (${c.place!.partition}), region ${c.options.region}`,
    };
  },
};

/**
 * The context with ARNs: real ones when the account is known (given, or the account of a topic
 * of yours), `<account-id>` placeholders otherwise.
 */
export function placedContext<
  C extends Omit<PlacedContext, 'place' | 'topicArn' | 'configurationSetArn' | 'deadLetterQueueArn'>,
>(context: C): C & PlacedContext {
  const withPlace = {
    ...context,
    place: null,
    topicArn: '',
    configurationSetArn: '',
    deadLetterQueueArn: '',
  } as C & PlacedContext;
  const { region } = context.options;
  const accountId = context.options.accountId ?? topicAccountOf(context.options.snsTopicArn);
  place(withPlace, { region, partition: partitionOfRegion(region), accountId: accountId ?? '<account-id>' });
  if (!accountId) withPlace.place = null;
  return withPlace;
}

function place(c: PlacedContext, where: AwsPlace): void {
  c.place = where;
  c.topicArn = c.options.snsTopicArn ?? topicArnOf(where, c.options.topicName);
  c.configurationSetArn = configurationSetArnOf(where, c.options.configurationSetName);
  c.deadLetterQueueArn = sqsQueueArnOf(where, deadLetterQueueNameOf(c.options));
}
