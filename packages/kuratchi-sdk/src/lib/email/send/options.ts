import { z } from 'zod';
import { KURATCHI_TAGS } from '../model.js';
import { emailAddressSchema, toList } from './email-address.js';
import { configurationSetNameSchema } from '../shared/configuration-set.js';
import { isMailboxSimulatorAddress } from '../shared/mailbox-simulator.js';
import { MAX_HEADER_LINE, messageHeaderNameSchema, messageHeaderValueSchema, sesTagTextSchema } from './ses-names.js';

/**
 * Most recipients one SES message may have, across To, CC and BCC.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference/API_SendEmail.html ("may not include more than 50 recipients")
 */
export const MAX_RECIPIENTS = 50;

const addresses = z.union([emailAddressSchema, z.array(emailAddressSchema).min(1, 'must list at least one address')]);
const noLineBreaks = (what: string) => z.string().regex(/^[^\r\n]*$/, `${what} must not contain line breaks`);
const reservedTags = new Set<string>(Object.values(KURATCHI_TAGS));

/** Options of `sendEmail` as validated (see {@link SendEmailOptions}). */
export const sendEmailOptionsSchema = z
  .object({
    organizationId: sesTagTextSchema,
    to: addresses,
    cc: addresses.optional(),
    bcc: addresses.optional(),
    from: emailAddressSchema.optional(),
    fromName: noLineBreaks('fromName').max(256, 'must be at most 256 characters').optional(),
    replyTo: addresses.optional(),
    subject: noLineBreaks('subject').min(1, 'must not be empty'),
    html: z.string().min(1, 'must not be empty').optional(),
    text: z.string().min(1, 'must not be empty').optional(),
    tags: z
      .record(sesTagTextSchema, sesTagTextSchema)
      .refine((tags) => !Object.keys(tags).some((name) => reservedTags.has(name)), {
        message: `${[...reservedTags].join(' and ')} are set by the SDK (they route events to the email row)`,
      })
      .optional(),
    headers: z
      .record(messageHeaderNameSchema, messageHeaderValueSchema)
      .refine(
        (headers) => Object.entries(headers).every(([name, value]) => name.length + value.length <= MAX_HEADER_LINE),
        {
          message: `a header name and value together must be at most ${MAX_HEADER_LINE} characters`,
        },
      )
      .optional(),
    configurationSetName: configurationSetNameSchema.optional(),
    userId: z.string().min(1).max(256).optional(),
    emailType: z.string().min(1).max(64).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    allowSuppressed: z.boolean().optional(),
    canary: z.boolean().optional(),
    tracking: z.object({ opens: z.boolean().optional(), clicks: z.boolean().optional() }).strict().optional(),
  })
  .strict()
  .refine((o) => o.html !== undefined || o.text !== undefined, { path: ['html'], message: 'html or text is required' })
  .refine((o) => toList(o.to).length + toList(o.cc).length + toList(o.bcc).length <= MAX_RECIPIENTS, {
    path: ['to'],
    message: `to, cc and bcc together must have at most ${MAX_RECIPIENTS} recipients (SES limit)`,
  })
  // A canary is kept out of the statistics and the reputation guard's rates: only mail to the
  // mailbox simulator, which counts toward no rate at SES either, may be one.
  .refine((o) => !o.canary || [...toList(o.to), ...toList(o.cc), ...toList(o.bcc)].every(isMailboxSimulatorAddress), {
    path: ['canary'],
    message: 'is only for mail to the SES mailbox simulator (every recipient @simulator.amazonses.com)',
  });

/**
 * What to send, for which organisation.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export interface SendEmailOptions {
  /** The organisation sending: its database gets the `emails` row; also sent as the `kuratchi-org-id` tag. */
  organizationId: string;
  /** Recipient(s): plain ASCII addresses. To, CC and BCC together: at most 50. */
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  /** Sender address (a verified SES identity); default the sender's configured `from`. */
  from?: string;
  /** Display name of the sender; non-ASCII names are MIME-encoded. */
  fromName?: string;
  replyTo?: string | string[];
  subject: string;
  /** HTML body; `html`, `text` or both. */
  html?: string;
  /** Plain-text body. */
  text?: string;
  /** Extra SES message tags (names and values: ASCII letters, digits, `_`, `-`; at most 256). */
  tags?: Record<string, string>;
  /** Extra message headers (e.g. `List-Unsubscribe`). */
  headers?: Record<string, string>;
  /** Configuration set for this message; default the sender's configured one. */
  configurationSetName?: string;
  /** Who triggered the email, kept on the row. */
  userId?: string;
  /** A category of your own (`transactional`, `marketing`…), kept on the row. */
  emailType?: string;
  /** Anything JSON-serialisable to keep on the row. */
  metadata?: Record<string, unknown>;
  /** Send even to recipients on the organisation's suppression list. Default false. */
  allowSuppressed?: boolean;
  /**
   * Marks the email as a canary (`emails.canary = 1`): a test message of the delivery path, such
   * as those `kuratchi-sdk/internal/canary` sends to the SES mailbox simulator. It is sent and
   * tracked exactly like any other email (configuration set, tags, route, events) but kept
   * out of the organisation's statistics (daily counts, reputation and engagement rates, top
   * links) and hidden from the email log unless asked for, so every recipient must be a mailbox
   * simulator address (else {@link InvalidOptionsError}); a paused organisation may still send
   * it. Default false.
   * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
   */
  canary?: boolean;
  /**
   * Open and click tracking of this message only, over the account's and the configuration set's
   * (SESv2 `ConfigurationOverrides.Tracking`): `false` turns it off (a password reset, say), `true`
   * on; left out, the usual settings apply.
   * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_TrackingConfigurationOverrides.html
   */
  tracking?: { opens?: boolean; clicks?: boolean };
}

/** {@link SendEmailOptions} after validation. */
export type ValidSendEmailOptions = z.output<typeof sendEmailOptionsSchema>;
