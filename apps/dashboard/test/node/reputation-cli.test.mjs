// `kuratchi-ses reputation` as a process (the built CLI) against the built dashboard Worker (the
// bundle `wrangler deploy --dry-run` makes, on miniflare with local D1). The Worker's real cron
// handler runs the reputation guard on sent emails seeded relative to the cron's time: Acme's
// bounce rate is past the pause threshold, so the guard pauses it; the CLI lists it worst first,
// names the rate and threshold, and exits 1; Globex, with no mail, has no verdict yet and is told
// how many more recipients each rate needs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerGlobex, runCli as run, startBuiltWorker } from './built-worker.mjs';

const TOKEN = 'reputation-cli-test-token-0123456789abcdef';
const HOUR = 3_600_000;

let worker;
const runCli = (args) => run(args, { env: { KURATCHI_OPS_TOKEN: TOKEN } });

/** One email per recipient sent `ago` ms before `now`, the first `bounced` of them bounced (Permanent). */
async function seedSent(db, now, count, bounced) {
  const statements = [];
  for (let i = 0; i < count; i++) {
    const id = crypto.randomUUID();
    const sentAt = now - HOUR - i * 1000;
    const bounce = i < bounced;
    statements.push(
      db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at, sent_at)
           VALUES (?, ?, 'news@acme.example', 'Reputation CLI', ?, ?, ?, ?)`,
        )
        .bind(id, `r${i}@example.com`, bounce ? 'bounced' : 'delivered', sentAt, sentAt, sentAt),
      db
        .prepare(
          `INSERT INTO email_recipients (email_id, address, kind, status, sent_at, bounced_at, bounce_type)
           VALUES (?, ?, 'to', ?, ?, ?, ?)`,
        )
        .bind(
          id,
          `r${i}@example.com`,
          bounce ? 'bounced' : 'delivered',
          sentAt,
          bounce ? sentAt + 60_000 : null,
          bounce ? 'Permanent' : null,
        ),
    );
  }
  await db.batch(statements);
}

before(async () => {
  worker = await startBuiltWorker({
    KURATCHI_OPS_TOKEN: TOKEN,
    KURATCHI_GUARD_MIN_RECIPIENTS: '100',
    KURATCHI_GUARD_MIN_BOUNCED_ADDRESSES: '10',
  });
  await registerGlobex(worker);
});

after(async () => {
  await worker?.mf.dispose();
});

describe('kuratchi-ses reputation against the built Worker', () => {
  it('shows the organisation the cron paused first, with its rate and threshold, and exits 1', async () => {
    const now = Date.now();
    // 10 bounced addresses (the evidence minimum set above) in 200 recipients: 5 %, past the
    // default pause threshold of 4 %.
    await seedSent(worker.acme, now, 200, 10);
    // The guard's trigger (CRONS.guard of src/lib/server/scheduled/crons.ts).
    const scheduled = await (
      await worker.mf.getWorker()
    ).scheduled({ cron: '* * * * *', scheduledTime: new Date(now) });
    assert.equal(scheduled.outcome, 'ok');
    await worker.admin
      .prepare(
        "INSERT INTO organizations (id, name, database_binding, database_kind, created_at) VALUES ('org-initech', 'Initech', 'ORG_DO', 'durable-object', 0)",
      )
      .run();
    // SES's view of Acme's tenant as the sweep stores it (admin migration 0019): disabled by SES.
    await worker.admin
      .prepare(
        `INSERT INTO ses_reputation_views (organization_id, entity_arn, sending_status, aws_ses_status, aws_ses_cause,
           customer_status, impact, findings, read_at)
         VALUES ('org-acme', 'arn:aws:ses:eu-west-1:123456789012:tenant/org-acme/tn-1', 'DISABLED', 'DISABLED',
           'bounce rate', 'ENABLED', 'HIGH', ?, ?)`,
      )
      .bind(JSON.stringify([{ type: 'BOUNCE', impact: 'HIGH', description: 'bounce rate rose' }]), now)
      .run();

    const table = await runCli(['reputation', '--dashboard-url', worker.url]);
    assert.equal(table.code, 1, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(
      lines[0],
      /^Last 7 days \(and the last 60 minutes at twice the thresholds\), per recipient; a rate warns or pauses only on 10 bounced \/ 10 complaining distinct addresses and 100 recipients\. Bounce warn 2 %, pause 4 %/,
    );
    assert.match(lines[1], /^organisation\s+state\s+at SES\s+bounce\s+complaint\s+recipients\s+evaluated$/);
    // Worst first: the paused Acme, then Globex (no sends: no verdict yet), then Initech
    // (registered after the cron: never evaluated).
    assert.match(
      lines[2],
      new RegExp(`^org-acme\\s+paused\\s+disabled\\s+5 %\\s+0 %\\s+200\\s+${new Date(now).toISOString()}$`),
    );
    assert.match(
      lines[3],
      new RegExp(`^org-globex\\s+none\\s+-\\s+0 %\\s+0 %\\s+0\\s+${new Date(now).toISOString()}$`),
    );
    // 250 recipients: the volume at which a bounce rate at the pause threshold (4 %) shows 10
    // addresses; 12,500 for 10 complaining addresses at 0.08 %.
    assert.match(
      table.stdout,
      /org-globex \(Globex\): no verdict yet: bounce needs 250 more recipients; complaint needs 12,500 more recipients\./,
    );
    assert.match(lines[4], /^org-initech\s+ok\s+-\s+-\s+-\s+0\s+never$/);
    assert.match(
      table.stdout,
      new RegExp(
        `org-acme at SES \\(read ${new Date(now).toISOString()}\\): SES disabled \\(bounce rate\\); impact high; finding BOUNCE: bounce rate rose\\.`,
      ),
    );
    assert.match(
      table.stdout,
      // The reason names the window that decided.
      /org-acme \(Acme\): sending paused since .*, bounce rate 5 % crossed the pause threshold 4 % over 200 recipients of the last 7 days \(10 bounced addresses\); 0 send\(s\) refused\./,
    );

    const globex = await runCli(['reputation', '--dashboard-url', worker.url, '--org', 'org-globex', '--json']);
    assert.equal(globex.code, 0, globex.stderr);
    const answer = JSON.parse(globex.stdout);
    assert.deepEqual(
      answer.organizations.map((o) => [o.organizationId, o.state, o.verdict]),
      [['org-globex', 'ok', 'none']],
    );
    assert.equal(answer.settings.minRecipients, 100);
    assert.equal(answer.organizations[0].ses, null);
    const acme = JSON.parse(
      (await runCli(['reputation', '--dashboard-url', worker.url, '--org', 'org-acme', '--json'])).stdout,
    );
    assert.deepEqual(acme.organizations[0].ses, {
      organizationId: 'org-acme',
      entityArn: 'arn:aws:ses:eu-west-1:123456789012:tenant/org-acme/tn-1',
      policy: null,
      sendingStatus: 'DISABLED',
      awsSesManaged: { status: 'DISABLED', cause: 'bounce rate', updatedAt: null },
      customerManaged: { status: 'ENABLED', cause: null, updatedAt: null },
      impact: 'HIGH',
      findings: [{ type: 'BOUNCE', impact: 'HIGH', description: 'bounce rate rose' }],
      readAt: now,
      rereadDueAt: null,
      rereadError: null,
    });

    const unknown = await runCli(['reputation', '--dashboard-url', worker.url, '--org', 'org-nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no organisation "org-nope" \(known: org-acme, org-globex, org-initech\)/);
  });

  it('refuses without the operations token, naming the variable', async () => {
    const result = await run(['reputation', '--dashboard-url', worker.url], { env: { KURATCHI_OPS_TOKEN: '' } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /KURATCHI_OPS_TOKEN must be set/);
  });
});
