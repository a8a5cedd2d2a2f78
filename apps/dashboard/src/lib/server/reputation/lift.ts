import { fail, type ActionFailure } from '@sveltejs/kit';
import { InvalidOptionsError, liftSendingPause, NotPausedError } from 'kuratchi-sdk/internal/guard';
import type { SignedIn } from '../auth/sessions';
import { readConfig } from '../config';

/** What the lift form answers: the organisation lifted, or why not (400 invalid, 409 not paused). */
export type LiftOutcome = { lifted: string } | ActionFailure<{ organizationId: string; error: string }>;

/**
 * The superadmin's lift (form fields `organizationId`, `reason`): `liftSendingPause` with the
 * user's address as actor, re-enabling the organisation's configuration set at SES when the
 * Worker has AWS credentials. The caller checks the role first (403 for anyone else).
 * @see https://svelte.dev/docs/kit/form-actions
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
 */
export async function liftFromForm(
  env: DashboardEnv,
  session: SignedIn,
  form: FormData,
  now: Date,
): Promise<LiftOutcome> {
  const organizationId = String(form.get('organizationId') ?? '');
  try {
    await liftSendingPause({
      adminDb: env.ADMIN_DB,
      organizationId,
      actor: session.user.email,
      reason: String(form.get('reason') ?? ''),
      now,
      ses: readConfig(env).ses,
    });
    return { lifted: organizationId };
  } catch (error) {
    if (error instanceof InvalidOptionsError) return fail(400, { organizationId, error: error.message });
    if (error instanceof NotPausedError) return fail(409, { organizationId, error: error.message });
    throw error;
  }
}
