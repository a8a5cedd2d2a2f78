import { AWS_REGION_PATTERN, isSnsTopicArn } from 'kuratchi-sdk/internal/aws-names';
import { DEFAULT_CANARY_DEADLINE_MS } from 'kuratchi-sdk/internal/canary';
import {
  DEFAULT_MAX_PARKED_EVENTS_PER_MESSAGE,
  DEFAULT_PARK_TTL_MS,
  DEFAULT_UNROUTED_DEAD_LETTER_TTL_MS,
  DEFAULT_DEAD_LETTER_TTL_MS,
  SNS_MAX_RETRY_WINDOW_MS,
} from 'kuratchi-sdk/internal/events';
import { DEFAULT_ORGANIZATIONS_PER_RUN, DEFAULT_REPUTATION_GUARD_SETTINGS } from 'kuratchi-sdk/internal/guard';
import { DEFAULT_RECONCILE_SETTINGS } from 'kuratchi-sdk/internal/reconcile';
import { DEFAULT_RETENTION, RETENTION_DAYS_LIMITS } from 'kuratchi-sdk/internal/retention';
import { z } from 'zod';
import { setting } from './define';
import { commaList, hours, minutes, number, retentionDays, token, webhookUrl } from './rules';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * HOUR_MS;
/** A fraction of the SDK as the percent a variable spells (0.0005 → "0.05"). */
const percent = (fraction: number) => String(+(fraction * 100).toFixed(6));
const guard = DEFAULT_REPUTATION_GUARD_SETTINGS;
const reconcile = DEFAULT_RECONCILE_SETTINGS;

/**
 * Most emails one reconciliation run may ask about. GetMessageInsights allows one call a second,
 * and a cron invocation has at most 15 minutes of wall time: 300 leaves room for the other jobs.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 * @see https://developers.cloudflare.com/workers/platform/limits/#duration
 */
export const RECONCILE_MAX_PER_RUN_LIMIT = 300;

/**
 * Every Worker variable the dashboard reads, once: its section, schema, default, whether it is a
 * secret, one line of description and the name it had before. The typed env (`SettingsEnv`),
 * validation (`readSettings`), docs/settings.md and the `[vars]` block of wrangler.toml
 * (`scripts/settings-reference.mjs`) all come from here. Our own knobs are `KURATCHI_*`; `AWS_*`
 * are AWS's names for the Worker's own credentials.
 */
