/**
 * `kuratchi-sdk/internal/send`: sending email through Amazon SES with tracking (`sendEmail`,
 * `createEmailSender`), the message tags it adds, and an organisation's suppression list.
 * Re-exports only. Loads the AWS SDK's SESv2 client.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 * @module
 */
export { sendEmail, createEmailSender } from './send-email.js';
export type { EmailSender, EmailSenderConfig, SendEmailResult } from './send-email.js';
export type { SendEmailOptions } from './options.js';
export { sendEmailOptionsSchema } from './options.js';
export type { SesClientInput } from '../ses/client.js';
export { InvalidOptionsError } from '../shared/invalid-options.js';
export type { InvalidOption } from '../shared/invalid-options.js';
export { KURATCHI_TAGS } from '../model.js';
export { listSuppressions, addSuppression, removeSuppression, findSuppressedRecipients } from './suppressions.js';
export type { ListSuppressionsOptions, AddSuppressionOptions } from './suppressions.js';
export type { SuppressionListEntry, SuppressionReason } from './ports.js';
export { syncTenantSuppressions, tenantSyncStatus } from './tenant-sync.js';
export type { TenantSuppressionSyncOptions, TenantSuppressionSyncReport } from './tenant-sync.js';
export { emailAddressSchema } from './email-address.js';
