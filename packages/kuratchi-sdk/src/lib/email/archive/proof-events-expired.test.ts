import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { d1SinkPorts, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import { createSesEventIngestor } from '../ingest/ingest.js';
import { DAY_MS } from '../retention/policy.js';
import { purgeOrganization } from '../retention/purge.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import { listProofEvents } from './d1-proof-events.js';
import { buildProofBundle } from './proof-bundle.js';
import { verifyProofBundle } from './proof-verify.js';
import { createR2SnsArchive } from './r2-sns-archive.js';

/**
 * An email whose events the events retention purged (shorter than the emails retention): its
 * proof bundle says so (`eventsExpired`, naming the cutoff) instead of coming back empty with no
 * reason. Real D1 and R2, the real archiving ingestor and the real purge.
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const NOW = TEST_NOW;
const policy = { eventsDays: 1, emailsDays: 45 };
const cutoff = NOW.getTime() - policy.eventsDays * DAY_MS;
const db = env.ORG_DB_ACME;
const archive = () => createR2SnsArchive(env.SES_ARCHIVE);

let signer: SnsSigner;
beforeAll(async () => {
  signer = await createSnsSigner();
  await seedOrganizations();
});

/** An email created `ageMs` before now with a Delivery a minute later, archived and recorded as SNS posted it then. */
async function deliveredEmail(ageMs: number) {
  const at = NOW.getTime() - ageMs;
  const emailId = crypto.randomUUID();
  const sesMessageId = `ses-${emailId}`;
  await db
    .prepare(
      `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at)
       VALUES (?, 'to@example.com', 'from@example.com', 'Hi', 'sent', ?, ?, ?)`,
    )
    .bind(emailId, sesMessageId, at, at)
    .run();
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, ?)')
    .bind(sesMessageId, ORGS.acme, emailId, at)
    .run();
  const time = new Date(at + 60_000);
  const signed = await signer.sign({
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: TOPIC,
    Message: JSON.stringify(buildSesEvent({ eventType: 'Delivery', messageId: sesMessageId, time })),
    Timestamp: new Date(time.getTime() + 1000).toISOString(),
  } as never);
  const ingestor = createSesEventIngestor({
    ...d1SinkPorts(() => new Date(time.getTime() + 2000)),
    allowedTopicArns: [TOPIC],
    fetchCertificate: signer.fetchCertificate,
    archive: archive(),
  });
  expect((await ingestor.ingest(JSON.stringify(signed))).body.outcome).toBe('applied');
  return { emailId, sesMessageId };
}

/** The email's bundle as the dashboard builds it: its events, and the retention with its tracking times. */
async function bundleOf(email: { emailId: string; sesMessageId: string }) {
  const row = (await createD1EmailQueries(db).getEmail(email.emailId))!;
  return buildProofBundle(archive(), {
    ...email,
    events: await listProofEvents(db, email.emailId),
    now: NOW,
    eventsRetention: { cutoff, email: row },
  });
}

describe('the proof bundle of an email whose events are past the events retention', () => {
  it('names the events cutoff once the purge deleted them, and the verifier gives it as the reason', async () => {
    const old = await deliveredEmail(3 * DAY_MS);
    const fresh = await deliveredEmail(60 * 60_000);
    // Before the purge: the old event is still there, proven, and the bundle already warns.
    const before = await bundleOf(old);
    expect(before.messages).toHaveLength(1);
    expect(before.eventsExpired).toEqual({ reason: 'events-expired', before: new Date(cutoff).toISOString() });

    const run = await purgeOrganization({
      adminDb: env.ADMIN_DB,
      orgDb: db,
      organizationId: ORGS.acme,
      policy,
      now: NOW,
      budget: { queriesLeft: 1_000, deadline: Number.POSITIVE_INFINITY },
    });
    expect(run).toMatchObject({ emailsDeleted: 0, eventsDeleted: 1, caughtUp: true });
    expect(await listProofEvents(db, old.emailId)).toEqual([]);

    const bundle = await bundleOf(old);
    expect(bundle.messages).toEqual([]);
    expect(bundle.notProvable).toEqual([]);
    expect(bundle.eventsExpired).toEqual({ reason: 'events-expired', before: new Date(cutoff).toISOString() });
    const verdict = await verifyProofBundle(JSON.parse(JSON.stringify(bundle)), { topicArns: [TOPIC] });
    expect(verdict).toMatchObject({ ok: false, verdict: 'failed', eventsExpired: bundle.eventsExpired });
    expect(verdict.error).toContain(
      `events before ${new Date(cutoff).toISOString()} were deleted by the events retention`,
    );

    // An email within the retention keeps its event and gets no such field.
    const recent = await bundleOf(fresh);
    expect(recent.messages).toHaveLength(1);
    expect(recent).not.toHaveProperty('eventsExpired');
  });

  it('a bundle of the previous shape (no eventsExpired) still reads; a malformed one is refused', async () => {
    const bundle = await bundleOf(await deliveredEmail(60_000));
    expect(bundle).not.toHaveProperty('eventsExpired');
    expect((await verifyProofBundle(bundle)).error).toBeUndefined();
    expect(await verifyProofBundle({ ...bundle, eventsExpired: { reason: 'gone', before: 1 } })).toMatchObject({
      verdict: 'failed',
      error: expect.stringMatching(/^not a proof bundle of this version: eventsExpired/),
    });
  });
});
