import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { D1Database } from '@cloudflare/workers-types';
import { z } from 'zod';
import { applyParkedEvents } from '../routing/record.js';
import { buildSendEmailInput } from './command.js';
import { emailAddressSchema, toList } from './email-address.js';
import { InvalidOptionsError, parseOptions } from '../shared/invalid-options.js';
import { sendEmailOptionsSchema, type SendEmailOptions, type ValidSendEmailOptions } from './options.js';
import { resolveSesClient, type SesClientInput } from '../ses/client.js';
import { configurationSetNameSchema, DEFAULT_CONFIGURATION_SET_NAME } from '../shared/configuration-set.js';
import { createD1AdminStore } from '../routing/d1-admin-store.js';
import { createOrgEmailStore } from '../organizations/org-email-store.js';
import { createD1OutgoingEmailStore } from './d1-outgoing-email-store.js';
import { MessageBindingError } from '../routing/errors.js';
import { findSuppressedRecipients } from './suppressions.js';
import type { SuppressionListEntry } from './ports.js';
import type { SendingPausedError } from '../guard/errors.js';
import { sendingPauseOf } from '../guard/sending-check.js';
import { recordTenantRefusal, tenantForSending } from '../tenants/sending.js';
import { TenantSendingDisabledError } from '../tenants/errors.js';

/** Configuration of {@link createEmailSender}: where to send through and where to record. */
export interface EmailSenderConfig {
  /** An `SESv2Client`, or its configuration: the client is then created once, for this sender. */
  ses: SesClientInput;
  /** The admin database (`ADMIN_DB`): `email_message_lookup` and parked events. */
  adminDb: D1Database;
  /** An organisation's database, e.g. `createOrgDatabaseClient(adminDb, env)`. */
  orgDatabase: (organizationId: string) => Promise<D1Database>;
  /** Default sender address (a verified SES identity). */
  from?: string;
  /** Default display name of the sender. */
  fromName?: string;
  /** Default configuration set; default `kuratchi-email-tracking`, what `setupSESEventTracking` creates. */
  configurationSetName?: string;
  /** Clock; default the current time. */
  now?: () => Date;
  /** Id of a new `emails` row; default `crypto.randomUUID()`. Must satisfy the SES tag rules. */
  newEmailId?: () => string;
}

/**
 * What became of one `sendEmail` call. SES refusing the message (unverified sender, throttling,
 * missing configuration set…) and a suppressed recipient are results, not exceptions.
 */
export interface SendEmailResult {
  /** True when SES accepted the message. */
  success: boolean;
  /** The SES MessageId, when SES accepted the message. */
  id?: string;
  /** The organisation's `emails` row (absent when nothing was written: suppressed recipients). */
  emailId?: string;
  /** Why the message was not sent. */
  error?: string;
  /** The suppression entries that made `sendEmail` refuse the message. */
  suppressed?: SuppressionListEntry[];
  /**
   * Set when the reputation guard has paused the organisation's sending (`kuratchi-sdk/internal/guard`):
   * the typed error (metric, rate, threshold, pausedAt) whose message is `error`. SES was not
   * called and nothing was written but the refusal count.
   */
  paused?: SendingPausedError;
  /**
   * Set when SES has disabled sending for the organisation's tenant (`KURATCHI_SES_TENANTS`), by
   * the guard's pause or by SES itself: as last read (SES was not called, nothing was written),
   * or SES refused the message (the row is `failed`). Its message is `error`.
   */
  tenantDisabled?: TenantSendingDisabledError;
  /**
   * Bookkeeping that failed after SES accepted the message (the sent status, the route,
   * parked events). The message is sent. Without its route its events are parked (never
   * routed by the message tags), then dead-lettered after the park's time to live.
   */
  warnings?: string[];
  /**
   * Set when SES accepted the message but the email row, or the route of its SES message id,
   * was already bound to another message: nothing was overwritten, and this message's events will
   * not be applied to that row (they are parked as orphaned, then dead-lettered). `success` stays
   * true: the message was sent. Also listed in `warnings`.
   */
  bindingConflict?: MessageBindingError;
}

/** Sends email through one SES client and records it in the organisation's database. */
export interface EmailSender {
  /** The client this sender uses (created once from the configuration, or the one injected). */
  readonly ses: SESv2Client;
  /** See {@link sendEmail}. */
  sendEmail(options: SendEmailOptions): Promise<SendEmailResult>;
}

