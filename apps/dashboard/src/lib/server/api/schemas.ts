import { EMAIL_STATUSES } from 'kuratchi-sdk/internal/events';
import { sendEmailOptionsSchema } from 'kuratchi-sdk/internal/send';
import { z } from 'zod';
import { SEARCH_MAX_LENGTH, TAG_FILTER_PATTERN } from '../emails/filters';

/**
 * The zod schemas of `/api/v1/`: the routes validate requests with them and
 * `openapi.ts` turns the same schemas into the OpenAPI 3.1 document (`z.toJSONSchema`), so the
 * document cannot drift from what is enforced. Times are ISO 8601 UTC.
 * @see https://zod.dev/json-schema
 * @see https://spec.openapis.org/oas/v3.1.0
 */

const limit = (max: number, fallback: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback).describe(`Page size, 1 to ${max}.`);
const instant = z.iso.datetime({ error: 'must be an ISO 8601 UTC time like 2026-12-01T00:00:00Z' });
const time = z.iso.datetime().nullable();
const status = z.enum(EMAIL_STATUSES);

/** Query of `GET /api/v1/emails`: the email log's filters. */
export const listEmailsQuery = z.object({
  status: status.optional().describe('Only emails with this status.'),
  recipient: z.string().min(1).max(320).optional().describe('Only emails whose To starts with this text.'),
  search: z
    .string()
    .max(SEARCH_MAX_LENGTH)
    .optional()
    .describe(
      'Part of a recipient address or subject words (terms of three characters or more), or an SES message id.',
    ),
  from: instant.optional().describe('Created at or after this time.'),
  to: instant.optional().describe('Created before this time.'),
  emailType: z.string().min(1).max(64).optional().describe('Only emails sent with this `emailType`.'),
  tag: z
    .string()
    .regex(TAG_FILTER_PATTERN, 'must be name:value, a tag given when sending')
    .optional()
    .describe('Only emails sent with this tag (`tags` of the send), as `name:value`.'),
  engaged: z.enum(['human']).optional().describe('`human`: only emails a person opened or clicked.'),
  cursor: z.string().max(500).optional().describe('`nextCursor` of the previous page.'),
  limit: limit(100, 50),
});

/** Query of `GET /api/v1/events`. */
export const listEventsQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a position (digits) from a previous page')
    .default('0')
    .describe('The `position` of the previous page (0: from the oldest event kept).'),
  limit: limit(500, 100),
});

const utcDay = z.iso.date({ error: 'must be a UTC day like 2026-12-01' });

/** Query of `GET /api/v1/statistics`. */
export const statisticsQuery = z.object({
  from: utcDay.optional().describe('First UTC day (default: the 30 days ending `to`).'),
  to: utcDay.optional().describe('Last UTC day, included (default: today).'),
});

/** Query of `GET /api/v1/suppressions`. */
export const listSuppressionsQuery = z.object({
  after: z.string().max(320).optional().describe('`next` of the previous page.'),
  reason: z.enum(['bounce', 'complaint', 'manual']).optional(),
  limit: limit(500, 100),
});

/** Body of `POST /api/v1/suppressions`. */
export const addSuppressionBody = z
  .object({ address: z.string().max(320), detail: z.string().max(1000).optional() })
  .strict();

const send = sendEmailOptionsSchema.shape;
/**
 * Body of `POST /api/v1/emails`: `sendEmail`'s own options (the same field rules), less what the
 * organisation decides (its id, configuration set) and what would bypass its rules
 * (`allowSuppressed`, `canary`). `sendEmail` validates the whole again.
 */
export const sendEmailBody = z
  .object({
    to: send.to,
    cc: send.cc,
    bcc: send.bcc,
    from: send.from,
    fromName: send.fromName,
    replyTo: send.replyTo,
    subject: send.subject,
    html: send.html,
    text: send.text,
    tags: send.tags,
    headers: send.headers,
    emailType: send.emailType,
    userId: send.userId,
    metadata: send.metadata,
    tracking: send.tracking,
  })
  .strict();

const recipientOutcomes = z.partialRecord(status, z.number().int()).describe('How many recipients have each status.');
const lastEvent = z.object({ type: z.string(), occurredAt: z.iso.datetime() }).nullable();

