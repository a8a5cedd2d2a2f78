import { describe, expect, it } from 'vitest';
import { insertEmail, routedInput } from '../../../../test/seed.js';
import { InvalidOptionsError } from '../shared/invalid-options.js';
import { addSuppression, findSuppressedRecipients, listSuppressions, removeSuppression } from './suppressions.js';
import { createOrgEmailStore } from '../organizations/org-email-store.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { parseSesEvent } from '../ses-events/ses-event.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';

// Each test uses its own domain: the suppression list is shared by the tests of this file.
const at = (domain: string) => (local: string) => `${local}@${domain}`;

/** On each kind of organisation database (test/org-database-kinds.ts). */
describe.each(ORG_DATABASE_KINDS)('suppression list functions on $kind', ({ db }) => {
  it('adds by hand, lower-cased, as reason manual; adding again keeps the first entry', async () => {
    const a = at('add.example');
    const first = await addSuppression(db, a('Ana'), { detail: 'asked by phone', now: new Date(1000) });
    expect(first).toEqual({
      added: true,
      entry: {
        emailAddress: a('ana'),
        reason: 'manual',
        detail: 'asked by phone',
        sourceEmailId: null,
        createdAt: 1000,
      },
    });
    const again = await addSuppression(db, a('ANA'), { detail: 'again', now: new Date(2000) });
    expect(again).toEqual({ added: false, entry: first.entry });
  });

  it('finds suppressed recipients whatever their case, and only those', async () => {
    const a = at('find.example');
    await addSuppression(db, a('ben'));
    const found = await findSuppressedRecipients(db, [a('BEN'), a('chloe'), a('Ben')]);
    expect(found.map((s) => s.emailAddress)).toEqual([a('ben')]);
    expect(await findSuppressedRecipients(db, [])).toEqual([]);
  });

  it('removes an address whatever put it there, and says when it was not there', async () => {
    const a = at('remove.example');
    await addSuppression(db, a('dev'));
    expect(await removeSuppression(db, a('DEV'))).toBe(true);
    expect(await removeSuppression(db, a('dev'))).toBe(false);
    expect(await findSuppressedRecipients(db, [a('dev')])).toEqual([]);
  });

  it('lists in address order, page by page, and by reason', async () => {
    const a = at('list.example');
    for (const local of ['e3', 'e1', 'e2']) await addSuppression(db, a(local));
    // A permanent bounce puts its recipient on the list as reason bounce, through the event path.
    const emailId = await insertEmail(db, { sesMessageId: 'ses-list-bounce', recipient: a('e0') });
    const bounce = parseSesEvent(
      JSON.stringify(
        buildSesEvent({ eventType: 'Bounce', messageId: 'ses-list-bounce', recipient: a('e0'), time: new Date(5000) }),
      ),
    );
    await createOrgEmailStore(db).recordEvent(
      await routedInput({ organizationId: 'org-acme', emailId }, 'sns-list-bounce', bounce, 5000),
    );

    const all = (await listSuppressions(db, { limit: 500 })).filter((s) => s.emailAddress.endsWith('@list.example'));
    expect(all.map((s) => [s.emailAddress, s.reason])).toEqual([
      [a('e0'), 'bounce'],
      [a('e1'), 'manual'],
      [a('e2'), 'manual'],
      [a('e3'), 'manual'],
    ]);
    expect(all[0]).toMatchObject({ sourceEmailId: emailId });
    const page1 = await listSuppressions(db, { limit: 2, after: a('e0') });
    expect(page1.map((s) => s.emailAddress)).toEqual([a('e1'), a('e2')]);
    const page2 = await listSuppressions(db, { limit: 2, after: page1[1]!.emailAddress });
    expect(page2[0]?.emailAddress).toBe(a('e3'));
    // Search: a part of the address, whatever its case; `%` and `_` match only themselves.
    expect((await listSuppressions(db, { search: 'E2@LIST.' })).map((s) => s.emailAddress)).toEqual([a('e2')]);
    expect(await listSuppressions(db, { search: 'e_@list' })).toEqual([]);
    const bounces = await listSuppressions(db, { reason: 'bounce' });
    expect(bounces.every((s) => s.reason === 'bounce')).toBe(true);
    expect(bounces.map((s) => s.emailAddress)).toContain(a('e0'));
  });

  it('refuses an invalid address or page size, naming the field', async () => {
    await expect(addSuppression(db, 'not an address')).rejects.toThrow(
      /^addSuppression: invalid options: emailAddress: must be a plain ASCII email address/,
    );
    await expect(removeSuppression(db, 'x@')).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(listSuppressions(db, { limit: 0 })).rejects.toThrow(/^listSuppressions: invalid options: limit: /);
    await expect(listSuppressions(db, { reason: 'spam' as never })).rejects.toThrow(/reason: /);
  });
});