export const SETTINGS = {
  // ── webhook: the SNS webhook and what it trusts ──
  // Renamed from ENVIRONMENT: the façade runs inside other Workers, where ENVIRONMENT is a common
  // name of their own (staging…); our prefix keeps it ours.
  KURATCHI_ENVIRONMENT: setting({
    section: 'webhook',
    schema: z.enum(['production', 'development'], { error: 'must be production or development' }),
    default: 'production',
    secret: false,
    description:
      '`production` refuses development-only settings (KURATCHI_SNS_DEV_CERTIFICATE_PEM); `pnpm dev` runs `development`.',
    oldName: 'ENVIRONMENT',
    wrangler: 'production',
  }),
  KURATCHI_ALLOWED_TOPIC_ARNS: setting({
    section: 'webhook',
    schema: commaList(z.string().refine(isSnsTopicArn, 'is not an SNS topic ARN')),
    default: '',
    secret: false,
    description: 'Comma-separated SNS topic ARNs whose messages the webhook accepts; empty refuses every topic.',
    oldName: 'SES_ALLOWED_TOPIC_ARNS',
    // Not in the generated block: `kuratchi-ses deploy --topic-arn` writes it after the block.
  }),
  KURATCHI_WEBHOOK_BASIC_AUTH: setting({
    section: 'webhook',
    schema: z
      .string()
      .regex(/^[^:]+:.+$/, 'must be "user:password"')
      .optional(),
    secret: true,
    description:
      'HTTP Basic credential (`user:password`) the webhook requires; subscribe https://user:password@host/api/webhooks/ses-events.',
    oldName: 'SES_WEBHOOK_BASIC_AUTH',
  }),
  KURATCHI_SNS_DEV_CERTIFICATE_PEM: setting({
    section: 'webhook',
    schema: z.string().includes('-----BEGIN CERTIFICATE-----', 'must be a PEM certificate').optional(),
    secret: false,
    description:
      'Development only: a certificate trusted for SNS signatures on loopback requests (the demo, `kuratchi-ses simulate`).',
    oldName: 'SNS_DEV_CERTIFICATE_PEM',
    example: '-----BEGIN CERTIFICATE-----…',
  }),

  // ── park: events whose email is not known yet ──
  // Parking answers SNS 200, so the park replaces SNS's retries (at most 1 hour in all).
  KURATCHI_PARK_TTL_HOURS: setting({
    section: 'park',
    schema: z.coerce.number().gt(SNS_MAX_RETRY_WINDOW_MS / HOUR_MS, "must be longer than SNS's retry window of 1 hour"),
    default: String(DEFAULT_PARK_TTL_MS / HOUR_MS),
    secret: false,
    description:
      "Hours a parked event is kept before the sweep dead-letters it; more than 1 (SNS's longest retry window).",
    oldName: 'SES_PARK_TTL_HOURS',
    wrangler: String(DEFAULT_PARK_TTL_MS / HOUR_MS),
  }),
  KURATCHI_PARK_MAX_EVENTS_PER_MESSAGE: setting({
    section: 'park',
    schema: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1'),
    default: String(DEFAULT_MAX_PARKED_EVENTS_PER_MESSAGE),
    secret: false,
    description: 'Most events parked per SES message; past it they are dead-lettered as park-full.',
    oldName: 'SES_PARK_MAX_EVENTS_PER_MESSAGE',
    wrangler: String(DEFAULT_MAX_PARKED_EVENTS_PER_MESSAGE),
  }),
  KURATCHI_DEAD_LETTER_DAYS: setting({
    section: 'park',
    schema: z.coerce.number().int('must be a whole number of days').min(1, 'must be at least 1'),
    default: String(DEFAULT_DEAD_LETTER_TTL_MS / DAY_MS),
    secret: false,
    description:
      'Days any dead letter is kept for a replay; then the sweep drops it, counted per day. The `dead-letters-expiring` alert warns a week before.',
    wrangler: String(DEFAULT_DEAD_LETTER_TTL_MS / DAY_MS),
  }),
  KURATCHI_DEAD_LETTER_UNROUTED_DAYS: setting({
    section: 'park',
    schema: z.coerce.number().int('must be a whole number of days').min(1, 'must be at least 1'),
    default: String(DEFAULT_UNROUTED_DEAD_LETTER_TTL_MS / DAY_MS),
    secret: false,
    description:
      'Days a dead letter of no known organisation (mail not sent by `sendEmail`) is kept; then the sweep drops it, counted per day.',
    wrangler: String(DEFAULT_UNROUTED_DEAD_LETTER_TTL_MS / DAY_MS),
  }),

  // ── ops: the operations API ──
  KURATCHI_OPS_TOKEN: setting({
    section: 'ops',
    schema: token().optional(),
    secret: true,
    description:
      'Bearer token of the operations API (/api/ops/*, the `kuratchi-ses` operating commands); unset: it answers 403.',
  }),

  // ── api: the REST API of organisations' software (/api/v1/) ──
  // A fixed window per API key, counted in the admin database (api/rate-limit.ts).
  KURATCHI_API_RATE_LIMIT_PER_MINUTE: setting({
    section: 'api',
    schema: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(100_000, 'must be at most 100000'),
    default: '600',
    secret: false,
    description: 'Requests one API key may make per minute to /api/v1/; more are answered 429 with Retry-After.',
  }),

  // ── mail: the dashboard's own mail (invitations, set-password links) ──
  // Sent as text only (users/mail.ts): SES's open and click tracking work on the HTML part (an
  // image, rewritten links), so the link reaches its user as issued, never through a redirect.
  // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_TrackingOptions.html
  KURATCHI_MAIL_FROM: setting({
    section: 'mail',
    schema: z.email('must be an email address (a verified SES identity)').optional(),
    secret: false,
    description:
      'Sender of invitations and set-password links, a verified SES identity (needs the AWS_* credentials); unset: links are shown to the superadmin only.',
    example: 'kuratchi@dash.example.com',
  }),

  // ── firehose: the Amazon Data Firehose HTTP endpoint ──
  // Firehose copies the key verbatim into X-Amz-Firehose-Access-Key, at most 4096 bytes.
  KURATCHI_FIREHOSE_ACCESS_KEY: setting({
    section: 'firehose',
    schema: token().max(4096, 'must be at most 4096 characters (the limit of Firehose access keys)').optional(),
    secret: true,
    description: 'Access key the Firehose endpoint requires (X-Amz-Firehose-Access-Key); unset: it answers 403.',
    oldName: 'SES_FIREHOSE_ACCESS_KEY',
  }),

  // ── aws: the Worker's own SESv2 calls (canary, reconciliation, the guard's pause) ──
  // Workers have no AWS credential chain (files, instance metadata): the SDK gets them explicitly.
  // https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html
  AWS_REGION: setting({
    section: 'aws',
    schema: z.string().regex(AWS_REGION_PATTERN, 'must be an AWS region such as eu-west-1').optional(),
    secret: false,
    description: "Region of the Worker's own SESv2 calls; required with AWS_ACCESS_KEY_ID.",
    example: 'eu-west-1',
  }),
  KURATCHI_SES_TENANTS: setting({
    section: 'aws',
    schema: z.enum(['on', 'off'], { error: 'must be on or off' }),
    default: 'off',
    secret: false,
    description:
      'on: each organisation gets its own SES tenant (reputation, pause and suppression per organisation), once the Worker has AWS_ACCESS_KEY_ID. Unset is off (deployments made before tenants); new deployments start from wrangler.toml, which has on.',
    // A new deployment starts from wrangler.toml: tenants on, acting once it has AWS credentials.
    wrangler: 'on',
  }),
  KURATCHI_SES_TENANT_IDENTITIES: setting({
    section: 'aws',
    schema: commaList(
      z.string().regex(/^[^\s,@]*@?[^\s,@]+\.[^\s,@]+$/, 'must be a verified SES identity (a domain or an address)'),
    ),
    default: '',
    secret: false,
    description:
      "Comma-separated SES identities (domains or addresses) organisations send from, associated with each tenant besides KURATCHI_MAIL_FROM's and KURATCHI_CANARY_FROM's domains.",
  }),
  AWS_ACCESS_KEY_ID: setting({
    section: 'aws',
    schema: z.string().min(16, 'must be an AWS access key id').optional(),
    secret: true,
    description:
      "Access key id of the Worker's own AWS calls; unset: the canary, reconciliation and the guard's pause say they are not configured.",
  }),
  AWS_SECRET_ACCESS_KEY: setting({
    section: 'aws',
    schema: z.string().min(1, 'must not be empty').optional(),
    secret: true,
    description: 'Its secret access key (set together with AWS_ACCESS_KEY_ID).',
  }),
  AWS_SESSION_TOKEN: setting({
    section: 'aws',
    schema: z.string().min(1, 'must not be empty').optional(),
    secret: true,
    description: 'A session token, for temporary credentials.',
  }),
  // https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
  AWS_ENDPOINT_URL: setting({
    section: 'aws',
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    secret: false,
    description: "Another SESv2 endpoint instead of AWS's (a local fake in tests and the demo, LocalStack).",
    example: 'http://127.0.0.1:4566',
  }),
  // The EventBridge connection (API_KEY) sends it as a header; its ApiKeyValue is at most 512 characters.
  // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateConnectionApiKeyAuthRequestParameters.html
  KURATCHI_SES_STATUS_KEY: setting({
    section: 'aws',
    schema: token().max(512, 'must be at most 512 characters (the limit of EventBridge API keys)').optional(),
    secret: true,
    description:
      'Key SES status events must carry (x-kuratchi-eventbridge-key) at /api/eventbridge/ses-status; unset: it answers 401.',
  }),

  // ── alerts: the health panel and the alerts job ──
  KURATCHI_ALERT_WEBHOOK_URL: setting({
    section: 'alerts',
    schema: webhookUrl().optional(),
    secret: true,
    description:
      'A Slack-style incoming webhook alerts are POSTed to (https); unset: alerts show on the dashboard only.',
  }),
  KURATCHI_INGESTION_STALE_MINUTES: setting({
    section: 'alerts',
    schema: z.coerce.number().positive('must be a positive number of minutes'),
    default: '60',
    secret: false,
    description:
      'Minutes after a send with no SES event before the health panel warns and the events-stopped alert opens.',
    oldName: 'INGESTION_STALE_MINUTES',
  }),

  // ── reconcile: asking SES (GetMessageInsights) about emails with no outcome ──
  KURATCHI_RECONCILE_AFTER_HOURS: setting({
    section: 'reconcile',
    schema: hours('ask about emails sent more than this long ago'),
    default: String(reconcile.afterMs / HOUR_MS),
    secret: false,
    description:
      'Ask SES about emails with no outcome sent more than this many hours ago (needs VDM and the AWS_* credentials).',
    oldName: 'SES_RECONCILE_AFTER_HOURS',
  }),
  KURATCHI_RECONCILE_MAX_PER_RUN: setting({
    section: 'reconcile',
    schema: z.coerce
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 (off) or more')
      .max(RECONCILE_MAX_PER_RUN_LIMIT, `must be at most ${RECONCILE_MAX_PER_RUN_LIMIT} (one call a second)`),
    default: String(reconcile.maxPerRun),
    secret: false,
    description: `Most emails asked about per cron run, at one a second (at most ${RECONCILE_MAX_PER_RUN_LIMIT}; 0 turns the job off).`,
    oldName: 'SES_RECONCILE_MAX_PER_RUN',
  }),
  KURATCHI_RECONCILE_RETRY_HOURS: setting({
    section: 'reconcile',
    schema: hours('ask again after'),
    default: String(reconcile.retryAfterMs / HOUR_MS),
    secret: false,
    description: 'Ask again about an email SES knew nothing more of after this many hours.',
    oldName: 'SES_RECONCILE_RETRY_HOURS',
  }),
  KURATCHI_RECONCILE_GIVE_UP_HOURS: setting({
    section: 'reconcile',
    schema: hours('give up after'),
    default: String(reconcile.giveUpAfterMs / HOUR_MS),
    secret: false,
    description: 'Give up on an email this many hours after it was first asked about (at least the retry hours).',
    oldName: 'SES_RECONCILE_GIVE_UP_HOURS',
  }),

  KURATCHI_RECONCILE_EXPORT_S3_URL: setting({
    section: 'reconcile',
    schema: z
      .string()
      .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([^\s]*\/)?$/, 'must be s3://bucket/ or s3://bucket/prefix/')
      .optional(),
    secret: false,
    description:
      'Turns on bulk reconciliation: a daily SES export job of message insights, written here and imported (needs VDM and the AWS_* credentials).',
    example: 's3://my-ses-exports/kuratchi/',
  }),

  // ── guard: per-organisation bounce and complaint rates (kuratchi-sdk/internal/guard checks them) ──
  KURATCHI_GUARD_WINDOW_DAYS: setting({
    section: 'guard',
    schema: number(),
    default: String(guard.windowDays),
    secret: false,
    description: 'Days of the trailing (long) window of the rates (1 to 90).',
    oldName: 'REPUTATION_WINDOW_DAYS',
  }),
  // The short window: minimums and thresholds of a published hourly guard on SES (PostHog's),
  // docs/decisions/2026-12-06-guard-two-windows.md.
  KURATCHI_GUARD_SHORT_WINDOW_MINUTES: setting({
    section: 'guard',
    schema: number(),
    default: String(guard.shortWindowMinutes),
    secret: false,
    description:
      'Minutes of the short window, judged beside the long one: 200 recipients, 20 bounced / 5 complaining addresses, twice the thresholds (0 turns it off; at most 1440).',
  }),
  KURATCHI_GUARD_MIN_RECIPIENTS: setting({
    section: 'guard',
    schema: number(),
    default: String(guard.minRecipients),
    secret: false,
    description: 'Recipients sent to in the window below which the guard gives no verdict.',
    oldName: 'REPUTATION_MIN_RECIPIENTS',
  }),
  // The evidence minimums: defaults from a published guard on SES (PostHog's 24-hour minimums),
  // docs/decisions/2026-12-06-guard-verdict-needs-evidence.md.
  KURATCHI_GUARD_MIN_BOUNCED_ADDRESSES: setting({
    section: 'guard',
    schema: number(),
    default: String(guard.minEvidence.bounce),
    secret: false,
    description: 'Distinct addresses that bounced permanently below which the bounce rate neither warns nor pauses.',
  }),
  KURATCHI_GUARD_MIN_COMPLAINED_ADDRESSES: setting({
    section: 'guard',
    schema: number(),
    default: String(guard.minEvidence.complaint),
    secret: false,
    description: 'Distinct addresses that complained below which the complaint rate neither warns nor pauses.',
  }),
  KURATCHI_GUARD_BOUNCE_WARN_PERCENT: setting({
    section: 'guard',
    schema: number(),
    default: percent(guard.thresholds.bounce.warn),
    secret: false,
    description: "Bounce rate (percent) that warns; below the pause and SES's review level of 5 %.",
    oldName: 'REPUTATION_BOUNCE_WARN_PERCENT',
  }),
  KURATCHI_GUARD_BOUNCE_PAUSE_PERCENT: setting({
    section: 'guard',
    schema: number(),
    default: percent(guard.thresholds.bounce.pause),
    secret: false,
    description: "Bounce rate (percent) that pauses the organisation's sending until a superadmin lifts it; below 5 %.",
    oldName: 'REPUTATION_BOUNCE_PAUSE_PERCENT',
  }),
  KURATCHI_GUARD_COMPLAINT_WARN_PERCENT: setting({
    section: 'guard',
    schema: number(),
    default: percent(guard.thresholds.complaint.warn),
    secret: false,
    description: "Complaint rate (percent) that warns; below the pause and SES's review level of 0.1 %.",
    oldName: 'REPUTATION_COMPLAINT_WARN_PERCENT',
  }),
  KURATCHI_GUARD_COMPLAINT_PAUSE_PERCENT: setting({
    section: 'guard',
    schema: number(),
    default: percent(guard.thresholds.complaint.pause),
    secret: false,
    description: "Complaint rate (percent) that pauses the organisation's sending; below 0.1 %.",
    oldName: 'REPUTATION_COMPLAINT_PAUSE_PERCENT',
  }),

  // At most: the guard's per-minute run has the cron's whole query budget (scheduled/jobs.ts:
  // 868 organisations) and starts none after 30 s (GUARD_RUN_MS).
  // (kuratchi-sdk: runReputationGuardSlice, DEFAULT_ORGANIZATIONS_PER_RUN)
  KURATCHI_GUARD_ORGANIZATIONS_PER_RUN: setting({
    section: 'guard',
    schema: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(800, 'must be at most 800 (D1 allows 1,000 queries per invocation)'),
    default: String(DEFAULT_ORGANIZATIONS_PER_RUN),
    secret: false,
    description:
      'Most organisations the reputation guard evaluates per run, every minute (a run also stops starting them after 30 s); more are evaluated over the next runs, in turn.',
  }),

  // ── canary: test emails to the SES mailbox simulator, end to end ──
  // https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
  KURATCHI_CANARY_ORGANIZATION_ID: setting({
    section: 'canary',
    schema: z.string().min(1, 'must not be empty').optional(),
    secret: false,
    description: 'The organisation whose database holds the canary emails; unset: the canary is off.',
    oldName: 'SES_CANARY_ORGANIZATION_ID',
    example: 'org-acme',
  }),
  KURATCHI_CANARY_FROM: setting({
    section: 'canary',
    schema: z.email('must be an email address (a verified SES identity)').optional(),
    secret: false,
    description: 'Sender of the canary emails, a verified SES identity; required with KURATCHI_CANARY_ORGANIZATION_ID.',
    oldName: 'SES_CANARY_FROM',
    example: 'canary@acme.example',
  }),
  KURATCHI_CANARY_INTERVAL_MINUTES: setting({
    section: 'canary',
    schema: minutes(10, "must be at least 10 (the cron's period)"),
    default: '60',
    secret: false,
    description: 'Minutes between canary runs (at least 10, the cron period).',
    oldName: 'SES_CANARY_INTERVAL_MINUTES',
  }),
  KURATCHI_CANARY_DEADLINE_MINUTES: setting({
    section: 'canary',
    schema: minutes(1, 'must be at least 1', { value: 24 * 60, message: 'must be at most a day' }),
    default: String(DEFAULT_CANARY_DEADLINE_MS / MINUTE_MS),
    secret: false,
    description: 'Minutes within which the canary events must come back, or the canary-late alert opens.',
    oldName: 'SES_CANARY_DEADLINE_MINUTES',
  }),
  KURATCHI_CANARY_CONFIGURATION_SET: setting({
    section: 'canary',
    schema: z.string().min(1, 'must not be empty').optional(),
    secret: false,
    description: "The configuration set of the canary emails; unset: sendEmail's default.",
    oldName: 'SES_CANARY_CONFIGURATION_SET',
  }),
  // Retention (issue 30): the deployment's defaults; a superadmin overrides each per
  // organisation (Organisations page, PUT /api/ops/organizations/{id}/retention). Peers: Postmark
  // keeps 45 days by default (7 to 365 adjustable), Mailgun at least 30 days.
  // https://postmarkapp.com/support/article/1194-how-long-does-postmark-keep-message-data
  KURATCHI_RETENTION_EVENTS_DAYS: setting({
    section: 'retention',
    schema: retentionDays(),
    default: String(DEFAULT_RETENTION.eventsDays),
    secret: false,
    description: `Days raw events are kept (${RETENTION_DAYS_LIMITS.min} to ${RETENTION_DAYS_LIMITS.max}; Postmark: 45); the email row keeps its status, times and counts.`,
  }),
  KURATCHI_RETENTION_EMAILS_DAYS: setting({
    section: 'retention',
    schema: retentionDays(),
    default: String(DEFAULT_RETENTION.emailsDays),
    secret: false,
    description: `Days emails are kept with their recipients, events, search rows and routes (${RETENTION_DAYS_LIMITS.min} to ${RETENTION_DAYS_LIMITS.max}); the suppression list is kept.`,
  }),
  KURATCHI_RETENTION_ARCHIVE_DAYS: setting({
    section: 'retention',
    schema: retentionDays(),
    default: String(DEFAULT_RETENTION.archiveDays),
    secret: false,
    description:
      'Default days archived raw SNS messages are kept (R2 prefix `sns/`); a superadmin may choose others per organisation. `kuratchi-ses deploy` writes its R2 lifecycle rule, and one per choice.',
  }),
} as const;
