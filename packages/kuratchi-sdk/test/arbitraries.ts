import fc from 'fast-check';
import { parseSesEvent, SES_EVENT_TYPES, type SesEvent } from '../src/lib/email/events/ses-event.js';
import { buildSesEvent } from '../src/lib/email/testing/ses-event-factory.js';

/**
 * Random events of one email. Times come from a handful of seconds and details from small sets,
 * so equal times and competing details (the hard cases) are common.
 */
export const sesEventArbitrary: fc.Arbitrary<SesEvent> = fc
  .record({
    eventType: fc.constantFrom(...SES_EVENT_TYPES),
    second: fc.integer({ min: 0, max: 5 }),
    link: fc.constantFrom(
      'https://example.com/a',
      'https://example.com/b',
      'https://example.com/ü',
      'https://example.com/😀',
    ),
    bounceType: fc.constantFrom('Permanent', 'Transient', 'Undetermined'),
    bounceSubType: fc.constantFrom('General', 'MailboxFull', 'Suppressed'),
    delayType: fc.constantFrom('MailboxFull', 'TransientCommunicationFailure'),
    complaintFeedbackType: fc.constantFrom('abuse', 'not-spam'),
    rejectReason: fc.constantFrom('Bad content', 'Virus'),
  })
  .map(({ second, ...spec }) =>
    // Round-trip through JSON and the parser, as an event arrives from SNS.
    parseSesEvent(
      JSON.stringify(
        buildSesEvent({ ...spec, messageId: 'ses-arbitrary', time: new Date(Date.UTC(2026, 0, 1, 0, 0, second)) }),
      ),
    ),
  );

/** A set of distinct deliveries (unique SNS ids), and an arrival order of them with duplicates. */
export const deliveriesArbitrary = fc
  .array(sesEventArbitrary, { minLength: 1, maxLength: 12 })
  .map((events) => events.map((ses, i) => ({ snsMessageId: `sns-${i}`, ses })))
  .chain((distinct) =>
    fc.record({
      distinct: fc.constant(distinct),
      arrivals: fc.array(fc.nat({ max: distinct.length - 1 }), { maxLength: distinct.length * 2 }).chain((extra) =>
        fc.shuffledSubarray([...distinct, ...extra.map((i) => distinct[i]!)], {
          minLength: distinct.length + extra.length,
        }),
      ),
    }),
  );