/** An email of a list page. */
export const emailItem = z.object({
  id: z.string(),
  status,
  from: z.string(),
  to: z.string().describe('The To addresses, comma-separated.'),
  subject: z.string(),
  emailType: z.string().nullable(),
  sesMessageId: z.string().nullable(),
  error: z.string().nullable(),
  userId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.iso.datetime(),
  sentAt: time,
  deliveredAt: time,
  openedAt: time,
  clickedAt: time,
  bouncedAt: time,
  complainedAt: time,
  rejectedAt: time,
  failedAt: time,
  opens: z.object({ human: z.number().int(), machine: z.number().int() }),
  clicks: z.object({ human: z.number().int(), machine: z.number().int() }),
  recipients: recipientOutcomes,
  lastEvent,
});

const count = z.number().int();

/** One UTC day of `GET /api/v1/statistics`: the overview's figures, from the daily rollups. */
export const dailyStatistics = z.object({
  day: z.iso.date(),
  sent: count.describe('Emails sent that day (each on the day of its milestone, as the log shows it).'),
  delivered: count,
  opened: count,
  clicked: count,
  bounced: count,
  bouncedPermanent: count,
  bouncedTransient: count,
  bouncedUndetermined: count,
  complained: count,
  rejected: count,
  failed: count,
  humanOpened: count.describe('Emails a person opened (not only machines).'),
  humanClicked: count.describe('Emails a person clicked (not only machines).'),
  recipientsSent: count.describe('Recipients sent to: the base of SES’s bounce and complaint rates.'),
  recipientsBounced: count,
  recipientsComplained: count,
});

/** Answer of `GET /api/v1/statistics`: every day of the range, oldest first, empty days included. */
export const statisticsPage = z.object({ days: z.array(dailyStatistics) });

/** Answer of `GET /api/v1/emails`. */
export const emailPage = z.object({ emails: z.array(emailItem), nextCursor: z.string().nullable() });

/** One recipient of an email with its own outcome. */
export const recipientItem = z.object({
  address: z.string(),
  kind: z.enum(['to', 'cc', 'bcc']).nullable(),
  status,
  deliveredAt: time,
  bouncedAt: time,
  complainedAt: time,
  bounceType: z.string().nullable(),
  bounceSubType: z.string().nullable(),
  smtpResponse: z.string().nullable(),
  suppressed: z.boolean().describe('On the organisation’s suppression list now.'),
});

/** One event of an email's timeline or of the feed. */
const eventFields = {
  id: z.string().describe('The event’s content identity (SNS MessageId of its first copy).'),
  type: z.string(),
  occurredAt: z.iso.datetime(),
  receivedAt: z.iso.datetime(),
  engagement: z.enum(['human', 'machine']).nullable().describe('Opens and clicks: who, by our verdict.'),
  detail: z.record(z.string(), z.unknown()).describe('The event’s detail object as SES sent it.'),
};

/** Answer of `GET /api/v1/emails/{id}`. */
export const emailDetail = emailItem.extend({
  recipientList: z.array(recipientItem),
  timeline: z.array(z.object({ ...eventFields, verdictBy: z.string().nullable() })),
  links: z.array(
    z.object({
      link: z.string(),
      humanClicks: z.number().int(),
      machineClicks: z.number().int(),
      uniqueHumanClickers: z.number().int(),
    }),
  ),
});

/** Answer of `GET /api/v1/events`. */
export const eventPage = z.object({
  events: z.array(
    z.object({ position: z.number().int(), emailId: z.string(), sesMessageId: z.string(), ...eventFields }),
  ),
  position: z.number().int().describe('Store it; ask `after` it next (equal to `after` when nothing is new).'),
});

/** A suppression-list entry. */
export const suppressionItem = z.object({
  address: z.string(),
  reason: z.enum(['bounce', 'complaint', 'manual']),
  detail: z.string().nullable(),
  sourceEmailId: z.string().nullable(),
  createdAt: z.iso.datetime(),
});

/** Answer of `GET /api/v1/suppressions`. */
export const suppressionPage = z.object({ suppressions: z.array(suppressionItem), next: z.string().nullable() });

/** Answer of `POST /api/v1/suppressions`. */
export const suppressionAdded = z.object({ added: z.boolean(), suppression: suppressionItem });

/** Answer of `POST /api/v1/emails`: SES accepted the message. */
export const emailAccepted = z.object({
  id: z.string().describe('The email’s id (`GET /api/v1/emails/{id}`).'),
  sesMessageId: z.string(),
  warnings: z.array(z.string()).optional(),
});

/** An error (RFC 9457 problem details). */
export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
});
