import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestsTo, scriptHost } from '../../../../test/fake-http';
import { ORGS, post, seedOrganizations, sentEmail, signedEvent, testSigner, TOPIC } from '../../../../test/support';
import type { AlertWebhookBody } from './notice-message';

/**
 * The alerts job as the cron trigger runs it: the real `scheduled` handler of the built Worker,
 * local D1, real signed SNS messages through the webhook, the alert webhook a scripted host.
 * The webhook stamps what it receives with the real clock, so every time here derives from one
 * `Date.now()` read.
 */
const NOW = Date.now();
const MINUTE = 60_000;
const HOST = 'alerts.cron.test';
const ALERTS = { KURATCHI_ALERT_WEBHOOK_URL: `https://${HOST}/hook` };

beforeAll(seedOrganizations);

async function runCron(at: number) {
  const ctx = createExecutionContext();
  const failure = await Promise.resolve(
    worker.scheduled!(
      createScheduledController({ scheduledTime: new Date(at), cron: '*/10 * * * *' }),
      { ...env, ...ALERTS },
      ctx,
    ),
  ).then(
    () => null,
    (error: unknown) => error,
  );
  await waitOnExecutionContext(ctx);
  return failure;
}

async function confirmation(action: 'ConfirmSubscription' | 'Redirect') {
  const signer = await testSigner();
  return JSON.stringify(
    await signer.sign({
      Type: 'SubscriptionConfirmation',
      MessageId: crypto.randomUUID(),
      TopicArn: TOPIC,
      Message: 'You have chosen to subscribe.',
      SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=${action}&TopicArn=${TOPIC}&Token=t`,
      Token: 't',
      Timestamp: new Date(NOW).toISOString(),
    } as never),
  );
}

describe('alerts through the cron trigger', () => {
  it('raises stopped events, dead letters and a failed subscription once each, and clears each once fixed', async () => {
    await scriptHost(HOST, [{ method: 'POST', status: 200, body: 'ok' }]);
    // Acme sent an email 2 hours ago and nothing came back (limit: 60 minutes by default).
    const { sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    await env.ORG_DB_ACME.prepare("UPDATE emails SET status = 'sent', created_at = ? WHERE ses_message_id = ?")
      .bind(NOW - 120 * MINUTE, sesMessageId)
      .run();
    // A dead letter of Acme's calls for action; one of mail not sent by sendEmail (no known
    // organisation, no route) does not: it is counted and dropped after 14 days.
    const deadLetter = env.ADMIN_DB.prepare(
      `INSERT INTO email_event_dead_letters (sns_message_id, ses_message_id, message, reason, first_seen_at,
         dead_lettered_at, organization_id) VALUES (?, ?, '{}', ?, ?, ?, ?)`,
    );
    await env.ADMIN_DB.batch([
      deadLetter.bind('dl-1', 'ses-dl', 'email-missing', NOW - 30 * 3_600_000, NOW - 5 * 3_600_000, ORGS.acme),
      deadLetter.bind('dl-foreign', 'ses-dl-foreign', 'no-route', NOW - 30 * 3_600_000, NOW - 5 * 3_600_000, null),
    ]);
    expect(
      (
        await post(await confirmation('Redirect'), {
          headers: { 'x-amz-sns-message-type': 'SubscriptionConfirmation' },
        })
      ).status,
    ).toBeGreaterThanOrEqual(500);

    expect(await runCron(NOW)).toBeNull();
    expect(await runCron(NOW + 10 * MINUTE)).toBeNull();
    const opened = (await requestsTo(HOST)).map((r) => (JSON.parse(r.body) as AlertWebhookBody).alert);
    expect(opened.map((a) => [a.event, a.kind, a.organizationId]).sort()).toEqual([
      ['opened', 'dead-letters', null],
      ['opened', 'events-stopped', ORGS.acme],
      ['opened', 'subscription-unconfirmed', null],
    ]);
    expect(opened.find((a) => a.kind === 'subscription-unconfirmed')?.title).toContain(
      `${TOPIC} could not be confirmed`,
    );
    expect(opened.find((a) => a.kind === 'dead-letters')?.title).toBe(
      '1 SES event is in the dead-letter table (email-missing 1)',
    );

    // Fixed: an event arrives for Acme, the dead letter is dealt with, the subscription confirmed.
    const signer = await testSigner();
    expect((await post(await signedEvent(signer, { eventType: 'Delivery', messageId: sesMessageId }))).status).toBe(
      200,
    );
    await env.ADMIN_DB.prepare("DELETE FROM email_event_dead_letters WHERE sns_message_id = 'dl-1'").run();
    expect(
      (
        await post(await confirmation('ConfirmSubscription'), {
          headers: { 'x-amz-sns-message-type': 'SubscriptionConfirmation' },
        })
      ).status,
    ).toBe(200);

    expect(await runCron(NOW + 20 * MINUTE)).toBeNull();
    expect(await runCron(NOW + 30 * MINUTE)).toBeNull();
    const all = (await requestsTo(HOST)).map((r) => (JSON.parse(r.body) as AlertWebhookBody).alert);
    expect(
      all
        .slice(3)
        .map((a) => [a.event, a.kind])
        .sort(),
    ).toEqual([
      ['cleared', 'dead-letters'],
      ['cleared', 'events-stopped'],
      ['cleared', 'subscription-unconfirmed'],
    ]);
    // 14 days after it was dead-lettered, the park sweep drops the foreign one, counted for its day.
    expect(await runCron(NOW + 15 * 24 * 3_600_000)).toBeNull();
    expect(
      await env.ADMIN_DB.prepare(
        "SELECT count(*) AS n FROM email_event_dead_letters WHERE sns_message_id = 'dl-foreign'",
      ).first('n'),
    ).toBe(0);
    expect(
      await env.ADMIN_DB.prepare("SELECT dropped FROM dropped_dead_letters WHERE day = ? AND reason = 'no-route'")
        .bind(new Date(NOW - 30 * 3_600_000).toISOString().slice(0, 10))
        .first('dropped'),
    ).toBe(1);
  });
});
