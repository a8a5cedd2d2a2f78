import { GetAccountCommand, type SESv2Client } from '@aws-sdk/client-sesv2';

/** Whether the SES account can answer GetMessageInsights, and what to tell the admin if not. */
export type VdmStatus = { enabled: true } | { enabled: false; message: string };

/** What reconciliation says when Virtual Deliverability Manager is off (shown by the job, the API and the CLI). */
export const VDM_OFF_MESSAGE =
  'Virtual Deliverability Manager is not enabled on this account: enable it in the SES console ' +
  '(Virtual Deliverability Manager > Settings) or with `aws sesv2 put-account-vdm-attributes ' +
  '--vdm-attributes VdmEnabled=ENABLED`, or reconciliation stays off';

/**
 * Reads the account's Virtual Deliverability Manager state (`GetAccount` → `VdmAttributes.VdmEnabled`):
 * GetMessageInsights needs it. Absent attributes mean it was never enabled.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetAccount.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_VdmAttributes.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/vdm-settings.html
 */
export async function readVdmStatus(client: SESv2Client): Promise<VdmStatus> {
  const account = await client.send(new GetAccountCommand({}));
  return account.VdmAttributes?.VdmEnabled === 'ENABLED'
    ? { enabled: true }
    : { enabled: false, message: VDM_OFF_MESSAGE };
}