const configSchema = z.object({
  from: emailAddressSchema.optional(),
  fromName: z
    .string()
    .regex(/^[^\r\n]*$/, 'must not contain line breaks')
    .optional(),
  configurationSetName: configurationSetNameSchema.optional(),
});

/**
 * Creates a sender: the SES client is created here, once, and reused by every `sendEmail`.
 * Works in Workers (workerd) and Node alike.
 * @throws {InvalidOptionsError} for an invalid default `from`, `fromName` or configuration set.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export function createEmailSender(config: EmailSenderConfig): EmailSender {
  parseOptions('createEmailSender', configSchema, {
    from: config.from,
    fromName: config.fromName,
    configurationSetName: config.configurationSetName,
  });
  const ses = resolveSesClient(config.ses);
  return { ses, sendEmail: (options) => send(ses, config, options) };
}

/**
 * Sends one email through Amazon SES and tracks it:
 * 1. validates the options (a programming error throws {@link InvalidOptionsError} naming the field);
 * 2. refuses when the reputation guard has paused the organisation (`paused`: a
 *    `SendingPausedError`; SES is not called, only the refusal is counted; a `canary`, to the
 *    mailbox simulator only, is let through), when its SES tenant is DISABLED as last read
 *    (`tenantDisabled`), then recipients on the organisation's suppression list unless
 *    `allowSuppressed`;
 * 3. writes the organisation's `emails` row as `pending`;
 * 4. calls SESv2 SendEmail with the configuration set, the tags `kuratchi-org-id` /
 *    `kuratchi-email-id` (for the sender's analysis only: events are never routed by tags) and
 *    `TenantName` when the organisation's tenant has that configuration set and the sender's
 *    identity associated (SES refusing it as paused is `tenantDisabled`);
 * 5. marks the row `sent` with the SES MessageId (or `failed` with SES's error), writes the admin
 *    `email_message_lookup` row (the only route of the message's events), and applies the events
 *    parked for that message id. A row already bound to another message is reported
 *    (`bindingConflict`), never overwritten.
 *
 * One-shot form of `createEmailSender(config).sendEmail(options)`: prefer a sender (or pass an
 * `SESv2Client` as `config.ses`) to reuse one client across sends.
 * @throws {InvalidOptionsError} for invalid options; `OrgDatabaseError` when the organisation's
 *   database cannot be resolved; D1 errors before SES is called (nothing was sent then).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html
 */
export async function sendEmail(options: SendEmailOptions, config: EmailSenderConfig): Promise<SendEmailResult> {
  return createEmailSender(config).sendEmail(options);
}

