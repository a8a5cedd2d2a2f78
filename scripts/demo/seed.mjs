// Demo data: two organisations with a few hundred emails across every status, each row the
// result of a plausible event history folded with the SDK's own applyEvent, plus those events
// (so the timeline has something to show) and the admin lookup rows.
import { applyEvent, initialTracking, sesEventDetail, sesEventTime } from 'kuratchi-sdk/email/events';
import { buildSesEvent, seededRandom } from 'kuratchi-sdk/email/testing';
import { hashPassword } from '../../apps/dashboard/src/lib/server/auth/password.js';

/** The demo organisations and the D1 bindings of their databases (see wrangler.toml). */
export const DEMO_ORGANIZATIONS = [
  { id: 'org-acme', name: 'Acme Corp', binding: 'ORG_DB_ACME' },
  { id: 'org-globex', name: 'Globex', binding: 'ORG_DB_GLOBEX' },
];

/** Dashboard users of the demo (all with the password {@link DEMO_PASSWORD}). */
export const DEMO_USERS = [
  { id: 'user-acme', email: 'admin@acme.example', name: 'Acme Admin', organizationId: 'org-acme', role: 'admin' },
  {
    id: 'user-globex',
    email: 'admin@globex.example',
    name: 'Globex Admin',
    organizationId: 'org-globex',
    role: 'admin',
  },
  {
    id: 'user-root',
    email: 'root@kuratchi.example',
    name: 'kuratchi superadmin',
    organizationId: 'org-acme',
    role: 'superadmin',
  },
];
export const DEMO_PASSWORD = 'kuratchi-demo';

const FIRST = [
  'ana',
  'ben',
  'chloe',
  'dev',
  'emma',
  'farid',
  'grace',
  'hugo',
  'ines',
  'jonas',
  'kim',
  'leo',
  'mia',
  'noah',
  'olga',
  'priya',
];
const LAST = ['garcia', 'smith', 'kowalski', 'nguyen', 'muller', 'rossi', 'tanaka', 'silva', 'dubois', 'jensen'];
const DOMAINS = ['example.com', 'example.org', 'example.net'];
const SUBJECTS = {
  transactional: ['Your receipt #{n}', 'Reset your password', 'Your order has shipped', 'Confirm your email address'],
  marketing: [
    'November product update',
    'Black Friday: 30% off annual plans',
    'What’s new in kuratchi',
    'Webinar invite: scaling D1',
  ],
  notification: [
    'New sign-in from Chrome on Linux',
    'Your weekly usage report',
    'Invoice {n} is due',
    'A teammate mentioned you',
  ],
};
const LINKS = ['https://example.com/pricing', 'https://example.com/docs', 'https://example.com/blog/launch'];

/** Plausible event histories, weighted: [weight, eventTypes after Send]. */
const STORIES = [
  [4, []],
  [6, ['DeliveryDelay']],
  [20, ['Delivery']],
  [30, ['Delivery', 'Open', 'Open']],
  [18, ['Delivery', 'Open', 'Click', 'Open', 'Click']],
  [8, ['Bounce']],
  [3, ['Delivery', 'Open', 'Complaint']],
  [2, ['Delivery', 'Subscription']],
  [2, ['Reject']],
  [2, ['Rendering Failure']],
];

const sql = (value) =>
  value === null || value === undefined
    ? 'NULL'
    : typeof value === 'number'
      ? String(value)
      : `'${String(value).replaceAll("'", "''")}'`;

/** How many of each organisation's newest emails the live traffic keeps changing. */
export const LIVE_EMAILS_PER_ORGANIZATION = 25;

/**
 * SQL for the admin database and each organisation's database, and the emails the live demo
 * traffic should keep changing: the {@link LIVE_EMAILS_PER_ORGANIZATION} newest emails of each
 * organisation that can still change, so every live event lands on the first page of the log
 * (50 rows, newest first) where an admin sees it.
 */
