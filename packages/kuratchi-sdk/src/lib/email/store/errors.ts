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
