/**
 * `sendEmail` refused the message: SES has disabled sending for the organisation's tenant, by
 * the reputation guard's pause (its customer-managed status) or by SES itself (its own status).
 * `atSes` says who noticed: false, the tenant's status as last read (SES was not called, nothing
 * was written); true, SES refused the send (the email row is `failed`).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Tenant.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export class TenantSendingDisabledError extends Error {
  override readonly name = 'TenantSendingDisabledError';
  /** The stable code HTTP paths answer with. */
  readonly code = 'tenant-sending-disabled';
  constructor(
    readonly organizationId: string,
    readonly tenantName: string,
    readonly atSes: boolean,
  ) {
    super(
      `not sent: sending for organisation ${organizationId} is disabled at SES (its tenant ${tenantName} is DISABLED` +
        `${atSes ? ': SES refused the message' : ''}), by the reputation guard's pause or by SES itself; ` +
        'see `kuratchi-ses reputation`: a lift reinstates the tenant, and SES lifts its own',
    );
  }
}