export async function buildDemoSeed({
  emailsPerOrganization = 240,
  now = Date.now(),
  random = seededRandom(20261128),
} = {}) {
  const pick = (items) => items[Math.floor(random() * items.length)];
  const weighted = () => {
    let roll = random() * STORIES.reduce((sum, [w]) => sum + w, 0);
    for (const [weight, story] of STORIES) if ((roll -= weight) < 0) return story;
    return [];
  };
  const admin = [
    'DELETE FROM sessions;',
    'DELETE FROM sign_in_failures;',
    'DELETE FROM sign_in_throttle;',
    'DELETE FROM users;',
    'DELETE FROM parked_email_events;',
    'DELETE FROM email_event_dead_letters;',
    'DELETE FROM email_message_lookup;',
    'DELETE FROM sns_subscription_messages;',
    'DELETE FROM ingestion_counters;',
    'DELETE FROM organizations;',
  ];
  const organizations = {};
  const liveEmails = [];
  for (const organization of DEMO_ORGANIZATIONS) {
    const candidates = [];
    admin.push(
      `INSERT INTO organizations (id, name, database_binding, created_at) VALUES (${sql(organization.id)}, ${sql(organization.name)}, ${sql(organization.binding)}, ${now});`,
    );
    const statements = ['DELETE FROM email_events;', 'DELETE FROM email_suppressions;', 'DELETE FROM emails;'];
    for (let i = 0; i < emailsPerOrganization; i++) {
      const id = `${organization.id.slice(4)}-${String(i).padStart(4, '0')}`;
      const sesMessageId = `demo-${id}-${Math.floor(random() * 1e12).toString(36)}`;
      const recipient = `${pick(FIRST)}.${pick(LAST)}${i}@${pick(DOMAINS)}`;
      const emailType = pick(Object.keys(SUBJECTS));
      const subject = pick(SUBJECTS[emailType]).replace('{n}', String(1000 + i));
      const createdAt = now - Math.floor(random() * 14 * 86_400_000) - 3_600_000;
      const story = weighted();
      let time = createdAt + 1_000;
      const events =
        story.length === 0 && random() < 0.3
          ? []
          : ['Send', ...story].map((eventType) => {
              time = Math.min(time + Math.floor(random() * 3_600_000), now - 60_000);
              return buildSesEvent({
                eventType,
                messageId: sesMessageId,
                recipient,
                time: new Date(time),
                link: pick(LINKS),
              });
            });
      const tracking = events.reduce(applyEvent, initialTracking());
      const updatedAt = events.length ? Math.max(...events.map(sesEventTime)) : createdAt;
      statements.push(
        `INSERT INTO emails (id, recipient, sender, subject, email_type, status, ses_message_id, user_id, metadata, created_at, updated_at, sent_at, delivered_at, delayed_at, opened_at, clicked_at, bounced_at, complained_at, rejected_at, failed_at, open_count, click_count, last_clicked_at, last_clicked_link, bounce_type, bounce_sub_type, complaint_feedback_type, reject_reason, delivery_delay_type, rendering_failure) VALUES (${[
          id,
          recipient,
          `hello@${organization.id.slice(4)}.example`,
          subject,
          emailType,
          tracking.status,
          events.length ? sesMessageId : null,
          `user-${1 + (i % 7)}`,
          JSON.stringify({ campaign: emailType === 'marketing' ? 'nov-2026' : null }),
          createdAt,
          updatedAt,
          tracking.sentAt,
          tracking.deliveredAt,
          tracking.delayedAt,
          tracking.openedAt,
          tracking.clickedAt,
          tracking.bouncedAt,
          tracking.complainedAt,
          tracking.rejectedAt,
          tracking.failedAt,
          tracking.openCount,
          tracking.clickCount,
          tracking.lastClickedAt,
          tracking.lastClickedLink,
          tracking.bounceType,
          tracking.bounceSubType,
          tracking.complaintFeedbackType,
          tracking.rejectReason,
          tracking.deliveryDelayType,
          tracking.renderingFailure,
        ]
          .map(sql)
          .join(', ')});`,
      );
      events.forEach((event, n) => {
        statements.push(
          `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token) VALUES (${[
            `seed-${id}-${n}`,
            id,
            sesMessageId,
            event.eventType,
            sesEventTime(event),
            JSON.stringify(sesEventDetail(event)),
            sesEventTime(event) + 500,
            'seed',
          ]
            .map(sql)
            .join(', ')});`,
        );
      });
      if (events.length) {
        admin.push(
          `INSERT INTO email_message_lookup (ses_message_id, organization_id, email_id, created_at) VALUES (${sql(sesMessageId)}, ${sql(organization.id)}, ${sql(id)}, ${createdAt});`,
        );
        if (!['bounced', 'rejected', 'failed', 'complained'].includes(tracking.status)) {
          candidates.push({
            createdAt,
            email: { sesMessageId, recipient, stage: tracking.deliveredAt ? 'delivered' : 'sent' },
          });
        }
      }
    }
    candidates.sort((a, b) => b.createdAt - a.createdAt);
    liveEmails.push(...candidates.slice(0, LIVE_EMAILS_PER_ORGANIZATION).map((c) => c.email));
    organizations[organization.binding] = statements.join('\n');
  }
  for (const user of DEMO_USERS) {
    admin.push(
      `INSERT INTO users (id, email, name, organization_id, role, password_hash, created_at) VALUES (${[
        user.id,
        user.email,
        user.name,
        user.organizationId,
        user.role,
        await hashPassword(DEMO_PASSWORD),
        now,
      ]
        .map(sql)
        .join(', ')});`,
    );
  }
  return { adminSql: admin.join('\n'), organizationSql: organizations, liveEmails };
}
