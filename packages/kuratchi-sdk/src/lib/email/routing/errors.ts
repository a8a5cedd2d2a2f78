/**
 * Domain errors of routing an event to its organisation and of binding an email to its SES
 * message id, each with a `code` union that says which rule failed.
 */

/**
 * Why an organisation's database could not be resolved.
 * @see https://developers.cloudflare.com/d1/worker-api/ (D1 bindings)
 */
export type OrgDatabaseErrorCode =
  'admin-db-missing' | 'organization-not-found' | 'binding-missing' | 'organization-moving';

/**
 * An organisation's database could not be resolved: the admin database binding is missing,
 * the organisation is unknown, its database binding (D1 or Durable Object namespace) is not bound
 * to this Worker, or it is being moved to a Durable Object (`organization-moving`, for the
 * minutes of `kuratchi-ses org migrate`). What the
 * resolver port (`OrgEmailStoreResolver`, `ports.ts`) throws: the sink reads
 * `organization-not-found` as a missing email row; the route answers the others with 503, so SNS
 * delivers again.
 * @see https://developers.cloudflare.com/d1/worker-api/ (D1 bindings)
 */
export class OrgDatabaseError extends Error {
  override readonly name = 'OrgDatabaseError';
  constructor(
    readonly code: OrgDatabaseErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why a row could not be bound to an SES message id (see {@link MessageBindingError}).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export type MessageBindingErrorCode =
  'email-missing' | 'email-bound-to-other-message' | 'message-routed-to-other-email';

/**
 * Binding an email row (or an `email_message_lookup` row) to an SES message id was refused:
 * the row is already bound to another message, the message already routes elsewhere, or the
 * row does not exist. Nothing was changed: a binding is never silently kept or taken over.
 * `existing` names what the row is bound to (an SES message id, or `organisation/email`).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html (the MessageId SES assigns)
 */
export class MessageBindingError extends Error {
  override readonly name = 'MessageBindingError';
  constructor(
    readonly code: MessageBindingErrorCode,
    readonly emailId: string,
    readonly sesMessageId: string,
    readonly existing: string | null,
  ) {
    super(bindingMessage(code, emailId, sesMessageId, existing));
  }
}

function bindingMessage(
  code: MessageBindingErrorCode,
  emailId: string,
  sesMessageId: string,
  existing: string | null,
): string {
  switch (code) {
    case 'email-missing':
      return `email ${emailId} does not exist: it cannot be bound to SES message ${sesMessageId}`;
    case 'email-bound-to-other-message':
      return `email ${emailId} is already bound to SES message ${existing}, not ${sesMessageId}: the binding was kept and this message's events will not be applied to it`;
    case 'message-routed-to-other-email':
      return `SES message ${sesMessageId} already routes to ${existing}, not to email ${emailId}: the route was kept`;
  }
}
