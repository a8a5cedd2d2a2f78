// The demo seed, written into a fresh local D1 (miniflare, as `wrangler dev` keeps it) through
// the SDK's sendEmail and queue consumer: every email row must be the fold of its SES events
// (status, times, counters, details), every permanently bounced or complaining recipient on the
// suppression list and nobody else, and the stories must be the realistic ones the demo promises.
// Time is an input: the seed is planned for a pinned `now`, and the pipeline runs on that clock.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  applyRecipientEvent,
  classifyEngagementSet,
  initialTracking,
  parseSesEvent,
} from 'kuratchi-sdk/internal/events';
import { buildDemoSeed, foldDemoEmail, LIVE_EMAILS_PER_ORGANIZATION } from '../../../../scripts/demo/seed.mjs';
import { USER_AGENTS } from '../../../../scripts/demo/clients.mjs';
import { openDemoState, writeDemoSeed } from '../../../../scripts/demo/write-seed.mjs';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const stateDir = mkdtempSync(join(tmpdir(), 'kuratchi-demo-seed-'));
let seed;
let mf;
let written;

before(async () => {
  seed = await buildDemoSeed({ now: NOW });
  written = await writeDemoSeed(seed, { stateDir, migrate: true });
  // The state as `wrangler dev` will serve it: the D1 databases and the organisation objects.
  mf = await openDemoState(stateDir);
});

after(async () => {
  await mf?.dispose();
  rmSync(stateDir, { recursive: true, force: true });
});

/**
 * Every field the fold yields (all of EmailTracking, and `error`), by its column: camelCase to
 * snake_case, so a field added to the model is compared here too.
 */
const TRACKING = Object.fromEntries(
  [...Object.keys(initialTracking()), 'error'].map((key) => [key, key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]),
);

/** Rows of `sql` in the admin database ('ADMIN_DB') or an organisation's database, of either kind. */
async function rows(where, sql) {
  if (where === 'ADMIN_DB' || where.kind === 'd1') {
    return (await (await mf.getD1Database(where.binding ?? where)).prepare(sql).all()).results;
  }
  const namespace = await mf.getDurableObjectNamespace(where.binding);
  const [result] = await namespace.get(namespace.idFromName(where.id)).runStatements([{ sql, params: [] }], false);
  return result.rows.map((row) => Object.fromEntries(result.columns.map((column, i) => [column, row[i]])));
}

function organizationOf(email) {
  return seed.organizations.find((o) => o.id === email.organizationId);
}

test('every email row is the fold of its SES events, and holds exactly those events', async () => {
  assert.equal(written.emails, seed.emails.length);
  for (const organization of seed.organizations) {
    const select = Object.entries(TRACKING).map(([key, column]) => `${column} AS "${key}"`);
    const found = new Map(
      (await rows(organization, `SELECT id, recipient, ses_message_id AS ses, ${select} FROM emails`)).map((r) => [
        r.id,
        r,
      ]),
    );
    const events = await rows(organization, 'SELECT email_id AS id, sns_message_id AS sns FROM email_events');
    const planned = seed.emails.filter((e) => e.organizationId === organization.id);
    assert.equal(found.size, planned.length);
    for (const email of planned) {
      const { id, recipient, ses, ...tracking } = found.get(email.id);
      const expected = foldDemoEmail(email);
      assert.deepEqual(tracking, Object.fromEntries(Object.keys(TRACKING).map((k) => [k, expected[k]])), email.id);
      assert.equal(recipient, email.send.to.join(', '));
      assert.equal(ses, email.ses.messageId ?? null, id);
      assert.deepEqual(
        events
          .filter((e) => e.id === email.id)
          .map((e) => e.sns)
          .sort(),
        email.events.map((e) => e.snsMessageId).sort(),
      );
    }
  }
});

