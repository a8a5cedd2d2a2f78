import { SNS_MAX_RETRY_WINDOW_MS, type ParkLimits } from 'kuratchi-sdk/email/events';
import { isSnsTopicArn } from 'kuratchi-sdk/email/aws-names';
import type { SesClientInput } from 'kuratchi-sdk/email/send';
import { z } from 'zod';

/** The dashboard's configuration, validated once per Worker env. */
export interface DashboardConfig {
  environment: 'production' | 'development';
  /** SNS topics whose messages the webhook accepts (empty: none). */
  allowedTopicArns: string[];
  /** HTTP Basic credential the webhook requires, or null. */
  webhookCredential: { username: string; password: string } | null;
  /** Development only: certificate trusted for SNS signatures on loopback requests. */
  devCertificatePem: string | null;
  /** Minutes after a send with no SES event before the ingestion health panel warns. */
  ingestionStaleMinutes: number;
  /** How long and how many events the park holds (`SES_PARK_TTL_HOURS`, `SES_PARK_MAX_EVENTS_PER_MESSAGE`). */
  park: ParkLimits;
  /** Bearer token of the operations API (`/api/ops/*`, used by `kuratchi-ses dead-letters`), or null: disabled. */
  opsToken: string | null;
  /** Access key the Firehose HTTP endpoint requires (`SES_FIREHOSE_ACCESS_KEY`), or null: the endpoint refuses all. */
  firehoseAccessKey: string | null;
  /**
   * The Worker's own SESv2 client configuration (canary, reconciliation, pausing a configuration
   * set), from `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (secrets), optional
   * `AWS_SESSION_TOKEN` and `AWS_ENDPOINT_URL`; null when no credentials are set: those jobs then
   * report that they are not configured and do nothing.
   */
  ses: SesClientInput | null;
  /** Where alerts are POSTed (`KURATCHI_ALERT_WEBHOOK_URL`, a Slack-style incoming webhook), or null: shown on the dashboard only. */
  alertWebhookUrl: string | null;
}

/** The configuration is missing or invalid; the message names every bad variable or binding. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

const schema = z
  .object({
    ENVIRONMENT: z.enum(['production', 'development']).default('production'),
    SES_ALLOWED_TOPIC_ARNS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((arn) => arn.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().refine(isSnsTopicArn, 'is not an SNS topic ARN'))),
    SES_WEBHOOK_BASIC_AUTH: z
      .string()
      .regex(/^[^:]+:.+$/, 'must be "user:password"')
      .optional(),
    SNS_DEV_CERTIFICATE_PEM: z.string().includes('-----BEGIN CERTIFICATE-----', 'must be a PEM certificate').optional(),
    INGESTION_STALE_MINUTES: z.coerce.number().positive('must be a positive number of minutes').default(60),
    // Parking answers SNS 200, so the park replaces SNS's retries (at most 1 hour in all).
    SES_PARK_TTL_HOURS: z.coerce
      .number()
      .gt(SNS_MAX_RETRY_WINDOW_MS / 3_600_000, "must be longer than SNS's retry window of 1 hour")
      .default(24),
    SES_PARK_MAX_EVENTS_PER_MESSAGE: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .default(100),
    KURATCHI_OPS_TOKEN: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
    // Firehose copies the key verbatim into X-Amz-Firehose-Access-Key, at most 4096 bytes.
    SES_FIREHOSE_ACCESS_KEY: z
      .string()
      .min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)')
      .max(4096, 'must be at most 4096 characters (the limit of Firehose access keys)')
      .optional(),
    // Workers have no AWS credential chain (files, instance metadata): the SDK gets them explicitly.
    // https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html
    AWS_REGION: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1')
      .optional(),
    AWS_ACCESS_KEY_ID: z.string().min(16, 'must be an AWS access key id').optional(),
    AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    AWS_SESSION_TOKEN: z.string().min(1).optional(),
    // Another SESv2 endpoint (a local fake in tests and the demo, LocalStack…).
    // https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
    AWS_ENDPOINT_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    // The alert webhook holds its own token (Slack's URLs do): a secret, https except on loopback.
    KURATCHI_ALERT_WEBHOOK_URL: z
      .url({ protocol: /^https?$/, error: 'must be an https URL' })
      .refine(
        (url) => url.startsWith('https:') || LOOPBACK_HOSTS.has(new URL(url).hostname),
        'must be https (plain http only to 127.0.0.1, ::1 or localhost)',
      )
      .optional(),
  })
  .refine((env) => (env.AWS_ACCESS_KEY_ID === undefined) === (env.AWS_SECRET_ACCESS_KEY === undefined), {
    path: ['AWS_SECRET_ACCESS_KEY'],
    message: 'and AWS_ACCESS_KEY_ID must be set together',
  })
  .refine((env) => env.AWS_ACCESS_KEY_ID === undefined || env.AWS_REGION !== undefined, {
    path: ['AWS_REGION'],
    message: 'is required when AWS_ACCESS_KEY_ID is set',
  })
  .refine((env) => env.ENVIRONMENT === 'development' || env.SNS_DEV_CERTIFICATE_PEM === undefined, {
    path: ['SNS_DEV_CERTIFICATE_PEM'],
    message: 'is a development-only setting and is refused when ENVIRONMENT is production',
  });

const validated = new WeakMap<object, DashboardConfig>();

/**
 * Reads and validates the configuration from the Worker env, once per env object.
 * @throws {ConfigError} naming each missing binding or invalid variable.
 */
