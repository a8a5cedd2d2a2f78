import { buildSesEvent } from '../src/lib/email/testing/ses-event-factory.js';
import type { SnsSigner } from '../src/lib/email/testing/sns-signer.js';

/**
 * A signed SNS Notification of an SES Delivery of `sesMessageId` as SNS posts it at `at`: its
 * Timestamp a second before, the delivery a minute before; `padding` bytes of a header make it
 * large. Resolves with the signed message and its POST body.
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html
 */
export async function signedDelivery(
  signer: SnsSigner,
  options: { sesMessageId: string; at: Date; topicArn: string; padding?: number },
) {
  const { sesMessageId, at, topicArn, padding = 0 } = options;
  const event = buildSesEvent({
    eventType: 'Delivery',
    messageId: sesMessageId,
    time: new Date(at.getTime() - 60_000),
  });
  if (padding) event.mail.headers = [{ name: 'X-Padding', value: 'p'.repeat(padding) }];
  const signed = await signer.sign({
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: topicArn,
    Message: JSON.stringify(event),
    Timestamp: new Date(at.getTime() - 1000).toISOString(),
  } as never);
  return { body: JSON.stringify(signed), signed };
}
