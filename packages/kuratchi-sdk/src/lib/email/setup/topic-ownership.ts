/**
 * How teardown knows a topic is setup's to delete: setup tags the topic it creates (CreateTopic's
 * `Tags`), and adopts an untagged one it finds under its own `topicName` by tagging it
 * (TagResource); teardown deletes a topic only when it carries the tag (ListTagsForResource). A
 * topic given as `snsTopicArn` is never tagged, changed or deleted. Tagging needs
 * `sns:TagResource`, reading tags `sns:ListTagsForResource`.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-tags.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (Tags)
 * @see https://docs.aws.amazon.com/sns/latest/api/API_TagResource.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_ListTagsForResource.html
 */
import { ListTagsForResourceCommand, TagResourceCommand, type SNSClient, type Tag } from '@aws-sdk/client-sns';

/** The tag that marks a topic as managed by setup (tags are case-sensitive strings). */
export const MANAGED_TOPIC_TAG = { Key: 'kuratchi:managed-by', Value: 'kuratchi-ses setup' } as const;

/** Whether a topic's tags hold {@link MANAGED_TOPIC_TAG}. */
export function isManagedTopic(tags: readonly Tag[]): boolean {
  return tags.some((tag) => tag.Key === MANAGED_TOPIC_TAG.Key && tag.Value === MANAGED_TOPIC_TAG.Value);
}

/**
 * Whether the topic carries {@link MANAGED_TOPIC_TAG}.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_ListTagsForResource.html
 */
export async function readTopicManaged(sns: SNSClient, topicArn: string): Promise<boolean> {
  const output = await sns.send(new ListTagsForResourceCommand({ ResourceArn: topicArn }));
  return isManagedTopic(output.Tags ?? []);
}

/**
 * Tags the topic as managed by setup (a tag of the same key is overwritten).
 * @see https://docs.aws.amazon.com/sns/latest/api/API_TagResource.html
 */
export async function tagTopicManaged(sns: SNSClient, topicArn: string): Promise<void> {
  await sns.send(new TagResourceCommand({ ResourceArn: topicArn, Tags: [{ ...MANAGED_TOPIC_TAG }] }));
}
