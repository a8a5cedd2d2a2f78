import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { orgObjectDatabase, verifyOrgCopy } from '../../../../test/org-database-kinds.js';
import { releaseD1Binding } from '../../../../test/seed.js';
import { OrgDatabaseError } from '../routing/errors.js';
import { createOrgBindingCache, createOrgDatabaseClient, readOrgDatabaseLocation } from './org-databases.js';
import { ORG_TABLES } from './org-copy.js';
import {
  abortOrgMove,
  forgetOrgMoveVerification,
  ORG_MOVE_SETTLE_MS,
  OrgMoveError,
  recordOrgMoveVerification,
  settledOrgMove,
  startOrgMove,
  switchOrgToDurableObject,
  unverifiedOrgTables,
} from './org-move.js';
import { createOrganization } from './organizations.js';

const now = TEST_NOW.getTime();

/** A fresh D1 organisation on ORG_DB_GLOBEX (each test its own id). */
async function d1Organization(): Promise<string> {
  const id = `org-move-${crypto.randomUUID().slice(0, 8)}`;
  await releaseD1Binding('ORG_DB_GLOBEX');
  await env.ADMIN_DB.prepare(
    `INSERT INTO organizations (id, name, database_binding, created_at) VALUES (?, 'Moving', 'ORG_DB_GLOBEX', 0)`,
  )
    .bind(id)
    .run();
  return id;
}

function refusal(promise: Promise<unknown>) {
  return promise.then(
    () => expect.unreachable('the step should have been refused'),
    (error: unknown) => error as OrgMoveError,
  );
}

