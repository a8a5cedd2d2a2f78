import { createMessageBatch, env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { d1SinkPorts, insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { signedDelivery } from '../../../../test/signed-delivery.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import { createSesEventIngestor } from '../ingest/ingest.js';
import { consumeSesEventQueue } from '../ingest/queue-consumer.js';
import type { SesEventQueueMessage } from '../ingest/queue-message.js';
import { rebuildFromArchivePage } from '../ingest/archive-rebuild.js';
import { createD1RetentionStore } from '../retention/d1-retention-store.js';
import { InvalidOptionsError } from '../shared/invalid-options.js';
import { ARCHIVE_PREFIXES, archivePrefix } from '../shared/archive-days.js';
import { buildProofBundle } from './proof-bundle.js';
import { createR2SnsArchive } from './r2-sns-archive.js';
import { snsArchiveHourPrefix } from './sns-archive.js';
import { splitArchiveKey } from './sns-archive-batch.js';

/**
 * Each organisation's raw SNS messages are archived under the prefix of its archive days (an R2
 * lifecycle rule per prefix): the webhook in direct mode, the queue consumer, the rebuild and the
 * proof. Real R2, D1 and Queues (miniflare); SNS messages signed with a generated key.
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const DAY = 86_400_000;
const retention = () => createD1RetentionStore(env.ADMIN_DB);

let signer: SnsSigner;
beforeAll(async () => {
  signer = await createSnsSigner();
  await seedOrganizations();
});
beforeEach(async () => {
  // Acme keeps its raw messages 90 days; Globex has no override (the deployment's, `sns/`).
  expect(
    await retention().setOverride(ORGS.acme, { eventsDays: null, emailsDays: null, archiveDays: 90 }, 'test', 0),
  ).toBe(true);
});

/** A sent email of `organization` (its row and its route): its SES message id and email id. */
async function sentEmail(organization: 'acme' | 'globex') {
  const sesMessageId = `ses-${crypto.randomUUID()}`;
  const db = organization === 'acme' ? env.ORG_DB_ACME : env.ORG_DB_GLOBEX;
  const emailId = await insertEmail(db, { sesMessageId });
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(sesMessageId, ORGS[organization], emailId)
    .run();
  return { sesMessageId, emailId, db };
}

/** The POST body of a signed Delivery of `sesMessageId` at `at`. */
const notification = async (sesMessageId: string, at: Date) =>
  (await signedDelivery(signer, { sesMessageId, at, topicArn: TOPIC })).body;

/** The webhook at `at`, direct (records) or queued (what it enqueues lands in `sent`). */
function webhook(at: Date, sent?: SesEventQueueMessage[]) {
  return createSesEventIngestor({
    ...d1SinkPorts(() => at),
    allowedTopicArns: [TOPIC],
    fetchCertificate: signer.fetchCertificate,
    archive: createR2SnsArchive(env.SES_ARCHIVE),
    ...(sent ? { enqueue: async (message: SesEventQueueMessage) => void sent.push(message) } : {}),
  });
}

/** The archive key each event of an email was recorded with. */
async function archiveKeyOf(email: { emailId: string; db: D1Database }): Promise<string> {
  const row = await email.db
    .prepare('SELECT archive_key AS key FROM email_events WHERE email_id = ?')
    .bind(email.emailId)
    .first<{ key: string }>();
  return row!.key;
}

describe('the raw archive keeps each organisation’s messages for its own days', () => {
  it('direct mode: under the organisation’s prefix, the deployment’s without an override, and sns/ while unrouted', async () => {
    const acme = await sentEmail('acme');
    const globex = await sentEmail('globex');
    const posts = [await notification(acme.sesMessageId, TEST_NOW), await notification(globex.sesMessageId, TEST_NOW)];
    for (const body of posts) expect((await webhook(TEST_NOW).ingest(body)).body.outcome).toBe('applied');
    const unrouted = await notification(`ses-${crypto.randomUUID()}`, TEST_NOW);
    expect((await webhook(TEST_NOW).ingest(unrouted)).body.outcome).toBe('parked');

    const acmeKey = await archiveKeyOf(acme);
    // Keyed by the SNS Timestamp (a second before TEST_NOW).
    expect(acmeKey.startsWith(snsArchiveHourPrefix(new Date(TEST_NOW.getTime() - 1000), 90))).toBe(true);
    expect((await archiveKeyOf(globex)).startsWith('sns/')).toBe(true);
    const parked = await env.ADMIN_DB.prepare('SELECT archive_key AS key FROM parked_email_events').all<{
      key: string;
    }>();
    expect(parked.results.map((r) => r.key.slice(0, 4))).toEqual(['sns/']);
    const archive = createR2SnsArchive(env.SES_ARCHIVE);
    expect((await archive.getMessage(acmeKey))?.body).toBe(posts[0]);
  });

  it('queued mode: one batch of two organisations is archived as one object per retention', async () => {
    const acme = await sentEmail('acme');
    const globex = await sentEmail('globex');
    const sent: SesEventQueueMessage[] = [];
    const bodies = [await notification(acme.sesMessageId, TEST_NOW), await notification(globex.sesMessageId, TEST_NOW)];
    for (const body of bodies) expect((await webhook(TEST_NOW, sent).ingest(body)).body.outcome).toBe('queued');
    const batch = createMessageBatch(
      'kuratchi-ses-events',
      sent.map((body, i) => ({ id: `m-${i}`, timestamp: TEST_NOW, attempts: 1, body })),
    );
    const report = await consumeSesEventQueue(
      batch,
      d1SinkPorts(() => TEST_NOW),
      null,
      createR2SnsArchive(env.SES_ARCHIVE),
    );
    expect([...report.verdicts.values()].map((v) => v.action === 'ack' && v.outcome)).toEqual(['applied', 'applied']);

    const [acmeKey, globexKey] = [await archiveKeyOf(acme), await archiveKeyOf(globex)];
    expect(splitArchiveKey(acmeKey).objectKey.startsWith('sns-d90/')).toBe(true);
    expect(splitArchiveKey(globexKey).objectKey.startsWith('sns/')).toBe(true);
    const archive = createR2SnsArchive(env.SES_ARCHIVE);
    expect((await archive.getMessage(acmeKey))?.body).toBe(bodies[0]);
    expect((await archive.getMessage(globexKey))?.body).toBe(bodies[1]);
    // Two objects, one message each: Acme's under its prefix, Globex's under the deployment's.
    for (const [key, email] of [
      [acmeKey, sent[0]!],
      [globexKey, sent[1]!],
    ] as const) {
      const object = await archive.listMessages({ prefix: splitArchiveKey(key).objectKey, limit: 10 });
      expect(object.entries.map((e) => e.metadata.snsMessageId)).toEqual([email.snsMessageId]);
    }
  });

  it('a rebuild finds an organisation’s messages under every prefix it was archived with, page by page', async () => {
    // The rebuild checks each SNS Timestamp against R2's upload time, which R2 stamps with the
    // real clock: this test's times derive from the real clock, not from the pinned TEST_NOW.
    const now = new Date();
    const before = await sentEmail('acme');
    expect((await webhook(now).ingest(await notification(before.sesMessageId, now))).body.outcome).toBe('applied');
    // The override removed: what is archived from now on goes under the deployment's prefix.
    expect(await retention().setOverride(ORGS.acme, { eventsDays: null, emailsDays: null }, 'test', 0)).toBe(true);
    const after = await sentEmail('acme');
    expect((await webhook(now).ingest(await notification(after.sesMessageId, now))).body.outcome).toBe('applied');
    expect((await archiveKeyOf(before)).startsWith('sns-d90/')).toBe(true);
    expect((await archiveKeyOf(after)).startsWith('sns/')).toBe(true);

    await env.ORG_DB_ACME.prepare('DELETE FROM email_events WHERE email_id IN (?, ?)')
      .bind(before.emailId, after.emailId)
      .run();
    let applied = 0;
    let pages = 0;
    let cursor: string | undefined;
    do {
      const page = await rebuildFromArchivePage(
        d1SinkPorts(() => now),
        {
          archive: createR2SnsArchive(env.SES_ARCHIVE),
          organizationId: ORGS.acme,
          since: new Date(now.getTime() - 3_600_000),
          limit: 1,
          allowedTopicArns: [TOPIC],
          certificates: { fetchCertificate: signer.fetchCertificate },
          ...(cursor ? { cursor } : {}),
        },
      );
      expect(page.listed).toBeLessThanOrEqual(1);
      applied += page.outcomes.applied ?? 0;
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor && pages < 100);
    expect(cursor).toBeUndefined();
    expect(applied).toBe(2);
    expect((await archiveKeyOf(before)).startsWith('sns-d90/')).toBe(true);
  });

  it('a rebuild refuses a cursor it did not write', async () => {
    await expect(
      rebuildFromArchivePage(
        d1SinkPorts(() => TEST_NOW),
        {
          archive: createR2SnsArchive(env.SES_ARCHIVE),
          organizationId: ORGS.acme,
          allowedTopicArns: [TOPIC],
          cursor: 'elsewhere/|x',
        },
      ),
    ).rejects.toThrow(/not a rebuild cursor/);
  });

  it('a proof says archive-expired by the days its key was archived with', async () => {
    const tenDaysAgo = new Date(TEST_NOW.getTime() - 10 * DAY);
    const gone = (days?: number) => ({
      snsMessageId: `x-${days ?? 'default'}`,
      eventType: 'Delivery',
      occurredAt: tenDaysAgo.getTime(),
      archiveKey: `${snsArchiveHourPrefix(tenDaysAgo, days)}gone.json`,
    });
    const bundle = await buildProofBundle(createR2SnsArchive(env.SES_ARCHIVE), {
      emailId: 'e',
      sesMessageId: 's',
      events: [gone(7), gone(30), gone()],
      now: TEST_NOW,
      archiveRetentionDays: 9,
    });
    expect(bundle.notProvable.map((e) => [e.snsMessageId, e.reason])).toEqual([
      ['x-7', 'archive-expired'],
      ['x-30', 'archive-missing'],
      ['x-default', 'archive-expired'],
    ]);
  });

  it('archive days must be one of the choices: a bad override writes nothing', async () => {
    await expect(
      retention().setOverride(ORGS.globex, { eventsDays: null, emailsDays: null, archiveDays: 100 }, 'test', 0),
    ).rejects.toThrow(InvalidOptionsError);
    expect(await retention().readOverride(ORGS.globex)).toBeNull();
    expect(() => archivePrefix(100)).toThrow(RangeError);
    expect(ARCHIVE_PREFIXES).toEqual([...ARCHIVE_PREFIXES].sort());
    expect(ARCHIVE_PREFIXES.filter((p) => ARCHIVE_PREFIXES.some((q) => q !== p && q.startsWith(p)))).toEqual([]);
  });
});
