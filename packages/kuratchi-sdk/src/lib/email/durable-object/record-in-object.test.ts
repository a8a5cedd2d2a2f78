import { env, runInDurableObject } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { orgObjectDatabase } from '../../../../test/org-database-kinds.js';
import { insertEmail, routedInput } from '../../../../test/seed.js';
import type { RecordEventInput } from '../routing/ports.js';
import { recordInputCost } from '../routing/record.js';
import type { SesEvent } from '../ses-events/ses-event.js';
import { ORG_TABLES } from '../organizations/org-copy.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { recordEventsInObject } from './record-in-object.js';

/**
 * Faults inside an organisation's object while it applies a batch: its transaction fails
 * halfway, or the object is evicted (reset) halfway. Either leaves nothing of the batch, and the
 * batch retried (as the queue redelivers it) ends in exactly the rows of a fault-free run: every
 * table, row by row.
 * @see https://developers.cloudflare.com/durable-objects/api/storage-api/#transactionsync
 * @see https://developers.cloudflare.com/durable-objects/api/state/#abort
 */
const MINUTE_MS = 60_000;
const EMAILS = ['fault-a', 'fault-b', 'fault-c'];

function stubOf(name: string) {
  return env.ORG_DO.get(env.ORG_DO.idFromName(name));
}

/** A batch of 24 events over three emails: sends, deliveries, opens, clicks, a bounce, a complaint. */
async function faultBatch(organizationId: string): Promise<RecordEventInput[]> {
  const events: Array<[string, SesEvent]> = [];
  for (const [n, emailId] of EMAILS.entries()) {
    const messageId = `ses-${emailId}`;
    const at = (minutes: number) => testTime(-60 * MINUTE_MS + n * 10_000 + minutes * MINUTE_MS);
    events.push(
      [emailId, buildSesEvent({ eventType: 'Send', messageId, time: at(0) })],
      [emailId, buildSesEvent({ eventType: 'Delivery', messageId, time: at(1) })],
      [emailId, buildSesEvent({ eventType: 'Open', messageId, time: at(2) })],
      [emailId, buildSesEvent({ eventType: 'Open', messageId, time: at(3) })],
      [emailId, buildSesEvent({ eventType: 'Click', messageId, time: at(4), link: `https://example.com/${n}` })],
      [emailId, buildSesEvent({ eventType: 'Click', messageId, time: at(5), link: 'https://example.com/shared' })],
      n === 1
        ? [
            emailId,
            buildSesEvent({ eventType: 'Bounce', messageId, time: at(6), recipient: `bounced-${n}@example.com` }),
          ]
        : [emailId, buildSesEvent({ eventType: 'Complaint', messageId, time: at(6) })],
      [emailId, buildSesEvent({ eventType: 'Open', messageId, time: at(7) })],
    );
  }
  return Promise.all(
    events.map(([emailId, event], i) =>
      routedInput({ organizationId, emailId }, `sns-fault-${i}`, event, testTime(0).getTime()),
    ),
  );
}

/** A new organisation object holding the three emails of the batch, no event yet. */
async function objectWithEmails(name: string): Promise<D1Database> {
  const db = orgObjectDatabase(name);
  for (const id of EMAILS) await insertEmail(db, { id, sesMessageId: `ses-${id}`, recipient: `${id}@example.com` });
  return db;
}

/** Every row of every organisation table, in key order (plus the search index's row count). */
async function snapshot(db: D1Database): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const table of ORG_TABLES) {
    const { results } = await db.prepare(`SELECT * FROM ${table.name} ORDER BY ${table.key.join(', ')}`).all();
    // The ingest token is drawn afresh by each write (record-statements.ts), by design.
    tables[table.name] = results.map((row) => ('ingest_token' in row ? { ...row, ingest_token: 'token' } : row));
  }
  tables.email_search = [await db.prepare('SELECT count(*) AS n FROM email_search').first('n')];
  return tables;
}

/** The statements the batch sends in its one transaction. */
const statementsOf = (inputs: readonly RecordEventInput[]) => inputs.reduce((n, i) => n + recordInputCost(i), 0);

describe('faults in the organisation object while it applies a batch', () => {
  it('the transaction failing at any statement leaves nothing; the retried batch ends in the fault-free rows', async () => {
    const inputs = await faultBatch('org-fault');
    const faultFree = await objectWithEmails('org-fault-free');
    const before = await snapshot(faultFree);
    expect(await stubOf('org-fault-free').recordEvents(inputs)).toEqual(inputs.map(() => 'applied'));
    const expected = await snapshot(faultFree);
    expect(expected.email_events).toHaveLength(inputs.length);
    const total = statementsOf(inputs);
    expect(total).toBeGreaterThan(inputs.length);

    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: total - 1 }), async (failAt) => {
        const name = `org-fault-${run++}`;
        const db = await objectWithEmails(name);
        const failing = runInDurableObject(stubOf(name), (_instance, state) =>
          recordEventsInObject(state.storage, inputs, {
            beforeStatement: (index) => {
              if (index === failAt) throw new Error(`injected fault at statement ${index}`);
            },
          }),
        );
        await expect(failing).rejects.toThrow(`injected fault at statement ${failAt}`);
        expect(await snapshot(db)).toEqual(before);
        expect(await stubOf(name).recordEvents(inputs)).toEqual(inputs.map(() => 'applied'));
        expect(await snapshot(db)).toEqual(expected);
        // Redelivered once more (the queue's at-least-once): nothing changes.
        expect(await stubOf(name).recordEvents(inputs)).toEqual(inputs.map(() => 'duplicate'));
        expect(await snapshot(db)).toEqual(expected);
      }),
      { numRuns: 12 },
    );
  });

  it('the object evicted halfway through the batch leaves nothing; the retried batch ends in the fault-free rows', async () => {
    const inputs = await faultBatch('org-evicted');
    const faultFree = await objectWithEmails('org-evicted-free');
    const before = await snapshot(faultFree);
    await stubOf('org-evicted-free').recordEvents(inputs);
    const expected = await snapshot(faultFree);

    await objectWithEmails('org-evicted');
    const half = Math.floor(statementsOf(inputs) / 2);
    const evicted = runInDurableObject(stubOf('org-evicted'), (_instance, state) =>
      recordEventsInObject(state.storage, inputs, {
        beforeStatement: (index) => {
          if (index === half) state.abort('evicted mid-batch');
        },
      }),
    );
    await expect(evicted).rejects.toThrow();
    // A stub of the reset object is broken; a new one reaches the object restarted from what its
    // storage committed (https://developers.cloudflare.com/durable-objects/best-practices/error-handling/).
    expect(await snapshot(orgObjectDatabase('org-evicted'))).toEqual(before);
    expect(await stubOf('org-evicted').recordEvents(inputs)).toEqual(inputs.map(() => 'applied'));
    expect(await snapshot(orgObjectDatabase('org-evicted'))).toEqual(expected);
  });
});
