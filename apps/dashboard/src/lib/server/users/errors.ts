/**
 * Why a change to users or organisations was refused; nothing was written. Each code has one
 * HTTP status ({@link USER_ERROR_STATUS}): the operations API answers it as JSON, the dashboard's
 * forms with the same status and message.
 */
export type UserErrorCode =
  | 'invalid-request'
  | 'user-exists'
  | 'user-not-found'
  | 'organization-exists'
  | 'organization-not-found'
  | 'organization-moving'
  | 'binding-missing'
  | 'binding-taken'
  | 'own-account';

/**
 * The HTTP status of each refusal: 400 for input that cannot be right, 404 for a user or
 * organisation that does not exist, 409 for a conflict with what exists (a taken address or id,
 * a D1 database another organisation uses, removing one's own account or an organisation being moved).
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-client-error-4xx
 */
export const USER_ERROR_STATUS: Record<UserErrorCode, 400 | 404 | 409> = {
  'invalid-request': 400,
  'binding-missing': 400,
  'user-not-found': 404,
  'organization-not-found': 404,
  'user-exists': 409,
  'organization-exists': 409,
  'binding-taken': 409,
  'own-account': 409,
  'organization-moving': 409,
};

/** A refused change to users or organisations (see {@link UserErrorCode}); nothing was written. */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The operations API's answer: `{ error: code, message }` with the code's status. */
  toResponse(): Response {
    return Response.json({ error: this.code, message: this.message }, { status: USER_ERROR_STATUS[this.code] });
  }
}