async function send(ses: SESv2Client, config: EmailSenderConfig, input: SendEmailOptions): Promise<SendEmailResult> {
  const options = parseOptions('sendEmail', sendEmailOptionsSchema, input);
  const from = options.from ?? config.from;
  if (!from) {
    throw new InvalidOptionsError('sendEmail', [
      { path: 'from', message: 'is required: pass from, or configure a default from in createEmailSender' },
    ]);
  }
  const now = () => (config.now?.() ?? new Date()).getTime();
  const recipients = [...toList(options.to), ...toList(options.cc), ...toList(options.bcc)];
  // The reputation guard: one primary-key read; a paused organisation stops here. Except a canary
  // (to the mailbox simulator only, as its options are validated): it counts toward no bounce or
  // complaint rate, and it is what shows the event path still works while the organisation is paused.
  // https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
  if (!options.canary) {
    const paused = await sendingPauseOf(config.adminDb, options.organizationId, now());
    if (paused) return { success: false, error: paused.message, paused };
  }
  // The organisation's SES tenant, if any (not for a canary, which shows the path while paused).
  const tenant = options.canary ? null : await tenantForSending(config.adminDb, options.organizationId);
  if (tenant?.disabled) {
    const tenantDisabled = new TenantSendingDisabledError(options.organizationId, tenant.tenantName, false);
    return { success: false, error: tenantDisabled.message, tenantDisabled };
  }
  const db = await config.orgDatabase(options.organizationId);

  if (!options.allowSuppressed) {
    const suppressed = await findSuppressedRecipients(db, recipients);
    if (suppressed.length) return refusal(suppressed);
  }

  const emailId = config.newEmailId?.() ?? crypto.randomUUID();
  const outgoing = createD1OutgoingEmailStore(db);
  await outgoing.insertPending({
    id: emailId,
    recipient: toList(options.to).join(', '),
    recipients: [
      ...toList(options.to).map((address) => ({ address, kind: 'to' as const })),
      ...toList(options.cc).map((address) => ({ address, kind: 'cc' as const })),
      ...toList(options.bcc).map((address) => ({ address, kind: 'bcc' as const })),
    ],
    sender: from,
    subject: options.subject,
    emailType: options.emailType ?? null,
    userId: options.userId ?? null,
    metadata: options.metadata ?? null,
    createdAt: now(),
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.canary ? { canary: true } : {}),
  });

  const configurationSetName =
    options.configurationSetName ?? config.configurationSetName ?? DEFAULT_CONFIGURATION_SET_NAME;
  const tenantName = tenant?.covers(configurationSetName, from) ? tenant.tenantName : undefined;
  const command = new SendEmailCommand(
    buildSendEmailInput(withSender(options, config), { emailId, from, configurationSetName, tenantName }),
  );
  let sesMessageId: string;
  try {
    const output = await ses.send(command);
    if (!output.MessageId) throw new Error('SES answered without a MessageId');
    sesMessageId = output.MessageId;
  } catch (error) {
    // SES documents no exception of its own for a disabled tenant: SendingPausedException on a
    // send with TenantName is read as the tenant's (the cron reads its status again, so an
    // account-wide pause does not stick to the tenant).
    const tenantDisabled =
      tenantName && error instanceof Error && error.name === 'SendingPausedException'
        ? new TenantSendingDisabledError(options.organizationId, tenantName, true)
        : undefined;
    const message = tenantDisabled?.message ?? sesErrorText(error);
    const refused = { success: false, emailId, error: message, ...(tenantDisabled ? { tenantDisabled } : {}) };
    try {
      await outgoing.markFailed(emailId, message, now());
      if (tenantDisabled) await recordTenantRefusal(config.adminDb, options.organizationId, now());
    } catch (dbError) {
      const warning = `recording the failure failed: ${dbError instanceof Error ? dbError.message : String(dbError)}`;
      return { ...refused, warnings: [warning] };
    }
    return refused;
  }

  const { warnings, conflict } = await recordSent(config, db, options.organizationId, emailId, sesMessageId, now);
  return {
    success: true,
    id: sesMessageId,
    emailId,
    ...(warnings.length ? { warnings } : {}),
    ...(conflict ? { bindingConflict: conflict } : {}),
  };
}

/** After SES accepted the message: nothing here may turn a sent email into a failure. */
async function recordSent(
  config: EmailSenderConfig,
  db: D1Database,
  organizationId: string,
  emailId: string,
  sesMessageId: string,
  now: () => number,
): Promise<{ warnings: string[]; conflict: MessageBindingError | null }> {
  const warnings: string[] = [];
  let conflict: MessageBindingError | null = null;
  const attempt = async (what: string, step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      if (error instanceof MessageBindingError) conflict ??= error;
      warnings.push(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const adminStore = createD1AdminStore(config.adminDb);
  await attempt('marking the email sent', () => createD1OutgoingEmailStore(db).markSent(emailId, sesMessageId, now()));
  await attempt('writing email_message_lookup', () =>
    adminStore.putMessageRoute(sesMessageId, { organizationId, emailId }, now()),
  );
  await attempt('applying parked events', () =>
    applyParkedEvents(
      {
        adminStore,
        resolveOrgEmailStore: async (id) =>
          createOrgEmailStore(id === organizationId ? db : await config.orgDatabase(id)),
        ...(config.now ? { now: config.now } : {}),
      },
      sesMessageId,
    ),
  );
  return { warnings, conflict };
}

function withSender(options: ValidSendEmailOptions, config: EmailSenderConfig): ValidSendEmailOptions {
  const fromName = options.fromName ?? config.fromName;
  return fromName === undefined ? options : { ...options, fromName };
}

function refusal(suppressed: SuppressionListEntry[]): SendEmailResult {
  const list = suppressed.map((s) => `${s.emailAddress} (${s.reason})`).join(', ');
  return {
    success: false,
    suppressed,
    error: `not sent: ${list} ${suppressed.length === 1 ? 'is' : 'are'} on the organisation's suppression list; remove ${suppressed.length === 1 ? 'it' : 'them'} with removeSuppression, or pass allowSuppressed: true to send anyway`,
  };
}

/** SES's error name and message, with what to do when the configuration set is missing. */
function sesErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const text = `${error.name}: ${error.message}`;
  if (error.name === 'NotFoundException' && /configuration set/i.test(error.message)) {
    return `${text} (create it with \`kuratchi-ses setup\` or setupSESEventTracking)`;
  }
  return text;
}