export function readConfig(env: App.Platform['env'] | undefined): DashboardConfig {
  if (!env)
    throw new ConfigError('no Worker env: the dashboard must run on Cloudflare Workers (wrangler dev or deploy)');
  const cached = validated.get(env);
  if (cached) return cached;
  const problems: string[] = [];
  if (typeof (env.ADMIN_DB as { prepare?: unknown } | undefined)?.prepare !== 'function') {
    problems.push('D1 binding ADMIN_DB is missing (wrangler.toml [[d1_databases]])');
  }
  const result = schema.safeParse(env);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${issue.path.join('.')} ${issue.message}`);
  }
  if (problems.length || !result.success)
    throw new ConfigError(`invalid dashboard configuration: ${problems.join('; ')}`);
  const {
    ENVIRONMENT,
    SES_ALLOWED_TOPIC_ARNS,
    SES_WEBHOOK_BASIC_AUTH,
    SNS_DEV_CERTIFICATE_PEM,
    INGESTION_STALE_MINUTES,
  } = result.data;
  const { SES_PARK_TTL_HOURS, SES_PARK_MAX_EVENTS_PER_MESSAGE, KURATCHI_OPS_TOKEN, SES_FIREHOSE_ACCESS_KEY } =
    result.data;
  const separator = SES_WEBHOOK_BASIC_AUTH?.indexOf(':') ?? -1;
  const config: DashboardConfig = {
    environment: ENVIRONMENT,
    allowedTopicArns: SES_ALLOWED_TOPIC_ARNS,
    webhookCredential: SES_WEBHOOK_BASIC_AUTH
      ? { username: SES_WEBHOOK_BASIC_AUTH.slice(0, separator), password: SES_WEBHOOK_BASIC_AUTH.slice(separator + 1) }
      : null,
    devCertificatePem: SNS_DEV_CERTIFICATE_PEM ?? null,
    ingestionStaleMinutes: INGESTION_STALE_MINUTES,
    park: { ttlMs: SES_PARK_TTL_HOURS * 3_600_000, maxParkedEventsPerMessage: SES_PARK_MAX_EVENTS_PER_MESSAGE },
    opsToken: KURATCHI_OPS_TOKEN ?? null,
    firehoseAccessKey: SES_FIREHOSE_ACCESS_KEY ?? null,
    ses: sesClientConfig(result.data),
    alertWebhookUrl: result.data.KURATCHI_ALERT_WEBHOOK_URL ?? null,
  };
  validated.set(env, config);
  return config;
}

/** The SESv2 client configuration of {@link DashboardConfig.ses}, or null without credentials. */
function sesClientConfig(env: {
  AWS_REGION?: string | undefined;
  AWS_ACCESS_KEY_ID?: string | undefined;
  AWS_SECRET_ACCESS_KEY?: string | undefined;
  AWS_SESSION_TOKEN?: string | undefined;
  AWS_ENDPOINT_URL?: string | undefined;
}): SesClientInput | null {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY || !env.AWS_REGION) return null;
  return {
    region: env.AWS_REGION,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
    ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
  };
}
