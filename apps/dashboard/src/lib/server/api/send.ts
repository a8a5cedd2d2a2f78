import { createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { createEmailSender } from 'kuratchi-sdk/internal/send';
import { readConfig } from '../config';
import { readSettings } from '../settings/read';
import { idempotent } from './idempotency';
import { ApiProblem } from './problem';
import { apiRoute, json, jsonBody, parseInput } from './route';
import { sendEmailBody } from './schemas';

/**
 * `POST /api/v1/emails`: sends through the SDK's `sendEmail` for the key's organisation, so its
 * rules apply as to any send (the reputation guard's pause, its suppression list, the SDK's tags),
 * from `KURATCHI_MAIL_FROM` unless the body names a `from`. 202 when SES accepted the message;
 * refusals are problems (`recipient-suppressed`, `sending-paused`, `ses-error`). With an
 * `Idempotency-Key` header the first answer is kept 24 hours (idempotency.ts).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export const sendEmailRoute = apiRoute('send', async ({ caller, event }) => {
  const env = event.platform!.env;
  const { text, value } = await jsonBody(event.request);
  const body = parseInput('body', sendEmailBody, value);
  return idempotent(
    env.ADMIN_DB,
    { apiKeyId: caller.keyId, key: event.request.headers.get('idempotency-key'), body: text, now: Date.now() },
    async () => {
      const ses = readConfig(env).ses;
      const from = readSettings(env, 'mail').KURATCHI_MAIL_FROM;
      if (!ses) throw new ApiProblem('sending-unavailable', 'this deployment has no AWS credentials to send with');
      if (!from && !body.from) {
        throw new ApiProblem('invalid-request', 'body.from: is required (this deployment sets no KURATCHI_MAIL_FROM)', {
          errors: [{ path: 'body.from', message: 'is required (this deployment sets no KURATCHI_MAIL_FROM)' }],
        });
      }
      const sender = createEmailSender({
        ses,
        adminDb: env.ADMIN_DB,
        orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env),
        ...(from ? { from } : {}),
      });
      const result = await sender.sendEmail({ ...body, organizationId: caller.organizationId });
      if (result.success && result.emailId && result.id) {
        return json(
          { id: result.emailId, sesMessageId: result.id, ...(result.warnings ? { warnings: result.warnings } : {}) },
          202,
        );
      }
      if (result.paused) throw new ApiProblem('sending-paused', result.paused.message);
      if (result.suppressed) {
        throw new ApiProblem('recipient-suppressed', result.error ?? 'a recipient is suppressed', {
          suppressed: result.suppressed.map((s) => s.emailAddress),
        });
      }
      throw new ApiProblem('ses-error', result.error ?? 'SES refused the message', { id: result.emailId ?? null });
    },
  );
});
