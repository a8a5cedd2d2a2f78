// The SES events the benchmarks send, written once: event number `i` of a run for one of the
// seeded emails, the signed SNS bodies of a load run, and the one outbound request of a Worker
// that verifies them (its signing certificate).
import { buildSesEvent } from 'kuratchi-sdk/email/testing';

/** @typedef {import('kuratchi-sdk/email/testing').SesEventSpec['eventType']} SesEventType */
/** @typedef {import('kuratchi-sdk/email/testing').SnsSigner} SnsSigner */
/** @typedef {{ sesMessageId: string, recipient: string }} BenchEmail */

/**
 * The kinds of event the load benchmarks send, in turn.
 * @type {SesEventType[]}
 */
export const BENCH_EVENT_TYPES = ['Delivery', 'Open', 'Click'];

/**
 * SES event number `i` of a run, of `eventType`, for `email`: a distinct time within the last
 * minute before `now` and one of five links, so that distinct numbers make distinct events.
 * @param {number} i
 * @param {BenchEmail} email
 * @param {SesEventType} eventType
 * @param {number} [now]
 */
export function benchSesEvent(i, email, eventType, now = Date.now()) {
  return buildSesEvent({
    eventType,
    messageId: email.sesMessageId,
    recipient: email.recipient,
    time: new Date(now - 60_000 + (i % 50_000)),
    link: `https://example.com/bench/${i % 5}`,
  });
}

/**
 * `sign(count)`: the bodies of `count` more signed SNS notifications (`<prefix>-<n>`, numbered on
 * from the last call), round-robin over `emails` and over {@link BENCH_EVENT_TYPES}, as SNS posts
 * them to the webhook; signed ahead of a load run (signing is not what is measured).
 * @param {{ signer: SnsSigner, topicArn: string, emails: BenchEmail[], prefix: string }} options
 * @returns {(count: number) => Promise<string[]>}
 */
export function snsBodySigner({ signer, topicArn, emails, prefix }) {
  let next = 0;
  return (count) => {
    const now = Date.now();
    return Promise.all(
      Array.from({ length: count }, async () => {
        const i = next++;
        const email = emails[i % emails.length];
        const eventType = BENCH_EVENT_TYPES[i % BENCH_EVENT_TYPES.length];
        const signed = await signer.sign({
          Type: 'Notification',
          MessageId: `${prefix}-${i}`,
          TopicArn: topicArn,
          Message: JSON.stringify(benchSesEvent(i, email, eventType, now)),
          Timestamp: new Date(now).toISOString(),
        });
        return JSON.stringify(signed);
      }),
    );
  };
}

/**
 * A miniflare `outboundService` for a Worker that verifies `signer`'s messages of `topicArn`:
 * answers the signing certificate at its SNS URL, 404 to anything else.
 * @param {SnsSigner} signer
 * @param {string} topicArn
 * @returns {(request: Request) => Response}
 */
export function certificateOutbound(signer, topicArn) {
  return (request) =>
    request.url === signer.certUrlFor(topicArn)
      ? new Response(signer.certificatePem)
      : new Response('not found', { status: 404 });
}
