import type { SesEventType } from '../ses-events/ses-event.js';
import { buildSesEvent, type SesEventSpec } from './ses-event-factory.js';
import type { SnsSigner } from './sns-signer.js';

/** An email the demo traffic produces events for. */
export interface DemoEmail {
  sesMessageId: string;
  recipient: string;
  /** What has happened to it so far (drives which event comes next). */
  stage?: 'sent' | 'delivered' | 'done';
}

/** One SNS POST body of demo traffic, and what the webhook should answer. */
export interface DemoDelivery {
  kind: 'event' | 'duplicate' | 'out-of-order' | 'forged' | 'unknown-email';
  eventType: SesEventType;
  body: string;
  /** 200 for everything but forged messages (403). */
  expectedStatus: 200 | 403;
}

/** Options of {@link createDemoTraffic}. */
export interface DemoTrafficOptions {
  signer: SnsSigner;
  topicArn: string;
  emails: DemoEmail[];
  /** Source of randomness in [0, 1); default Math.random. */
  random?: () => number;
  /** Clock; default the current time. */
  now?: () => Date;
}

const LINKS = [
  'https://example.com/pricing',
  'https://example.com/docs',
  'https://example.com/blog/launch',
  'https://example.com/unsubscribe',
];

/**
 * SES's `isBotEvent` of a demo open or click: `Likely` or `Unlikely` for half of them, none for the
 * rest (as events of older configuration sets), so the log shows both sources of a verdict. From
 * the event's time, so the seeded random sequence stays as it was.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
 */
function botVerdictAt(time: Date): string | undefined {
  return [undefined, 'Likely', undefined, 'Unlikely'][time.getTime() % 4];
}

/**
 * Realistic SNS traffic for the local demo and `kuratchi-ses simulate`: plausible next events of
 * the given emails (deliveries, delays, bounces, opens, clicks, complaints, unsubscribes),
 * signed for real, mixed with duplicates, out-of-order pairs, forged messages and events for
 * emails nobody sent (which the webhook parks).
 */
export function createDemoTraffic(options: DemoTrafficOptions) {
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const history: string[] = [];

  async function sign(spec: SesEventSpec): Promise<string> {
    const signed = await options.signer.sign({
      Type: 'Notification',
      MessageId: crypto.randomUUID(),
      TopicArn: options.topicArn,
      Message: JSON.stringify(buildSesEvent(spec)),
      Timestamp: now().toISOString(),
    });
    return JSON.stringify(signed);
  }

  function nextEventType(email: DemoEmail): SesEventType {
    const roll = random();
    switch (email.stage ?? 'sent') {
      case 'sent':
        if (roll < 0.75) return 'Delivery';
        if (roll < 0.85) return 'DeliveryDelay';
        if (roll < 0.95) return 'Bounce';
        return pick(['Reject', 'Rendering Failure'] as const);
      case 'delivered':
        if (roll < 0.6) return 'Open';
        if (roll < 0.92) return 'Click';
        if (roll < 0.96) return 'Subscription';
        return 'Complaint';
      case 'done':
        return roll < 0.7 ? 'Open' : 'Click';
    }
  }

  function advance(email: DemoEmail, eventType: SesEventType): void {
    if (eventType === 'Delivery') email.stage = 'delivered';
    if (['Bounce', 'Complaint', 'Reject', 'Rendering Failure'].includes(eventType)) email.stage = 'done';
  }

  function specFor(email: DemoEmail, eventType: SesEventType, time: Date): SesEventSpec {
    return {
      eventType,
      messageId: email.sesMessageId,
      recipient: email.recipient,
      time,
      link: pick(LINKS),
      bounceType: random() < 0.8 ? 'Permanent' : 'Transient',
      bounceSubType: pick(['General', 'NoEmail', 'MailboxFull'] as const),
      isBotEvent: botVerdictAt(time),
    };
  }

  return {
    /** The next one or two deliveries to POST. */
    async next(): Promise<DemoDelivery[]> {
      const roll = random();
      if (roll < 0.1 && history.length) {
        return [{ kind: 'duplicate', eventType: 'Open', body: pick(history), expectedStatus: 200 }];
      }
      if (roll < 0.14) {
        const body = await sign(specFor({ sesMessageId: 'x', recipient: 'x@example.com' }, 'Open', now()));
        const forged = JSON.parse(body) as Record<string, string>;
        forged['Message'] = forged['Message']!.replace('"Open"', '"Click"');
        return [{ kind: 'forged', eventType: 'Click', body: JSON.stringify(forged), expectedStatus: 403 }];
      }
      if (roll < 0.17) {
        const stranger = { sesMessageId: `demo-unsent-${crypto.randomUUID()}`, recipient: 'stranger@example.com' };
        return [
          {
            kind: 'unknown-email',
            eventType: 'Delivery',
            body: await sign(specFor(stranger, 'Delivery', now())),
            expectedStatus: 200,
          },
        ];
      }
      const email = pick(options.emails);
      if (roll < 0.25 && (email.stage ?? 'sent') === 'sent') {
        // Out of order: the open (later) arrives before the delivery (earlier).
        const delivered = new Date(now().getTime() - 30_000);
        const bodies = [await sign(specFor(email, 'Open', now())), await sign(specFor(email, 'Delivery', delivered))];
        advance(email, 'Delivery');
        history.push(...bodies);
        return [
          { kind: 'out-of-order', eventType: 'Open', body: bodies[0]!, expectedStatus: 200 },
          { kind: 'out-of-order', eventType: 'Delivery', body: bodies[1]!, expectedStatus: 200 },
        ];
      }
      const eventType = nextEventType(email);
      const body = await sign(specFor(email, eventType, now()));
      advance(email, eventType);
      history.push(body);
      if (history.length > 200) history.shift();
      return [{ kind: 'event', eventType, body, expectedStatus: 200 }];
    },
  };
}
