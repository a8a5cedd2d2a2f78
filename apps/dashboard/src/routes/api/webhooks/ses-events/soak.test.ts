import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import worker from '$worker';
import {
  applyEvent,
  initialTracking,
  parseSesEvent,
  SES_EVENT_TYPES,
  sesEventIdentityFields,
  type EmailTracking,
  type SesEvent,
} from 'kuratchi-sdk/internal/events';
import { buildSesEvent, seededRandom, type SnsSigner } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORGS, post, seedOrganizations, testSigner, TOPIC } from '../../../../../test/support.js';

/**
 * Soak: 10,000 SNS deliveries for 1,000 emails through the real route, 30 % of them duplicates,
 * in shuffled order, in direct mode and in queued mode (the webhook enqueues to a Queue binding
 * that keeps what it is sent; the Worker's own `queue` handler then consumes those messages in
 * batches of 100, in the order they were sent). Every email's count, status and timestamps must
 * equal the model: the pure applyEvent folded over that email's distinct events.
 */
const EMAILS = 1_000;
const DELIVERIES = 10_000;
const DUPLICATE_SHARE = 0.3;
const CONCURRENCY = 8;

let signer: SnsSigner;
beforeAll(async () => {
  signer = await testSigner();
  await seedOrganizations();
});

describe.each(['direct', 'queued'] as const)('soak, %s mode', (mode) => {
  it(
    `${DELIVERIES} deliveries for ${EMAILS} emails, ${DUPLICATE_SHARE * 100} % duplicates, shuffled, end in the model's rows`,
    { timeout: 600_000 },
    async () => {
      const enqueued: unknown[] = [];
      const queue = {
        async send(body: unknown) {
          enqueued.push(body);
        },
      };
      const rand = seededRandom(6);
      const run = crypto.randomUUID().slice(0, 8);
      const emails = Array.from({ length: EMAILS }, (_, i) => ({
        id: `soak-${run}-${i}`,
        ses: `ses-soak-${run}-${i}`,
      }));
      for (let i = 0; i < emails.length; i += 100) {
        const chunk = emails.slice(i, i + 100);
        await env.ORG_DB_ACME.batch(
          chunk.map((e) =>
            env.ORG_DB_ACME.prepare(
              `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES (?, ?, 's@x', 'Soak', 'pending', ?, 1, 1)`,
            ).bind(e.id, `${e.id}@example.com`, e.ses),
          ),
        );
        await env.ADMIN_DB.batch(
          chunk.map((e) =>
            env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)').bind(e.ses, ORGS.acme, e.id),
          ),
        );
      }

      // The distinct events, each signed once (an SNS delivery), then duplicated and shuffled.
      const distinctCount = Math.round(DELIVERIES * (1 - DUPLICATE_SHARE));
      const base = Date.now() - 50 * 60_000;
      const distinct: Array<{ emailIndex: number; event: SesEvent; body: string }> = [];
      // Distinct by content identity too: a second record equal on every identifying field is the
      // same SES event (another copy of it), which the route rightly counts once.
      const identities = new Set<string>();
      for (let i = 0; distinct.length < distinctCount; i++) {
        const emailIndex = Math.floor(rand() * EMAILS);
        const eventType = SES_EVENT_TYPES[Math.floor(rand() * SES_EVENT_TYPES.length)]!;
        const spec = {
          eventType,
          messageId: emails[emailIndex]!.ses,
          recipient: `${emails[emailIndex]!.id}@example.com`,
          time: new Date(base + Math.floor(rand() * 40) * 60_000),
          link: `https://example.com/${Math.floor(rand() * 3)}`,
          bounceType: rand() < 0.5 ? 'Permanent' : 'Transient',
        };
        const event = parseSesEvent(JSON.stringify(buildSesEvent(spec)));
        const identity = JSON.stringify(sesEventIdentityFields(event));
        if (identities.has(identity)) continue;
        identities.add(identity);
        const signed = await signer.sign({
          Type: 'Notification',
          MessageId: `soak-${run}-${i}`,
          TopicArn: TOPIC,
          Message: JSON.stringify(event),
          Timestamp: new Date().toISOString(),
        });
        distinct.push({ emailIndex, event, body: JSON.stringify(signed) });
      }
      const deliveries = [...distinct.map((d) => d.body)];
      while (deliveries.length < DELIVERIES) deliveries.push(distinct[Math.floor(rand() * distinct.length)]!.body);
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
      }

      const outcomes: Record<string, number> = {};
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < deliveries.length) {
            const response = await post(
              deliveries[next++]!,
              mode === 'queued' ? { env: { SES_EVENTS_QUEUE: queue } } : {},
            );
            const { outcome } = (await response.json()) as { outcome: string };
            outcomes[`${response.status} ${outcome}`] = (outcomes[`${response.status} ${outcome}`] ?? 0) + 1;
          }
        }),
      );
      if (mode === 'direct') {
        expect(outcomes).toEqual({ '200 applied': distinctCount, '200 duplicate': DELIVERIES - distinctCount });
      } else {
        expect(outcomes).toEqual({ '200 queued': DELIVERIES });
        expect(enqueued).toHaveLength(DELIVERIES);
        let acked = 0;
        for (let i = 0; i < enqueued.length; i += 100) {
          const batch = createMessageBatch(
            'kuratchi-ses-events',
            enqueued
              .slice(i, i + 100)
              .map((body, j) => ({ id: `q-${i + j}`, timestamp: new Date(), attempts: 1, body })),
          );
          const ctx = createExecutionContext();
          await worker.queue!(batch as never, env as never, ctx);
          const result = await getQueueResult(batch, ctx);
          expect(result.retryMessages).toEqual([]);
          acked += result.explicitAcks.length;
        }
        expect(acked).toBe(DELIVERIES);
      }

      const expected = new Map<number, EmailTracking>();
      for (const { emailIndex, event } of distinct)
        expected.set(emailIndex, applyEvent(expected.get(emailIndex) ?? initialTracking(), event));
      const columns = `status, sent_at AS sentAt, delivered_at AS deliveredAt, delayed_at AS delayedAt, opened_at AS openedAt, clicked_at AS clickedAt,
      bounced_at AS bouncedAt, complained_at AS complainedAt, rejected_at AS rejectedAt, failed_at AS failedAt, open_count AS openCount,
      click_count AS clickCount, last_clicked_at AS lastClickedAt, last_clicked_link AS lastClickedLink, bounce_type AS bounceType,
      bounce_sub_type AS bounceSubType, complaint_feedback_type AS complaintFeedbackType, reject_reason AS rejectReason,
      delivery_delay_type AS deliveryDelayType, rendering_failure AS renderingFailure`;
      const { results } = await env.ORG_DB_ACME.prepare(`SELECT id, ${columns} FROM emails WHERE id LIKE ?`)
        .bind(`soak-${run}-%`)
        .all<EmailTracking & { id: string }>();
      expect(results).toHaveLength(EMAILS);
      let mismatches = 0;
      for (const { id, ...row } of results) {
        const model = expected.get(Number(id.split('-').at(-1))) ?? initialTracking();
        if (JSON.stringify(row) !== JSON.stringify(model)) {
          mismatches++;
          if (mismatches === 1) expect(row, id).toEqual(model);
        }
      }
      expect(mismatches).toBe(0);
      const events = await env.ORG_DB_ACME.prepare('SELECT count(*) AS n FROM email_events WHERE email_id LIKE ?')
        .bind(`soak-${run}-%`)
        .first<{ n: number }>();
      expect(events?.n).toBe(distinctCount);
    },
  );
});
