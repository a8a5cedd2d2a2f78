import type { ParkLimits } from 'kuratchi-sdk/internal/events';
import type { SesClientInput } from 'kuratchi-sdk/internal/send';
import type { SectionName } from './settings/define';
import { ConfigError, settingsError } from './settings/errors';
import { readSettings } from './settings/read';
import type { SectionValues } from './settings/types';

export { ConfigError } from './settings/errors';

/**
 * The dashboard's configuration: a view over the settings registry (settings/registry.ts). Each
 * field validates its section when first read (then once per env), so a bad setting fails only
 * what reads it; reading a field may throw {@link ConfigError}.
 */
export interface DashboardConfig {
  /** `KURATCHI_ENVIRONMENT` (webhook section). */
  readonly environment: 'production' | 'development';
  /** SNS topics whose messages the webhook accepts (empty: none). */
  readonly allowedTopicArns: string[];
  /** HTTP Basic credential the webhook requires, or null. */
  readonly webhookCredential: { username: string; password: string } | null;
  /** Development only: certificate trusted for SNS signatures on loopback requests. */
  readonly devCertificatePem: string | null;
  /** Minutes after a send with no SES event before the ingestion health panel warns (alerts section). */
  readonly ingestionStaleMinutes: number;
  /** How long and how many events the park holds (park section). */
  readonly park: ParkLimits;
  /** Bearer token of the operations API (`/api/ops/*`), or null: disabled (ops section). */
  readonly opsToken: string | null;
  /** Access key the Firehose HTTP endpoint requires, or null: the endpoint refuses all (firehose section). */
  readonly firehoseAccessKey: string | null;
  /**
   * The Worker's own SESv2 client configuration (canary, reconciliation, pausing a configuration
   * set), from the aws section; null when no credentials are set: those jobs then report that
   * they are not configured and do nothing.
   */
  readonly ses: SesClientInput | null;
  /** Where alerts are POSTed (a Slack-style incoming webhook), or null: shown on the dashboard only. */
  readonly alertWebhookUrl: string | null;
}

const views = new WeakMap<object, DashboardConfig>();

/**
 * The configuration of the Worker env: checks the env and the ADMIN_DB binding at once, and the
 * `upFront` sections too (so the caller's try/catch sees their error); the others when a field of
 * theirs is first read.
 * @throws {ConfigError} naming the missing binding, or every bad variable of an `upFront` section.
 */
export function readConfig(env: App.Platform['env'] | undefined, ...upFront: SectionName[]): DashboardConfig {
  if (!env)
    throw new ConfigError('no Worker env: the dashboard must run on Cloudflare Workers (wrangler dev or deploy)');
  if (typeof (env.ADMIN_DB as { prepare?: unknown } | undefined)?.prepare !== 'function') {
    throw settingsError('binding', [
      { name: 'ADMIN_DB', message: 'D1 binding is missing (wrangler.toml [[d1_databases]])' },
    ]);
  }
  for (const section of upFront) readSettings(env, section);
  let config = views.get(env);
  if (!config) views.set(env, (config = configView(env)));
  return config;
}

/** Each field a getter over its section (validated once per env by `readSettings`). */
function configView(env: object): DashboardConfig {
  const webhook = () => readSettings(env, 'webhook');
  return {
    get environment() {
      return webhook().KURATCHI_ENVIRONMENT;
    },
    get allowedTopicArns() {
      return webhook().KURATCHI_ALLOWED_TOPIC_ARNS;
    },
    get webhookCredential() {
      return basicCredential(webhook().KURATCHI_WEBHOOK_BASIC_AUTH);
    },
    get devCertificatePem() {
      return webhook().KURATCHI_SNS_DEV_CERTIFICATE_PEM ?? null;
    },
    get ingestionStaleMinutes() {
      return readSettings(env, 'alerts').KURATCHI_INGESTION_STALE_MINUTES;
    },
    get park() {
      const park = readSettings(env, 'park');
      return {
        ttlMs: park.KURATCHI_PARK_TTL_HOURS * 3_600_000,
        maxParkedEventsPerMessage: park.KURATCHI_PARK_MAX_EVENTS_PER_MESSAGE,
        unroutedDeadLetterTtlMs: park.KURATCHI_DEAD_LETTER_UNROUTED_DAYS * 24 * 3_600_000,
        deadLetterTtlMs: park.KURATCHI_DEAD_LETTER_DAYS * 24 * 3_600_000,
      };
    },
    get opsToken() {
      return readSettings(env, 'ops').KURATCHI_OPS_TOKEN ?? null;
    },
    get firehoseAccessKey() {
      return readSettings(env, 'firehose').KURATCHI_FIREHOSE_ACCESS_KEY ?? null;
    },
    get ses() {
      return sesClientConfig(readSettings(env, 'aws'));
    },
    get alertWebhookUrl() {
      return readSettings(env, 'alerts').KURATCHI_ALERT_WEBHOOK_URL ?? null;
    },
  };
}

/** `user:password` split at its first colon (the schema guarantees one), or null. */
function basicCredential(value: string | undefined): DashboardConfig['webhookCredential'] {
  if (!value) return null;
  const separator = value.indexOf(':');
  return { username: value.slice(0, separator), password: value.slice(separator + 1) };
}

/** The SESv2 client configuration of {@link DashboardConfig.ses}, or null without credentials. */
function sesClientConfig(aws: SectionValues<'aws'>): SesClientInput | null {
  if (!aws.AWS_ACCESS_KEY_ID || !aws.AWS_SECRET_ACCESS_KEY || !aws.AWS_REGION) return null;
  return {
    region: aws.AWS_REGION,
    credentials: {
      accessKeyId: aws.AWS_ACCESS_KEY_ID,
      secretAccessKey: aws.AWS_SECRET_ACCESS_KEY,
      ...(aws.AWS_SESSION_TOKEN ? { sessionToken: aws.AWS_SESSION_TOKEN } : {}),
    },
    ...(aws.AWS_ENDPOINT_URL ? { endpoint: aws.AWS_ENDPOINT_URL } : {}),
  };
}
