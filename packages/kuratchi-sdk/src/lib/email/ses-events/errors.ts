/** The domain error of SES event parsing, with a `code` union that says which rule failed. */

/** Why the `Message` of a verified notification is not an SES event record. */
export type SesEventParseErrorCode = 'not-json' | 'unknown-event-type' | 'invalid-event';

/**
 * The SNS `Message` is not an SES event record SES could have written.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export class SesEventParseError extends Error {
  override readonly name = 'SesEventParseError';
  constructor(
    readonly code: SesEventParseErrorCode,
    message: string,
  ) {
    super(message);
  }
}
