import type { FeatureStatus, SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { KURATCHI_TAGS } from '../model.js';
import { formatFromAddress, toList } from './email-address.js';
import type { ValidSendEmailOptions } from './options.js';

/** What the SDK decided for one message, besides the caller's options. */
export interface SendEmailPlan {
  /** The `emails` row id, sent as the `kuratchi-email-id` tag. */
  emailId: string;
  from: string;
  configurationSetName: string;
  /** The organisation's SES tenant, when it has one ready for this message. */
  tenantName?: string | undefined;
}

/**
 * The SESv2 SendEmail request of one message: a simple (SES-assembled) UTF-8 message sent with
 * the configuration set, whose event destination publishes its events, and the caller's tags plus
 * the SDK's tags `kuratchi-org-id` and `kuratchi-email-id`, which every event of the message
 * carries in `mail.tags`. They are labels for reading the events (in SES, in an export), never
 * routing: anyone sending through the account can set them, so only the route `sendEmail` writes
 * after SES answered routes an event (docs/decisions/2026-12-01-lookup-row-is-the-only-route.md).
 * With `tenantName`, SES counts the message towards that tenant's reputation and refuses it while
 * the tenant is disabled.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-send-email.html
 */
export function buildSendEmailInput(options: ValidSendEmailOptions, plan: SendEmailPlan): SendEmailCommandInput {
  const cc = toList(options.cc);
  const bcc = toList(options.bcc);
  const replyTo = toList(options.replyTo);
  const headers = Object.entries(options.headers ?? {}).map(([Name, Value]) => ({ Name, Value }));
  return {
    FromEmailAddress: formatFromAddress(plan.from, options.fromName),
    Destination: {
      ToAddresses: toList(options.to),
      ...(cc.length ? { CcAddresses: cc } : {}),
      ...(bcc.length ? { BccAddresses: bcc } : {}),
    },
    ...(replyTo.length ? { ReplyToAddresses: replyTo } : {}),
    Content: {
      Simple: {
        Subject: { Data: options.subject, Charset: 'UTF-8' },
        Body: {
          ...(options.text !== undefined ? { Text: { Data: options.text, Charset: 'UTF-8' } } : {}),
          ...(options.html !== undefined ? { Html: { Data: options.html, Charset: 'UTF-8' } } : {}),
        },
        ...(headers.length ? { Headers: headers } : {}),
      },
    },
    ConfigurationSetName: plan.configurationSetName,
    ...(plan.tenantName ? { TenantName: plan.tenantName } : {}),
    ...trackingOverrides(options.tracking),
    EmailTags: [
      ...Object.entries(options.tags ?? {}).map(([Name, Value]) => ({ Name, Value })),
      { Name: KURATCHI_TAGS.organizationId, Value: options.organizationId },
      { Name: KURATCHI_TAGS.emailId, Value: plan.emailId },
    ],
  };
}

/**
 * SendEmail's per-message tracking override (`ConfigurationOverrides.Tracking`) for the fields the
 * caller set; none when it set neither.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ConfigurationOverrides.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_TrackingConfigurationOverrides.html
 */
function trackingOverrides(tracking: ValidSendEmailOptions['tracking']): Partial<SendEmailCommandInput> {
  const status = (on: boolean): FeatureStatus => (on ? 'ENABLED' : 'DISABLED');
  const Tracking = {
    ...(tracking?.opens !== undefined ? { OpenTrackingEnabled: status(tracking.opens) } : {}),
    ...(tracking?.clicks !== undefined ? { ClickTrackingEnabled: status(tracking.clicks) } : {}),
  };
  return Object.keys(Tracking).length ? { ConfigurationOverrides: { Tracking } } : {};
}
