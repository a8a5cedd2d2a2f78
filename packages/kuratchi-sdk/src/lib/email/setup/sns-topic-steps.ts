import { CreateTopicCommand, GetTopicAttributesCommand, SetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { isAwsError } from './aws-errors.js';
import { canonicalJson } from './canonical-json.js';
import type { SetupContext } from './setup-context.js';
import type { Step } from './steps.js';
import { sesPublishStatement, withStatement } from './topic-policy.js';
import { MANAGED_TOPIC_TAG, readTopicManaged, tagTopicManaged } from './topic-ownership.js';

/** Reads the topic's attributes, or null when it does not exist. */
export async function readTopicAttributes(
  context: Pick<SetupContext, 'clients' | 'topicArn'>,
): Promise<Record<string, string> | null> {
  try {
    const output = await context.clients.sns.send(new GetTopicAttributesCommand({ TopicArn: context.topicArn }));
    return output.Attributes ?? {};
  } catch (error) {
    if (isAwsError(error, 'NotFoundException', 'NotFound')) return null;
    throw error;
  }
}

/**
 * The SNS topic setup manages exists (a standard topic: SES does not publish to FIFO topics),
 * tagged as setup's: created with the tag, or, found under its name without it, adopted by
 * tagging it (`topic-ownership.ts`: teardown deletes only a tagged topic).
 * @see https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_TagResource.html
 */
export const topicStep: Step<SetupContext> = {
  name: 'topic',
  plan: (c) =>
    `create the standard SNS topic ${c.options.topicName} (tagged ${MANAGED_TOPIC_TAG.Key}) if it does not exist`,
  async run(c) {
    const existing = await readTopicAttributes(c);
    if (existing) {
      c.topicAttributes = existing;
      if (await readTopicManaged(c.clients.sns, c.topicArn))
        return { status: 'unchanged', detail: `topic ${c.topicArn} exists` };
      await tagTopicManaged(c.clients.sns, c.topicArn);
      return {
        status: 'updated',
        detail: `topic ${c.topicArn} exists; tagged ${MANAGED_TOPIC_TAG.Key}: setup manages it (teardown may delete it)`,
      };
    }
    const created = await c.clients.sns.send(
      new CreateTopicCommand({ Name: c.options.topicName, Tags: [{ ...MANAGED_TOPIC_TAG }] }),
    );
    if (created.TopicArn) c.topicArn = created.TopicArn;
    c.topicAttributes = (await readTopicAttributes(c)) ?? {};
    return { status: 'created', detail: `created topic ${c.topicArn}` };
  },
};

/**
 * The topic signs its messages with the chosen `SignatureVersion` (`2`: RSA SHA256).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html
 */
export const signatureVersionStep: Step<SetupContext> = {
  name: 'topic-signature-version',
  plan: (c) => `set the topic's SignatureVersion to ${c.options.signatureVersion}`,
  async run(c) {
    // A topic that never had the attribute set signs with version 1.
    const current = c.topicAttributes.SignatureVersion ?? '1';
    if (current === c.options.signatureVersion)
      return { status: 'unchanged', detail: `SignatureVersion is ${current}` };
    await setTopicAttribute(c, 'SignatureVersion', c.options.signatureVersion);
    return { status: 'updated', detail: `SignatureVersion ${current} -> ${c.options.signatureVersion}` };
  },
};

/**
 * The topic policy lets SES publish, restricted to this account and configuration set.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-sns.html
 */
export const topicPolicyStep: Step<SetupContext> = {
  name: 'topic-policy',
  plan: (c) =>
    `allow ses.amazonaws.com to publish to the topic (AWS:SourceAccount ${c.place?.accountId ?? '<account-id>'}, AWS:SourceArn ${c.configurationSetArn})`,
  async run(c) {
    const statement = sesPublishStatement(c.topicArn, c.place!.accountId, c.configurationSetArn);
    const { policy, changed } = withStatement(c.topicAttributes.Policy, statement);
    if (!changed)
      return { status: 'unchanged', detail: 'the topic policy already lets SES publish for this configuration set' };
    await setTopicAttribute(c, 'Policy', policy);
    return {
      status: 'updated',
      detail: `statement ${statement.Sid} set: ses.amazonaws.com may publish for ${c.configurationSetArn}`,
    };
  },
};

/**
 * The topic's HTTPS delivery policy (only when one is given).
 * @see https://docs.aws.amazon.com/sns/latest/dg/set-topic-attributes-delivery-policy-json.html
 */
export const deliveryPolicyStep: Step<SetupContext> = {
  name: 'topic-delivery-policy',
  plan: (c) => `set the topic's HTTPS delivery policy to ${desiredDeliveryPolicy(c)}`,
  async run(c) {
    const desired = desiredDeliveryPolicy(c);
    const current = c.topicAttributes.DeliveryPolicy;
    if (current && sameJson(current, desired))
      return { status: 'unchanged', detail: 'the HTTPS delivery policy is as given' };
    await setTopicAttribute(c, 'DeliveryPolicy', desired);
    return { status: 'updated', detail: `HTTPS delivery policy set to ${desired}` };
  },
};

/** The topic-level form of the delivery policy: `{"http": {"defaultHealthyRetryPolicy": …}}`. */
function desiredDeliveryPolicy(c: SetupContext): string {
  const policy = c.options.deliveryPolicy ?? {};
  return JSON.stringify({
    http: {
      ...(policy.healthyRetryPolicy ? { defaultHealthyRetryPolicy: policy.healthyRetryPolicy } : {}),
      ...(policy.throttlePolicy ? { defaultThrottlePolicy: policy.throttlePolicy } : {}),
      ...(policy.requestPolicy ? { defaultRequestPolicy: policy.requestPolicy } : {}),
      disableSubscriptionOverrides: false,
    },
  });
}

async function setTopicAttribute(c: SetupContext, name: string, value: string): Promise<void> {
  await c.clients.sns.send(
    new SetTopicAttributesCommand({ TopicArn: c.topicArn, AttributeName: name, AttributeValue: value }),
  );
  c.topicAttributes[name] = value;
}

function sameJson(a: string, b: string): boolean {
  try {
    return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return false;
  }
}
