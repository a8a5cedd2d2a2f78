import fc from 'fast-check';
import { sesEventIdentityFields } from '../src/lib/email/ses-events/content-identity.js';
import { parseSesEvent, SES_EVENT_TYPES, type SesEvent } from '../src/lib/email/ses-events/ses-event.js';
import { buildSesEvent } from '../src/lib/email/testing/ses-event-factory.js';

/** The recipients of the arbitrary message: To, CC and BCC, as SES may spell them. */
export const ARBITRARY_RECIPIENTS = ['ann@example.com', 'Bob@Example.com', 'carla@example.org'] as const;

/** User agents of opens and clicks: a person's browser, and a machine's. */
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'python-requests/2.31.0',
];

/**
 * Random events of one email with three recipients. Times come from a handful of seconds and
 * details from small sets, so equal times and competing details (the hard cases) are common; each
 * per-recipient event names a random non-empty subset of the recipients.
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
    concerned: fc.subarray([...ARBITRARY_RECIPIENTS], { minLength: 1 }),
    diagnostics: fc.array(fc.constantFrom('smtp; 550 5.1.1 user unknown', 'smtp; 552 mailbox full'), {
      minLength: 3,
      maxLength: 3,
    }),
    agent: fc.constantFrom(...AGENTS),
  })
  .map(({ second, concerned, diagnostics, agent, ...spec }) => {
    const built = buildSesEvent({
      ...spec,
      messageId: 'ses-arbitrary',
      time: new Date(Date.UTC(2026, 0, 1, 0, 0, second)),
    }) as unknown as Record<string, Record<string, unknown>>;
    built['mail']!['destination'] = [...ARBITRARY_RECIPIENTS];
    const detail = Object.values(built).find((v) => typeof v === 'object' && v !== built['mail']) ?? {};
    if ('recipients' in detail) detail['recipients'] = concerned;
    if ('bouncedRecipients' in detail) {
      detail['bouncedRecipients'] = concerned.map((emailAddress, i) => ({
        emailAddress,
        diagnosticCode: diagnostics[i],
      }));
    }
    for (const list of ['complainedRecipients', 'delayedRecipients']) {
      if (list in detail) detail[list] = concerned.map((emailAddress) => ({ emailAddress }));
    }
    if ('userAgent' in detail && (spec.eventType === 'Open' || spec.eventType === 'Click')) detail['userAgent'] = agent;
    // Round-trip through JSON and the parser, as an event arrives from SNS.
    return parseSesEvent(JSON.stringify(built));
  });

/**
 * Distinct events (distinct by content identity: two records equal on every identifying field
 * are one event, see ses-events/content-identity.ts), each with its own SNS id.
 */
export const distinctEventsArbitrary = fc.uniqueArray(sesEventArbitrary, {
  minLength: 1,
  maxLength: 12,
  selector: (event) => JSON.stringify(sesEventIdentityFields(event)),
});

/** A set of distinct deliveries (unique SNS ids), and an arrival order of them with duplicates. */
export const deliveriesArbitrary = distinctEventsArbitrary
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