describe('moving an organisation from D1 to its Durable Object (admin side)', () => {
  it('start marks it moving, and from then on its database is refused to every caller', async () => {
    const id = await d1Organization();
    const client = () => createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>)(id);
    await expect(client()).resolves.toBeDefined();
    expect((await startOrgMove(env.ADMIN_DB, id, now)).movingSince).toBe(now);
    await expect(client()).rejects.toSatisfy(
      (error: unknown) => error instanceof OrgDatabaseError && error.code === 'organization-moving',
    );
    expect((await refusal(startOrgMove(env.ADMIN_DB, id, now))).code).toBe('already-moving');
  });

  it('copying waits until the settle time has passed since the start', async () => {
    const id = await d1Organization();
    await startOrgMove(env.ADMIN_DB, id, now);
    const early = await refusal(settledOrgMove(env.ADMIN_DB, id, now + ORG_MOVE_SETTLE_MS - 1000));
    expect(early.code).toBe('settling');
    expect(early.retryAfterMs).toBe(1000);
    expect((await settledOrgMove(env.ADMIN_DB, id, now + ORG_MOVE_SETTLE_MS)).kind).toBe('d1');
  });

  it('switch points it at its verified object and ends the move; a second start is refused as not on D1', async () => {
    const id = await d1Organization();
    await startOrgMove(env.ADMIN_DB, id, now);
    const unverified = await refusal(switchOrgToDurableObject(env.ADMIN_DB, id, 'ORG_DO'));
    expect(unverified.code).toBe('not-verified');
    expect(unverified.message).toContain(ORG_TABLES.map((t) => t.name).join(', '));
    expect((await readOrgDatabaseLocation(env.ADMIN_DB, id)).kind).toBe('d1');
    expect(await verifyOrgCopy(id, env.ORG_DB_GLOBEX, orgObjectDatabase(id))).toBe(true);
    await switchOrgToDurableObject(env.ADMIN_DB, id, 'ORG_DO');
    expect(await readOrgDatabaseLocation(env.ADMIN_DB, id)).toEqual({
      kind: 'durable-object',
      binding: 'ORG_DO',
      movingSince: null,
    });
    // Its D1 database, left as its backup, stays its own: no new organisation reads its mail there.
    const taken = await createOrganization(env.ADMIN_DB, env as unknown as Record<string, unknown>, {
      id: `${id}-next`,
      name: 'Next',
      kind: 'd1',
      binding: 'ORG_DB_GLOBEX',
    }).catch((error: unknown) => error);
    expect(taken).toMatchObject({ code: 'binding-taken', heldBy: id });
    const db = await createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>)(id);
    expect(await db.prepare('SELECT count(*) AS n FROM emails').first('n')).toBe(0);
    expect((await refusal(startOrgMove(env.ADMIN_DB, id, now))).code).toBe('not-on-d1');
  });

  it('abort leaves it on D1; switch, abort and settle refuse an organisation that is not moving', async () => {
    const id = await d1Organization();
    await startOrgMove(env.ADMIN_DB, id, now);
    expect(await abortOrgMove(env.ADMIN_DB, id)).toEqual({ kind: 'd1', binding: 'ORG_DB_GLOBEX', movingSince: null });
    expect((await readOrgDatabaseLocation(env.ADMIN_DB, id)).movingSince).toBeNull();
    for (const step of [
      switchOrgToDurableObject(env.ADMIN_DB, id, 'ORG_DO'),
      abortOrgMove(env.ADMIN_DB, id),
      settledOrgMove(env.ADMIN_DB, id, now),
    ]) {
      expect((await refusal(step)).code).toBe('not-moving');
    }
    expect((await readOrgDatabaseLocation(env.ADMIN_DB, id)).kind).toBe('d1');
  });

  it('a moving organisation is not cached, so an isolate sees its switch at once', async () => {
    const id = await d1Organization();
    const cache = createOrgBindingCache({ ttlMs: 3_600_000 });
    const bindings = env as unknown as Record<string, unknown>;
    const client = () => createOrgDatabaseClient(env.ADMIN_DB, bindings, cache)(id);
    await startOrgMove(env.ADMIN_DB, id, now);
    await expect(client()).rejects.toThrow(/being moved/);
    await verifyOrgCopy(id, env.ORG_DB_GLOBEX, orgObjectDatabase(id));
    await switchOrgToDurableObject(env.ADMIN_DB, id, 'ORG_DO');
    // Not cached while moving: the next lookup reads the row again and finds the object.
    expect(await (await client()).prepare('SELECT count(*) AS n FROM emails').first('n')).toBe(0);
    expect(cache.get(id, Date.now())?.kind).toBe('durable-object');
  });

  it('only a verification of the copy as it stands lets it switch: from the first page on, every page equal', async () => {
    const id = await d1Organization();
    await startOrgMove(env.ADMIN_DB, id, now);
    const all = ORG_TABLES.map((t) => t.name);
    const page = (next: string | null, equal = true) => ({
      sourceRows: 2,
      targetRows: equal ? 2 : 1,
      sourceDigest: 'a',
      targetDigest: equal ? 'a' : 'b',
      next,
    });
    // A page that does not follow the verified run (here: none yet) verifies nothing.
    expect(await recordOrgMoveVerification(env.ADMIN_DB, id, 'emails', 'cursor-1', page(null))).toBe(true);
    expect(await unverifiedOrgTables(env.ADMIN_DB, id)).toEqual(all);
    // The first page and the one after it, in order: emails verified to its end.
    await recordOrgMoveVerification(env.ADMIN_DB, id, 'emails', null, page('cursor-1'));
    expect(await unverifiedOrgTables(env.ADMIN_DB, id)).toEqual(all);
    await recordOrgMoveVerification(env.ADMIN_DB, id, 'emails', 'cursor-1', page(null));
    expect(await unverifiedOrgTables(env.ADMIN_DB, id)).toEqual(all.filter((name) => name !== 'emails'));
    // A page that differs forgets that table's run.
    expect(await recordOrgMoveVerification(env.ADMIN_DB, id, 'emails', null, page(null, false))).toBe(false);
    expect(await unverifiedOrgTables(env.ADMIN_DB, id)).toEqual(all);
    // Everything verified, then a page copied (the copy step forgets): not switched.
    expect(await verifyOrgCopy(id, env.ORG_DB_GLOBEX, orgObjectDatabase(id))).toBe(true);
    expect(await unverifiedOrgTables(env.ADMIN_DB, id)).toEqual([]);
    await forgetOrgMoveVerification(env.ADMIN_DB, id);
    expect((await refusal(switchOrgToDurableObject(env.ADMIN_DB, id, 'ORG_DO'))).code).toBe('not-verified');
    // An abort and a new start forget it too.
    await verifyOrgCopy(id, env.ORG_DB_GLOBEX, orgObjectDatabase(id));
    await abortOrgMove(env.ADMIN_DB, id);
    await startOrgMove(env.ADMIN_DB, id, now);
    expect(await unverifiedOrgTables(env.ADMIN_DB, id)).toEqual(all);
  });

  it('an unknown organisation: organization-not-found', async () => {
    await expect(startOrgMove(env.ADMIN_DB, 'org-nobody', now)).rejects.toSatisfy(
      (error: unknown) => error instanceof OrgDatabaseError && error.code === 'organization-not-found',
    );
  });
});
