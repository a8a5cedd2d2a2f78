import {
  DeleteSuppressedDestinationCommand,
  ListSuppressedDestinationsCommand,
  NotFoundException,
  PutSuppressedDestinationCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { insertEmail, routedInput } from '../../../../test/seed.js';
import { createOrgEmailStore } from '../organizations/org-email-store.js';
import { parseSesEvent } from '../ses-events/ses-event.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { addSuppression, listSuppressions, removeSuppression } from './suppressions.js';
import { syncTenantSuppressions, tenantSyncStatus } from './tenant-sync.js';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const MINUTE = 60_000;

/** Empties the list, the queue and the pull state (the file's tests share each database). */
async function reset(db: D1Database) {
  await db.batch([
    db.prepare('DELETE FROM email_suppressions'),
    db.prepare('DELETE FROM ses_suppression_changes'),
    db.prepare('DELETE FROM ses_suppression_sync'),
  ]);
}

const listed = (db: D1Database) =>
  listSuppressions(db, { limit: 500 }).then((l) => l.map((s) => [s.emailAddress, s.reason]));

/**
 * The tenant sync on each kind of organisation database, against the real SESv2 client stubbed at
 * the client (request shapes as the API reference gives them).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListSuppressedDestinations.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutSuppressedDestination.html
 */
describe.each(ORG_DATABASE_KINDS)('tenant suppression sync on $kind', ({ db, organizationId }) => {
  const now = testTime(0);
  let ses: SESv2Client;
  let mock: ReturnType<typeof mockClient>;
  beforeEach(async () => {
    await reset(db);
    ses = new SESv2Client({ region: 'eu-west-1', credentials });
    mock = mockClient(ses);
    mock.on(ListSuppressedDestinationsCommand).resolves({ SuppressedDestinationSummaries: [] });
    mock.on(PutSuppressedDestinationCommand).resolves({});
    mock.on(DeleteSuppressedDestinationCommand).resolves({});
  });

  it('puts what we suppress on the tenant list and deletes what we remove, once each', async () => {
    await addSuppression(db, 'Hand@Sync.example', { now });
    await addSuppression(db, 'gone@sync.example', { now });
    await removeSuppression(db, 'gone@sync.example');
    const emailId = await insertEmail(db, { sesMessageId: 'ses-sync-c', recipient: 'c@sync.example' });
    const complaint = parseSesEvent(
      JSON.stringify(
        buildSesEvent({ eventType: 'Complaint', messageId: 'ses-sync-c', recipient: 'c@sync.example', time: now }),
      ),
    );
    await createOrgEmailStore(db).recordEvent(
      await routedInput({ organizationId, emailId }, 'sns-sync-c', complaint, now.getTime()),
    );
    expect(await tenantSyncStatus(db)).toMatchObject({ queued: 3, failing: 0 });

    const report = await syncTenantSuppressions({ db, organizationId, ses, now });
    expect(report).toMatchObject({ pushed: 3, failed: 0, pass: 'completed' });
    expect(mock.commandCalls(ListSuppressedDestinationsCommand)[0]!.args[0].input).toEqual({
      TenantName: organizationId,
      PageSize: 1000,
    });
    expect(mock.commandCalls(PutSuppressedDestinationCommand).map((c) => c.args[0].input)).toEqual([
      { EmailAddress: 'c@sync.example', Reason: 'COMPLAINT', TenantName: organizationId },
      { EmailAddress: 'hand@sync.example', Reason: 'BOUNCE', TenantName: organizationId },
    ]);
    expect(mock.commandCalls(DeleteSuppressedDestinationCommand).map((c) => c.args[0].input)).toEqual([
      { EmailAddress: 'gone@sync.example', TenantName: organizationId },
    ]);
    expect(await tenantSyncStatus(db)).toMatchObject({ queued: 0 });
    mock.resetHistory();
    await syncTenantSuppressions({ db, organizationId, ses, now: testTime(10 * MINUTE) });
    expect(mock.commandCalls(PutSuppressedDestinationCommand)).toHaveLength(0);
  });

  it('a bounce because the tenant list has the address adds it here without putting it back', async () => {
    const emailId = await insertEmail(db, { sesMessageId: 'ses-sync-b', recipient: 'b@sync.example' });
    const event = buildSesEvent({
      eventType: 'Bounce',
      messageId: 'ses-sync-b',
      recipient: 'b@sync.example',
      time: now,
    });
    // The subtype SES gives a send to an address on the tenant's list (its bounce type undocumented).
    Object.assign((event as { bounce: object }).bounce, {
      bounceType: 'Undetermined',
      bounceSubType: 'OnTenantSuppressionList',
    });
    await createOrgEmailStore(db).recordEvent(
      await routedInput({ organizationId, emailId }, 'sns-sync-b', parseSesEvent(JSON.stringify(event)), now.getTime()),
    );
    expect(await listed(db)).toEqual([['b@sync.example', 'bounce']]);
    expect(await tenantSyncStatus(db)).toMatchObject({ queued: 0 });
  });

  it('pulls the tenant list page by page over runs, then removes here what SES removed', async () => {
    mock
      .on(ListSuppressedDestinationsCommand, { TenantName: organizationId, PageSize: 1000 })
      .resolvesOnce({
        SuppressedDestinationSummaries: [{ EmailAddress: 'Kept@Pull.example', Reason: 'BOUNCE', LastUpdateTime: now }],
        NextToken: 'page-2',
      })
      // The next pass: SES no longer lists dropped@.
      .resolves({
        SuppressedDestinationSummaries: [{ EmailAddress: 'Kept@Pull.example', Reason: 'BOUNCE', LastUpdateTime: now }],
      });
    mock
      .on(ListSuppressedDestinationsCommand, { TenantName: organizationId, PageSize: 1000, NextToken: 'page-2' })
      .resolvesOnce({
        SuppressedDestinationSummaries: [
          { EmailAddress: 'dropped@pull.example', Reason: 'COMPLAINT', LastUpdateTime: now },
        ],
      });
    const first = await syncTenantSuppressions({ db, organizationId, ses, now, maxPages: 1 });
    expect(first).toMatchObject({ seen: 1, pass: 'continued' });
    expect(await tenantSyncStatus(db)).toMatchObject({ nextToken: 'page-2', passStartedAt: now.getTime() });
    const second = await syncTenantSuppressions({ db, organizationId, ses, now: testTime(10 * MINUTE), maxPages: 1 });
    expect(second).toMatchObject({ seen: 1, pass: 'completed', removedHere: 0 });
    expect(await listed(db)).toEqual([
      ['dropped@pull.example', 'complaint'],
      ['kept@pull.example', 'bounce'],
    ]);
    // Nothing pulled goes back to SES.
    expect(mock.commandCalls(PutSuppressedDestinationCommand)).toHaveLength(0);

    const third = await syncTenantSuppressions({ db, organizationId, ses, now: testTime(20 * MINUTE) });
    expect(third).toMatchObject({ pass: 'completed', removedHere: 1 });
    expect(await listed(db)).toEqual([['kept@pull.example', 'bounce']]);
    // Removing kept@ here deletes it at SES with the case SES keeps.
    await removeSuppression(db, 'kept@pull.example');
    await syncTenantSuppressions({ db, organizationId, ses, now: testTime(30 * MINUTE) });
    expect(mock.commandCalls(DeleteSuppressedDestinationCommand).map((c) => c.args[0].input.EmailAddress)).toContain(
      'Kept@Pull.example',
    );
  });

  it('a removal not yet told to SES is not undone by the pull', async () => {
    await addSuppression(db, 'back@pull.example', { now });
    await syncTenantSuppressions({ db, organizationId, ses, now });
    await removeSuppression(db, 'back@pull.example');
    mock.on(ListSuppressedDestinationsCommand).resolves({
      SuppressedDestinationSummaries: [{ EmailAddress: 'back@pull.example', Reason: 'BOUNCE', LastUpdateTime: now }],
    });
    mock.on(DeleteSuppressedDestinationCommand).rejects(new Error('socket hang up'));
    const run = await syncTenantSuppressions({ db, organizationId, ses, now: testTime(MINUTE) });
    expect(run).toMatchObject({ seen: 1, failed: 1 });
    expect(await listed(db)).toEqual([]);
  });

  it('records a failed pull (no tenant yet) and a refused put, and retries both on the next run', async () => {
    await addSuppression(db, 'wait@fail.example', { now });
    mock
      .on(ListSuppressedDestinationsCommand)
      .rejectsOnce(new NotFoundException({ message: 'Tenant not found', $metadata: {} }))
      .resolves({ SuppressedDestinationSummaries: [] });
    const first = await syncTenantSuppressions({ db, organizationId, ses, now });
    expect(first.error).toBe('NotFoundException: Tenant not found');
    expect(mock.commandCalls(PutSuppressedDestinationCommand)).toHaveLength(0);
    expect(await tenantSyncStatus(db)).toMatchObject({ failures: 1, lastErrorAt: now.getTime(), queued: 1 });

    mock.on(PutSuppressedDestinationCommand).rejectsOnce(new Error('throttled for a while')).resolves({});
    const second = await syncTenantSuppressions({ db, organizationId, ses, now: testTime(10 * MINUTE) });
    expect(second).toMatchObject({ failed: 1, pushed: 0 });
    expect(await tenantSyncStatus(db)).toMatchObject({ failures: 0, lastError: null, queued: 1, failing: 1 });

    const third = await syncTenantSuppressions({ db, organizationId, ses, now: testTime(20 * MINUTE) });
    expect(third).toMatchObject({ failed: 0, pushed: 1 });
    expect(await tenantSyncStatus(db)).toMatchObject({ queued: 0 });
  });
});
