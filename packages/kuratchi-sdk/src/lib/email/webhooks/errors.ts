/**
 * Why an endpoint or a change to it was refused: `invalid-url` (not https, or an address a
 * customer's endpoint may not have), `invalid-event-types`, `not-found` (no such endpoint in
 * this organisation). The dashboard answers 400 for the first two, 404 for the last.
 */
export type WebhookEndpointErrorCode = 'invalid-url' | 'invalid-event-types' | 'not-found';

/** A refused endpoint or change, with a message an admin can act on. */
export class WebhookEndpointError extends Error {
  override readonly name = 'WebhookEndpointError';
  constructor(
    readonly code: WebhookEndpointErrorCode,
    message: string,
  ) {
    super(message);
  }
}