test("each email's recipients and machine counters are the pure folds of its events", async () => {
  let multi = 0;
  let machine = 0;
  for (const organization of seed.organizations) {
    const recipients = await rows(
      organization,
      'SELECT email_id AS id, address, kind, status, delivered_at AS deliveredAt, bounced_at AS bouncedAt FROM email_recipients',
    );
    const counters = new Map(
      (
        await rows(organization, 'SELECT id, machine_open_count AS opens, machine_click_count AS clicks FROM emails')
      ).map((r) => [r.id, r]),
    );
    for (const email of seed.emails.filter((e) => e.organizationId === organization.id)) {
      const events = email.events.map((e) => parseSesEvent(JSON.stringify(e.event)));
      const folded = events.reduce(applyRecipientEvent, new Map());
      const kinds = new Map();
      for (const kind of ['bcc', 'cc', 'to']) for (const a of email.send[kind] ?? []) kinds.set(a.toLowerCase(), kind);
      const mine = recipients.filter((r) => r.id === email.id);
      assert.equal(mine.length, kinds.size, email.id);
      if (mine.length > 1) multi++;
      for (const row of mine) {
        assert.equal(row.kind, kinds.get(row.address), `${email.id} ${row.address}`);
        const expected = folded.get(row.address);
        // sendEmail's own answer marks each recipient sent (or failed) before any event.
        if (expected) {
          assert.deepEqual(
            { deliveredAt: row.deliveredAt, bouncedAt: row.bouncedAt },
            { deliveredAt: expected.deliveredAt, bouncedAt: expected.bouncedAt },
            `${email.id} ${row.address}`,
          );
          if (!['pending', 'sent'].includes(expected.status)) assert.equal(row.status, expected.status);
        }
      }
      const engagements = events.filter((e) => e.eventType === 'Open' || e.eventType === 'Click');
      const verdicts = classifyEngagementSet(engagements);
      const count = (type) =>
        verdicts.filter((v, i) => v.engagement === 'machine' && engagements[i].eventType === type).length;
      assert.deepEqual(
        counters.get(email.id),
        { id: email.id, opens: count('Open'), clicks: count('Click') },
        email.id,
      );
      machine += count('Open') + count('Click');
    }
  }
  assert.ok(multi > 5, 'the demo has messages to several recipients');
  assert.ok(machine > 5, 'the demo has machine opens and clicks');
});

test('permanently bounced and complaining recipients are suppressed, and nobody else', async () => {
  for (const organization of seed.organizations) {
    const expected = new Map();
    for (const email of seed.emails.filter((e) => e.organizationId === organization.id)) {
      for (const { event } of email.events) {
        if (event.eventType === 'Bounce' && event.bounce.bounceType === 'Permanent') {
          for (const r of event.bounce.bouncedRecipients) expected.set(r.emailAddress.toLowerCase(), 'bounce');
        }
        if (event.eventType === 'Complaint') {
          for (const r of event.complaint.complainedRecipients) expected.set(r.emailAddress.toLowerCase(), 'complaint');
        }
      }
    }
    const suppressed = await rows(organization, 'SELECT email_address AS address, reason FROM email_suppressions');
    assert.ok(expected.size > 5, 'a few recipients bounced or complained');
    assert.deepEqual(new Map(suppressed.map((s) => [s.address, s.reason])), expected);
  }
  // The story of the issue: a permanently bounced email's recipient IS suppressed.
  const bounced = seed.emails.find((e) => e.story === 'bounce-permanent');
  const [row] = await rows(
    organizationOf(bounced),
    `SELECT reason, source_email_id AS source FROM email_suppressions WHERE email_address = '${bounced.send.to[0].toLowerCase()}'`,
  );
  assert.deepEqual(row, { reason: 'bounce', source: bounced.id });
});

test('one of three recipients bounces: the email is bounced, only that recipient suppressed', async () => {
  const email = seed.emails.find((e) => e.story === 'one-of-three-bounces');
  assert.equal(email.send.to.length + email.send.cc.length + email.send.bcc.length, 3);
  const [row] = await rows(
    organizationOf(email),
    `SELECT status, delivered_at AS delivered FROM emails WHERE id = '${email.id}'`,
  );
  assert.equal(row.status, 'bounced');
  assert.ok(row.delivered !== null, 'the CC and BCC recipients were delivered');
  const suppressed = (await rows(organizationOf(email), 'SELECT email_address AS a FROM email_suppressions')).map(
    (r) => r.a,
  );
  assert.ok(suppressed.includes(email.send.to[0].toLowerCase()));
  for (const other of [...email.send.cc, ...email.send.bcc]) assert.ok(!suppressed.includes(other.toLowerCase()));
});

