import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { createD1AdminStore } from './d1-admin-store.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import { createD1OutgoingEmailStore } from '../send/d1-outgoing-email-store.js';
import { MessageBindingError } from './errors.js';

/** Everything that binds a row to an SES message id reports a conflict; nothing is kept or taken silently. */
const NOW = TEST_NOW.getTime();
const admin = createD1AdminStore(env.ADMIN_DB);
beforeAll(seedOrganizations);

async function refusal(promise: Promise<unknown>): Promise<MessageBindingError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MessageBindingError);
  return error as MessageBindingError;
}

/** On each kind of organisation database (test/org-database-kinds.ts). */
describe.each(ORG_DATABASE_KINDS)('markSent on $kind', ({ db }) => {
  const outgoing = createD1OutgoingEmailStore(db);
  it('binds an unbound row, and binding it again to the same message changes nothing', async () => {
    const emailId = await insertEmail(db, { sesMessageId: null });
    await outgoing.markSent(emailId, 'ses-mine', NOW);
    await outgoing.markSent(emailId, 'ses-mine', NOW + 5);
    expect(await createD1EmailQueries(db).getEmail(emailId)).toMatchObject({
      status: 'sent',
      sesMessageId: 'ses-mine',
      sentAt: NOW,
    });
  });

  it('refuses a row bound to another message: the row keeps its binding and status', async () => {
    const emailId = await insertEmail(db, { sesMessageId: 'ses-other' });
    const error = await refusal(outgoing.markSent(emailId, 'ses-mine', NOW));
    expect(error).toMatchObject({
      code: 'email-bound-to-other-message',
      emailId,
      sesMessageId: 'ses-mine',
      existing: 'ses-other',
    });
    expect(error.message).toBe(
      `email ${emailId} is already bound to SES message ses-other, not ses-mine: the binding was kept and this message's events will not be applied to it`,
    );
    expect(await createD1EmailQueries(db).getEmail(emailId)).toMatchObject({
      status: 'pending',
      sesMessageId: 'ses-other',
      sentAt: null,
    });
  });

  it('reports a row that does not exist', async () => {
    expect(await refusal(outgoing.markSent('no-such-email', 'ses-mine', NOW))).toMatchObject({
      code: 'email-missing',
      existing: null,
    });
  });
});

describe('putMessageRoute', () => {
  it('writes a route once; the same route again is fine; another route is refused and the first kept', async () => {
    const sesMessageId = `ses-${crypto.randomUUID()}`;
    await admin.putMessageRoute(sesMessageId, { organizationId: ORGS.acme, emailId: 'e-1' }, NOW);
    await admin.putMessageRoute(sesMessageId, { organizationId: ORGS.acme, emailId: 'e-1' }, NOW + 1);
    const error = await refusal(
      admin.putMessageRoute(sesMessageId, { organizationId: ORGS.globex, emailId: 'e-2' }, NOW + 2),
    );
    expect(error).toMatchObject({
      code: 'message-routed-to-other-email',
      emailId: 'e-2',
      existing: `${ORGS.acme}/e-1`,
    });
    expect(await admin.findMessageRoute(sesMessageId)).toEqual({ organizationId: ORGS.acme, emailId: 'e-1' });
  });
});
