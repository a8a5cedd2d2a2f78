import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW, testTime } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { countRows, insertEmail, routedInput } from '../../../../test/seed.js';
import { applyEvent } from '../ses-events/apply.js';
import { classifyEngagementSet } from '../ses-events/engagement.js';
import { applyRecipientEvent } from '../ses-events/recipient-effects.js';
import { recordEventInput, recordInputCost } from './record.js';
import { recordStatements } from './record-statements.js';
import { deliveriesArbitrary, sesEventArbitrary } from '../../../../test/arbitraries.js';
import type { SesEvent, SesEventOf } from '../ses-events/ses-event.js';
import { initialTracking, statusRank, type RecipientTracking } from '../model.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { trackingOf } from './columns.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import { createOrgEmailStore } from '../organizations/org-email-store.js';
import type { RecordEventInput } from './ports.js';
import { listProofEvents } from '../archive/d1-proof-events.js';
import { sesEventContentId } from '../ses-events/content-identity.js';

const HOUR_MS = 3_600_000;

describe('recordInputCost', () => {
  it('counts exactly the statements recording an event sends, for random events of every type', () => {
    fc.assert(
      fc.property(sesEventArbitrary, (event) => {
        const recorded = recordEventInput(
          { organizationId: 'org-acme', emailId: 'email-cost' },
          { snsMessageId: 'sns-cost', contentId: 'content-cost' },
          event,
          TEST_NOW.getTime(),
        );
        expect(recordStatements(env.ORG_DB_ACME, recorded, 'token')).toHaveLength(recordInputCost(recorded));
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * The organisation store on each kind of database (test/org-database-kinds.ts): on D1 the
 * bounded batches of d1-org-email-store.ts, on a Durable Object one recordEvents call that the
 * object applies in one transaction. Every test holds on both.
 */
describe.each(ORG_DATABASE_KINDS)('org email store on $kind', ({ db, organizationId }) => {
  const store = createOrgEmailStore(db);
  const queries = createD1EmailQueries(db);

  /** The store's input for an event, built as ingestion builds it. */
  function input(emailId: string, snsMessageId: string, event: SesEvent): Promise<RecordEventInput> {
    return routedInput({ organizationId, emailId }, snsMessageId, event, TEST_NOW.getTime());
  }

  async function newEmail() {
    const sesMessageId = `ses-${crypto.randomUUID()}`;
    const emailId = await insertEmail(db, { sesMessageId, recipient: `${crypto.randomUUID()}@example.com` });
    return { emailId, sesMessageId };
  }

  describe('recordEvent', () => {
    it('the same SNS message recorded twice changes nothing the second time', async () => {
      const { emailId, sesMessageId } = await newEmail();
      const open = buildSesEvent({ eventType: 'Open', messageId: sesMessageId, time: testTime(-HOUR_MS) });
      expect(await store.recordEvent(await input(emailId, 'sns-dup-1', open))).toBe('applied');
      const once = await queries.getEmail(emailId);
      expect(await store.recordEvent(await input(emailId, 'sns-dup-1', open))).toBe('duplicate');
      const twice = await queries.getEmail(emailId);
      expect(twice).toEqual(once);
      expect(twice?.openCount).toBe(1);
      const events = await db
        .prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?')
        .bind(emailId)
        .first<{ n: number }>();
      expect(events?.n).toBe(1);
    });

    it('50 concurrent distinct Open deliveries give openCount 50', async () => {
      const { emailId, sesMessageId } = await newEmail();
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, async (_, i) =>
          store.recordEvent(
            await input(
              emailId,
              `sns-open-${emailId}-${i}`,
              buildSesEvent({ eventType: 'Open', messageId: sesMessageId, time: testTime(-HOUR_MS + i * 1000) }),
            ),
          ),
        ),
      );
      expect(outcomes.every((o) => o === 'applied')).toBe(true);
      const row = await queries.getEmail(emailId);
      expect(row?.openCount).toBe(50);
      expect(row?.openedAt).toBe(testTime(-HOUR_MS).getTime());
    });

    it('50 concurrent deliveries of one SNS message count once', async () => {
      const { emailId, sesMessageId } = await newEmail();
      const click = buildSesEvent({ eventType: 'Click', messageId: sesMessageId, time: testTime(-HOUR_MS) });
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, async () => store.recordEvent(await input(emailId, `sns-same-${emailId}`, click))),
      );
      expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
      expect((await queries.getEmail(emailId))?.clickCount).toBe(1);
    });

    it('an email that does not exist, or belongs to another SES message, records nothing', async () => {
      const before = await countRows(db, 'email_events');
      const open = buildSesEvent({ eventType: 'Open', messageId: 'ses-unknown', time: testTime(-HOUR_MS) });
      expect(await store.recordEvent(await input('no-such-email', `sns-${crypto.randomUUID()}`, open))).toBe(
        'email-missing',
      );
      const { emailId } = await newEmail();
      expect(await store.recordEvent(await input(emailId, `sns-${crypto.randomUUID()}`, open))).toBe('email-mismatch');
      expect(await countRows(db, 'email_events')).toBe(before);
      expect((await queries.getEmail(emailId))?.openCount).toBe(0);
    });

    it('applies to a row that does not know its SES message id yet, but never binds it (only markSent does)', async () => {
      const emailId = await insertEmail(db, { sesMessageId: null });
      const send = buildSesEvent({ eventType: 'Send', messageId: `ses-${emailId}`, time: testTime(-HOUR_MS) });
      expect(await store.recordEvent(await input(emailId, `sns-${emailId}`, send))).toBe('applied');
      expect(await queries.getEmail(emailId)).toMatchObject({ sesMessageId: null, status: 'sent' });
    });

    it('a Permanent bounce and a complaint suppress the recipient once; a Transient bounce does not', async () => {
      const { emailId, sesMessageId } = await newEmail();
      const recipient = (await queries.getEmail(emailId))!.recipient;
      const transient = buildSesEvent({
        eventType: 'Bounce',
        bounceType: 'Transient',
        messageId: sesMessageId,
        recipient,
        time: testTime(-HOUR_MS),
      });
      await store.recordEvent(await input(emailId, `sns-t-${emailId}`, transient));
      const suppressed = () =>
        db.prepare('SELECT reason FROM email_suppressions WHERE email_address = ?').bind(recipient).all();
      expect((await suppressed()).results).toEqual([]);
      const permanent = buildSesEvent({
        eventType: 'Bounce',
        messageId: sesMessageId,
        recipient,
        time: testTime(-HOUR_MS + 60_000),
      });
      await store.recordEvent(await input(emailId, `sns-p-${emailId}`, permanent));
      await store.recordEvent(await input(emailId, `sns-p-${emailId}`, permanent));
      expect((await suppressed()).results).toEqual([{ reason: 'bounce' }]);
    });
  });

  describe('recordEvents in one batch', () => {
    // A new recipient's row fires the search index's triggers (FTS5 writes); D1 then reported those
    // changes as the next statement's `meta.changes`, so an applied event read as a duplicate.
    it('says applied for every new event, whatever the statements before it changed', async () => {
      const { emailId, sesMessageId } = await newEmail();
      const events = ['first', 'second', 'third'].map((name, i) =>
        buildSesEvent({
          eventType: 'Delivery',
          messageId: sesMessageId,
          time: testTime(-HOUR_MS + i * 1000),
          recipients: [`${name}.${emailId}@example.com`],
        }),
      );
      const inputs = await Promise.all(events.map((e, i) => input(emailId, `sns-batch-${emailId}-${i}`, e)));
      expect(await store.recordEvents(inputs)).toEqual(['applied', 'applied', 'applied']);
      expect(await store.recordEvents(inputs)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    });
  });

  describe('an event first received unsigned becomes provable when its signed copy arrives', () => {
    /** The event as a copy of `source`: unsigned ones have no archive key, a signed one has `key`. */
    async function copy(emailId: string, event: SesEvent, source: 'firehose' | 'sns', key: string | null) {
      const contentId = await sesEventContentId(event);
      const snsMessageId = source === 'sns' ? `sns-${crypto.randomUUID()}` : `content:${contentId}`;
      return recordEventInput(
        { organizationId, emailId },
        { snsMessageId, contentId, source, ...(key ? { archiveKey: key } : {}) },
        event,
        TEST_NOW.getTime(),
      );
    }
    const row = (emailId: string) =>
      db
        .prepare(
          'SELECT count(*) AS n, max(source) AS source, max(archive_key) AS key FROM email_events WHERE email_id = ?',
        )
        .bind(emailId)
        .first();

    it.each(['recordEvent', 'recordEvents'] as const)(
      '%s: the signed copy gives the row its archive key, counts nothing twice, and a later signed copy keeps the first key',
      async (method) => {
        const record = async (i: RecordEventInput) =>
          method === 'recordEvent' ? store.recordEvent(i) : (await store.recordEvents([i]))[0];
        const { emailId, sesMessageId } = await newEmail();
        const open = buildSesEvent({ eventType: 'Open', messageId: sesMessageId, time: testTime(-HOUR_MS) });
        expect(await record(await copy(emailId, open, 'firehose', null))).toBe('applied');
        const before = await queries.getEmail(emailId);
        expect(await row(emailId)).toEqual({ n: 1, source: 'firehose', key: null });

        expect(await record(await copy(emailId, open, 'sns', `sns/first-${emailId}.json`))).toBe('duplicate');
        expect(await row(emailId)).toEqual({ n: 1, source: 'firehose', key: `sns/first-${emailId}.json` });
        expect(await queries.getEmail(emailId)).toEqual(before);
        expect((await listProofEvents(db, emailId)).map((e) => e.archiveKey)).toEqual([`sns/first-${emailId}.json`]);

        expect(await record(await copy(emailId, open, 'sns', `sns/second-${emailId}.json`))).toBe('duplicate');
        expect(await row(emailId)).toEqual({ n: 1, source: 'firehose', key: `sns/first-${emailId}.json` });
      },
    );

    it("never gives a key to another email's event, nor to an event that is not the same", async () => {
      const a = await newEmail();
      const b = await newEmail();
      const openA = buildSesEvent({ eventType: 'Open', messageId: a.sesMessageId, time: testTime(-HOUR_MS) });
      const openB = buildSesEvent({ eventType: 'Open', messageId: b.sesMessageId, time: testTime(-HOUR_MS) });
      await store.recordEvents([
        await copy(a.emailId, openA, 'firehose', null),
        await copy(b.emailId, openB, 'firehose', null),
      ]);
      // A's signed copy routed to B's email (a mismatch, not applied) and B's other open, signed.
      const later = buildSesEvent({ eventType: 'Open', messageId: b.sesMessageId, time: testTime(-HOUR_MS + 1000) });
      expect(await store.recordEvents([await copy(b.emailId, openA, 'sns', 'sns/wrong.json')])).not.toEqual([
        'applied',
      ]);
      expect(await store.recordEvents([await copy(b.emailId, later, 'sns', 'sns/later.json')])).toEqual(['applied']);
      expect(await row(a.emailId)).toEqual({ n: 1, source: 'firehose', key: null });
      const keys = await db
        .prepare('SELECT archive_key AS key FROM email_events WHERE email_id = ? ORDER BY occurred_at')
        .bind(b.emailId)
        .all();
      expect(keys.results).toEqual([{ key: null }, { key: 'sns/later.json' }]);
    });
  });

  describe('the suppression list depends only on the set of events', () => {
    /** Every order of `items`. */
    const orders = <T>(items: readonly T[]): T[][] =>
      items.length <= 1
        ? [[...items]]
        : items.flatMap((item, i) =>
            orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
          );

    it('two permanent bounces and two complaints of one address, in each of the 24 orders, leave the same row', async () => {
      const rows = [];
      for (const [n, order] of orders([
        'bounce-a',
        'bounce-b',
        'complaint-abuse',
        'complaint-other',
      ] as const).entries()) {
        const address = `suppressed-${n}-${crypto.randomUUID()}@example.com`;
        const events = order.map((kind, i) => {
          const { emailId, sesMessageId } = emails[kind]!;
          const time = testTime(-HOUR_MS + i * 1000);
          return {
            emailId,
            event: kind.startsWith('bounce')
              ? buildSesEvent({
                  eventType: 'Bounce',
                  messageId: sesMessageId,
                  time,
                  recipients: [address],
                  bounceType: 'Permanent',
                  bounceSubType: kind === 'bounce-a' ? 'General' : 'NoEmail',
                })
              : buildSesEvent({
                  eventType: 'Complaint',
                  messageId: sesMessageId,
                  time,
                  recipients: [address],
                  complaintFeedbackType: kind === 'complaint-abuse' ? 'abuse' : 'other',
                }),
          };
        });
        for (const [i, { emailId, event }] of events.entries()) {
          expect(
            await store.recordEvent(await input(emailId, `sns-supp-${n}-${i}-${crypto.randomUUID()}`, event)),
          ).toBe('applied');
        }
        rows.push(
          await db
            .prepare('SELECT reason, detail, source_email_id AS source FROM email_suppressions WHERE email_address = ?')
            .bind(address)
            .first(),
        );
      }
      // A complaint outranks a bounce; between the two complaints, the smaller detail stays.
      expect(rows[0]).toEqual({ reason: 'complaint', detail: 'abuse', source: emails['complaint-abuse']!.emailId });
      expect(new Set(rows.map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify(rows[0])]));
    });

    it('never replaces an address an admin suppressed by hand', async () => {
      const address = `manual-${crypto.randomUUID()}@example.com`;
      await db
        .prepare(
          `INSERT INTO email_suppressions (email_address, reason, detail, source_email_id, created_at) VALUES (?, 'manual', 'by hand', NULL, 1)`,
        )
        .bind(address)
        .run();
      const { emailId, sesMessageId } = emails['complaint-abuse']!;
      const complaint = buildSesEvent({
        eventType: 'Complaint',
        messageId: sesMessageId,
        time: testTime(-HOUR_MS),
        recipients: [address],
      });
      await store.recordEvent(await input(emailId, `sns-manual-${address}`, complaint));
      expect(
        await db.prepare('SELECT reason, detail FROM email_suppressions WHERE email_address = ?').bind(address).first(),
      ).toEqual({ reason: 'manual', detail: 'by hand' });
    });

    // One email per kind of event, shared by the orders (each order has its own address).
    const emails: Record<string, { emailId: string; sesMessageId: string }> = {};
    beforeAll(async () => {
      for (const kind of ['bounce-a', 'bounce-b', 'complaint-abuse', 'complaint-other'])
        emails[kind] = await newEmail();
    });
  });

  describe('agrees with the pure fold', () => {
    it('random event sets, shuffled with duplicates, end in the rows the pure functions compute', async () => {
      await fc.assert(
        fc.asyncProperty(deliveriesArbitrary, async ({ distinct, arrivals }) => {
          const sesMessageId = `ses-${crypto.randomUUID()}`;
          const emailId = await insertEmail(db, { sesMessageId });
          const withId = (ses: SesEvent) => ({ ...ses, mail: { ...ses.mail, messageId: sesMessageId } }) as SesEvent;
          for (const { snsMessageId, ses } of arrivals) {
            await store.recordEvent(await input(emailId, `${emailId}-${snsMessageId}`, withId(ses)));
          }
          const events = distinct.map((d) => withId(d.ses));
          const row = await queries.getEmail(emailId);
          const { recipients: _recipients, ...email } = row!;
          // The email row: applyEvent's fold.
          expect(trackingOf(email)).toEqual(events.reduce(applyEvent, initialTracking()));
          // Each recipient: applyRecipientEvent's fold (SES named them all in mail.destination).
          const recipients = events.reduce(applyRecipientEvent, new Map<string, RecipientTracking>());
          expect(
            Object.fromEntries(row!.recipients.map(({ address, kind: _kind, ...tracking }) => [address, tracking])),
          ).toEqual(Object.fromEntries(recipients));
          // The email's status is its most severe recipient outcome, once every recipient is named.
          if (row!.recipients.length) {
            expect(statusRank(row!.status)).toBe(Math.max(...row!.recipients.map((r) => statusRank(r.status))));
          }
          // Machine opens and clicks: classifyEngagementSet over the distinct opens and clicks.
          const engagements = events.filter(
            (e): e is SesEventOf<'Open'> | SesEventOf<'Click'> => e.eventType === 'Open' || e.eventType === 'Click',
          );
          const verdicts = classifyEngagementSet(engagements);
          const machine = (type: string) =>
            verdicts.filter((v, i) => v.engagement === 'machine' && engagements[i]!.eventType === type).length;
          expect([row!.machineOpenCount, row!.machineClickCount]).toEqual([machine('Open'), machine('Click')]);
          const stored = await db
            .prepare(
              `SELECT sns_message_id AS id, engagement, engagement_rule AS rule FROM email_events
             WHERE email_id = ? AND engagement IS NOT NULL ORDER BY sns_message_id`,
            )
            .bind(emailId)
            .all<{ id: string; engagement: string; rule: string }>();
          const expected = distinct
            .filter((d) => d.ses.eventType === 'Open' || d.ses.eventType === 'Click')
            .map((d, i) => ({
              id: `${emailId}-${d.snsMessageId}`,
              engagement: verdicts[i]!.engagement,
              rule: verdicts[i]!.rule,
            }))
            .sort((a, b) => (a.id < b.id ? -1 : 1));
          expect(stored.results).toEqual(expected);
        }),
        { numRuns: 40 },
      );
    });
  });
});
