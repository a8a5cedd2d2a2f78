/** Why an organisation's database could not be resolved. */
export type OrgDatabaseErrorCode = 'admin-db-missing' | 'organization-not-found' | 'binding-missing';

/**
 * An organisation's D1 database could not be resolved: the admin database binding is missing,
 * the organisation is unknown, or its database binding is not bound to this Worker.
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
