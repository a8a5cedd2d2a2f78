import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { insertEmail, routedInput } from '../../../../test/seed.js';
import { InvalidOptionsError } from '../shared/invalid-options.js';
import { addSuppression, findSuppressedRecipients, listSuppressions, removeSuppression } from './suppressions.js';
import { createD1OrgEmailStore } from '../store/d1-org-email-store.js';
import { parseSesEvent } from '../events/ses-event.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';

// Each test uses its own domain: the suppression list is shared by the tests of this file.
const at = (domain: string) => (local: string) => `${local}@${domain}`;

describe('suppression list functions (D1)', () => {
  it('adds by hand, lower-cased, as reason manual; adding again keeps the first entry', async () => {
    const a = at('add.example');
    const first = await addSuppression(env.ORG_DB_ACME, a('Ana'), { detail: 'asked by phone', now: new Date(1000) });
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
    const again = await addSuppression(env.ORG_DB_ACME, a('ANA'), { detail: 'again', now: new Date(2000) });
    expect(again).toEqual({ added: false, entry: first.entry });
  });

  it('finds suppressed recipients whatever their case, and only those', async () => {
    const a = at('find.example');
    await addSuppression(env.ORG_DB_ACME, a('ben'));
    const found = await findSuppressedRecipients(env.ORG_DB_ACME, [a('BEN'), a('chloe'), a('Ben')]);
    expect(found.map((s) => s.emailAddress)).toEqual([a('ben')]);
    expect(await findSuppressedRecipients(env.ORG_DB_ACME, [])).toEqual([]);
  });

  it('removes an address whatever put it there, and says when it was not there', async () => {
    const a = at('remove.example');
    await addSuppression(env.ORG_DB_ACME, a('dev'));
    expect(await removeSuppression(env.ORG_DB_ACME, a('DEV'))).toBe(true);
    expect(await removeSuppression(env.ORG_DB_ACME, a('dev'))).toBe(false);
    expect(await findSuppressedRecipients(env.ORG_DB_ACME, [a('dev')])).toEqual([]);
  });

  it('lists in address order, page by page, and by reason', async () => {
    const db = env.ORG_DB_GLOBEX;
    const a = at('list.example');
    for (const local of ['e3', 'e1', 'e2']) await addSuppression(db, a(local));
    // A permanent bounce puts its recipient on the list as reason bounce, through the event path.
    const emailId = await insertEmail(db, { sesMessageId: 'ses-list-bounce', recipient: a('e0') });
    const bounce = parseSesEvent(
      JSON.stringify(
        buildSesEvent({ eventType: 'Bounce', messageId: 'ses-list-bounce', recipient: a('e0'), time: new Date(5000) }),
      ),
    );
    await createD1OrgEmailStore(db).recordEvent(
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
    const bounces = await listSuppressions(db, { reason: 'bounce' });
    expect(bounces.every((s) => s.reason === 'bounce')).toBe(true);
    expect(bounces.map((s) => s.emailAddress)).toContain(a('e0'));
  });

  it('refuses an invalid address or page size, naming the field', async () => {
    await expect(addSuppression(env.ORG_DB_ACME, 'not an address')).rejects.toThrow(
      /^addSuppression: invalid options: emailAddress: must be a plain ASCII email address/,
    );
    await expect(removeSuppression(env.ORG_DB_ACME, 'x@')).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(listSuppressions(env.ORG_DB_ACME, { limit: 0 })).rejects.toThrow(
      /^listSuppressions: invalid options: limit: /,
    );
    await expect(listSuppressions(env.ORG_DB_ACME, { reason: 'spam' as never })).rejects.toThrow(/reason: /);
  });
});
