import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../test/org-database-kinds.js';
import { d1SinkPorts, seedOrganizations } from '../../../test/seed.js';
import { createSesEventIngestor } from './ingest/ingest.js';
import { createEmailSender } from './send/send-email.js';
import { createD1EmailQueries } from './email-log/d1-email-queries.js';
import { createOrgDatabaseClient } from './organizations/org-databases.js';
import { buildSesEvent } from './testing/ses-event-factory.js';
import { createSnsSigner } from './testing/sns-signer.js';

/**
 * Race: SES publishes events before sendEmail has written its rows (SES answers SendEmail after
 * it has already delivered; SNS is fast). Deliveries of one message arrive concurrently before,
 * during and after sendEmail's writes; once everything has settled, every one is applied and
 * nothing is left parked. On each kind of organisation database (test/org-database-kinds.ts).
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const credentials = { accessKeyId: 'AKIDKURATCHITEST', secretAccessKey: 'kuratchi-test-secret' };

beforeAll(seedOrganizations);

describe.each(ORG_DATABASE_KINDS)('race between SES events and sendEmail on $kind', ({ db, organizationId }) => {
  for (const round of [1, 2, 3, 4, 5]) {
    it(`round ${round}: 40 deliveries racing sendEmail are all applied once it has written its rows`, async () => {
      const signer = await createSnsSigner();
      const sesMessageId = `ses-race-${crypto.randomUUID()}`;
      const ingestor = createSesEventIngestor({
        ...d1SinkPorts(() => TEST_NOW),
        allowedTopicArns: [TOPIC],
        fetchCertificate: signer.fetchCertificate,
      });
      const base = TEST_NOW.getTime() - 60_000;
      const specs = [
        { eventType: 'Send' as const, time: new Date(base) },
        { eventType: 'Delivery' as const, time: new Date(base + 1000) },
        ...Array.from({ length: 25 }, (_, i) => ({ eventType: 'Open' as const, time: new Date(base + 2000 + i) })),
        ...Array.from({ length: 13 }, (_, i) => ({
          eventType: 'Click' as const,
          time: new Date(base + 3000 + i),
          link: `https://example.com/${i}`,
        })),
      ];
      const bodies = await Promise.all(
        specs.map(async (spec, i) =>
          JSON.stringify(
            await signer.sign({
              Type: 'Notification',
              MessageId: `${sesMessageId}-${i}`,
              TopicArn: TOPIC,
              Message: JSON.stringify(buildSesEvent({ ...spec, messageId: sesMessageId })),
              Timestamp: TEST_NOW.toISOString(),
            }),
          ),
        ),
      );
      // A third arrive before SendEmail is even answered, the rest while and after sendEmail writes.
      const posted: Array<Promise<unknown>> = [];
      const ses = new SESv2Client({ region: 'eu-west-1', credentials });
      mockClient(ses)
        .on(SendEmailCommand)
        .callsFake(async () => {
          for (const body of bodies.slice(0, 13)) posted.push(ingestor.ingest(body));
          await Promise.all(posted);
          return { MessageId: sesMessageId };
        });
      const sender = createEmailSender({
        ses,
        adminDb: env.ADMIN_DB,
        orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>),
        from: 'no-reply@acme.example',
        now: () => TEST_NOW,
      });
      const sending = sender.sendEmail({
        organizationId,
        to: 'racer@example.com',
        subject: 'Race',
        text: 'Hi',
      });
      for (const body of bodies.slice(13)) {
        posted.push(ingestor.ingest(body));
        await new Promise((resolve) => setTimeout(resolve, round % 2 ? 0 : 1));
      }
      const result = await sending;
      const answers = (await Promise.all(posted)) as Array<{ status: number }>;
      expect(result).toMatchObject({ success: true, id: sesMessageId });
      expect(answers.every((a) => a.status === 200)).toBe(true);

      const row = await createD1EmailQueries(db).getEmail(result.emailId!);
      expect(row).toMatchObject({
        status: 'delivered',
        openCount: 25,
        clickCount: 13,
        lastClickedLink: 'https://example.com/12',
        sesMessageId,
      });
      const events = await db
        .prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?')
        .bind(result.emailId)
        .first<{ n: number }>();
      expect(events?.n).toBe(40);
      const parked = await env.ADMIN_DB.prepare(
        'SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id = ?',
      )
        .bind(sesMessageId)
        .first<{ n: number }>();
      expect(parked?.n).toBe(0);
    });
  }
});
