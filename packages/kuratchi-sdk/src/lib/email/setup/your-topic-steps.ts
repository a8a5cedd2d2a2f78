/**
 * The topic steps of setup for a topic of yours (`snsTopicArn`, the seed's call): the same step
 * names as for the topic setup manages, but they only read. Setup creates no topic, tags none and
 * changes none of its attributes (signature version, delivery policy, access policy): a topic you
 * made is often managed elsewhere too (the console, CloudFormation, Terraform), where a change
 * made by setup would be reverted or would drift, and `sns:SetTopicAttributes` on it is a
 * permission setup should not need. Whether SES may publish is checked and reported: when not,
 * the run goes on (the configuration set and the destination do not depend on it), the step says
 * `action-needed` and the report's `nextSteps` gives the statement to add.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-sns.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html
 */
import type { SetupContext } from './setup-context.js';
import { sesMayPublish } from './ses-publish-check.js';
import { readTopicAttributes } from './sns-topic-steps.js';
import type { Step } from './steps.js';
import { sesPublishStatement } from './topic-policy.js';

/**
 * Your topic exists; its attributes are read (GetTopicAttributes) for the next steps.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html
 */
export const yourTopicStep: Step<SetupContext> = {
  name: 'topic',
  plan: (c) => `use your topic ${c.topicArn} as given (no topic created, none of its attributes changed)`,
  async run(c) {
    const attributes = await readTopicAttributes(c);
    if (!attributes) {
      throw new Error(
        `the topic ${c.topicArn} (snsTopicArn) does not exist: create it (a standard topic), or leave snsTopicArn out and setup creates and manages one`,
      );
    }
    c.topicAttributes = attributes;
    return { status: 'unchanged', detail: `your topic ${c.topicArn} exists; setup only reads it` };
  },
};

/**
 * Your topic's `SignatureVersion`, reported: the webhook verifies both 1 (SHA1) and 2 (SHA256).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export const yourTopicSignatureStep: Step<SetupContext> = {
  name: 'topic-signature-version',
  plan: () => "read your topic's SignatureVersion (left as it is: the webhook verifies 1 and 2)",
  async run(c) {
    const version = c.topicAttributes.SignatureVersion ?? '1';
    return {
      status: 'unchanged',
      detail: `SignatureVersion is ${version} (your topic: left as it is; the webhook verifies 1 and 2)`,
    };
  },
};

/**
 * Whether your topic's access policy lets SES publish this configuration set's events, checked
 * whatever the statement's form (`ses-publish-check.ts`); when not, the statement to add.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-sns.html
 */
export const yourTopicPolicyStep: Step<SetupContext> = {
  name: 'topic-policy',
  plan: (c) => `check that your topic's policy lets ses.amazonaws.com publish for ${c.configurationSetArn}`,
  async run(c) {
    const publisher = {
      topicArn: c.topicArn,
      accountId: c.place!.accountId,
      configurationSetArn: c.configurationSetArn,
    };
    if (sesMayPublish(c.topicAttributes.Policy, publisher))
      return { status: 'unchanged', detail: `your topic's policy lets SES publish for ${c.configurationSetArn}` };
    const statement = sesPublishStatement(c.topicArn, publisher.accountId, c.configurationSetArn);
    c.nextSteps.push(
      `add this statement to the access policy of your topic ${c.topicArn} (setup does not change a topic it did not create), or SES cannot publish to it: ${JSON.stringify(statement)}`,
    );
    return {
      status: 'action-needed',
      detail: `your topic's policy does not let SES publish for ${c.configurationSetArn}: add the statement in nextSteps`,
    };
  },
};