test('SES refusals are failed rows with the error and no route; sent emails are routed', async () => {
  const lookup = new Map(
    (
      await rows(
        'ADMIN_DB',
        'SELECT ses_message_id AS ses, organization_id AS org, email_id AS id FROM email_message_lookup',
      )
    ).map((r) => [r.ses, r]),
  );
  const refused = seed.emails.filter((e) => e.ses.error);
  assert.deepEqual(
    seed.organizations.map((o) => refused.filter((e) => e.organizationId === o.id).length),
    [2, 3, 2],
  );
  for (const email of refused) {
    const [row] = await rows(
      organizationOf(email),
      `SELECT status, error, ses_message_id AS ses FROM emails WHERE id = '${email.id}'`,
    );
    assert.match(row.error, /^MessageRejected: Email address is not verified\./);
    assert.deepEqual({ ...row, error: undefined }, { status: 'failed', error: undefined, ses: null });
  }
  for (const email of seed.emails.filter((e) => e.ses.messageId)) {
    assert.deepEqual(lookup.get(email.ses.messageId), {
      ses: email.ses.messageId,
      org: email.organizationId,
      id: email.id,
    });
  }
  assert.equal(lookup.size, seed.emails.length - refused.length);
});

test('the stories have the machine opens and clicks and the people of real traffic', () => {
  /** Every event of a type, with its email, detail object and time. */
  const all = (eventType, key) =>
    seed.emails.flatMap((email) =>
      email.events
        .filter((e) => e.event.eventType === eventType)
        .map(({ event }) => ({ email, detail: event[key], at: Date.parse(event[key].timestamp) })),
    );
  const deliveries = all('Delivery', 'delivery');
  const deliveredAt = (email) => Math.min(...deliveries.filter((d) => d.email === email).map((d) => d.at));
  const opens = all('Open', 'open');
  const clicks = all('Click', 'click');

  const mpp = opens.filter((o) => o.detail.userAgent === USER_AGENTS.applePrivacyProtection);
  assert.ok(
    mpp.some((o) => o.at - deliveredAt(o.email) < 60_000),
    'Apple Privacy Protection opens right after delivery',
  );
  assert.ok(
    opens.some((o) => o.detail.userAgent === USER_AGENTS.gmailImageProxy),
    'Gmail image proxy opens',
  );
  const scanned = seed.emails.filter((email) => {
    const [first, second] = clicks.filter((c) => c.email === email).map((c) => c.at);
    return second !== undefined && Math.abs(second - first) < 1000 && first - deliveredAt(email) < 10_000;
  });
  assert.ok(scanned.length > 5, 'link scanners click several links within a second of delivery');
  assert.ok(
    clicks.some((c) => / Mobile/.test(c.detail.userAgent)),
    'people click on phones',
  );
  assert.ok(
    clicks.some((c) => /Windows NT 10\.0.*Edg\//.test(c.detail.userAgent)),
    'and on desktops',
  );
  const documentation = /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}$|^2001:db8:/;
  for (const { detail } of [...opens, ...clicks]) assert.match(detail.ipAddress, documentation);
  const counts = seed.emails.map((e) => e.send.to.length + (e.send.cc?.length ?? 0) + (e.send.bcc?.length ?? 0));
  assert.ok(counts.filter((n) => n > 1).length > 20, 'some emails have CC and BCC recipients');
  assert.ok(counts.every((n) => n <= 4));
});

test('the plan is the same for the same random seed and now', async () => {
  const again = await buildDemoSeed({ now: NOW });
  assert.deepEqual(again.emails, seed.emails);
  assert.deepEqual(again.liveEmails, seed.liveEmails);
  assert.equal(seed.liveEmails.length, LIVE_EMAILS_PER_ORGANIZATION * seed.organizations.length);
});
