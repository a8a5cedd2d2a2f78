import type { D1Database } from '@cloudflare/workers-types';
import { z } from 'zod';
import { parseOptions } from '../shared/invalid-options.js';
import { createD1ReputationGuardStore, type ReputationGuardState } from './d1-guard-store.js';
import { setSendingAtSes } from './at-ses.js';
import type { SesClientInput } from '../ses/client.js';
import { NotPausedError } from './errors.js';

/** What {@link liftSendingPause} needs. */
export interface LiftSendingPauseOptions {
  adminDb: D1Database;
  organizationId: string;
  /** Who lifts the pause (a superadmin's address), kept in the audit log. */
  actor: string;
  /** Why (required), kept in the audit log. */
  reason: string;
  now: Date;
  /** The Worker's SESv2 client, to reinstate the organisation's tenant or configuration set; null: none. */
  ses?: SesClientInput | null;
}

const liftSchema = z.object({
  organizationId: z.string().min(1, 'is required'),
  actor: z.string().trim().min(1, 'is required').max(320),
  reason: z.string().trim().min(3, 'is required (at least 3 characters)').max(1000, 'must be at most 1000 characters'),
});

/**
 * Lifts an organisation's pause: its state becomes `ok` with a re-arm time of now (recipients sent
 * before it no longer count towards a new pause, see `evaluateReputationGuard`), an audit entry
 * keeps who, why and the rates at the time, and at SES its tenant is reinstated (when tenants are
 * on; retried by the tenant cron when that fails) or else its own configuration set, if any, is
 * re-enabled (retried by later evaluations when that fails).
 * @throws {InvalidOptionsError} without a reason or actor; {@link NotPausedError} when not paused.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
 */
export async function liftSendingPause(options: LiftSendingPauseOptions): Promise<ReputationGuardState> {
  const { organizationId, actor, reason } = parseOptions('liftSendingPause', liftSchema, options);
  const store = createD1ReputationGuardStore(options.adminDb);
  const current = await store.getState(organizationId);
  if (current?.state !== 'paused') throw new NotPausedError(organizationId);
  const now = options.now.getTime();
  const change = await setSendingAtSes({
    adminDb: options.adminDb,
    ses: options.ses,
    organizationId,
    enabled: true,
    now,
    configurationSetOf: () => store.configurationSetOf(organizationId),
  });
  const next: ReputationGuardState = {
    ...current,
    state: 'ok',
    since: now,
    metric: null,
    rate: null,
    threshold: null,
    rearmAfter: now,
    // A failed re-enable is retried by the next evaluations (evaluateReputationGuard); a call
    // started by the cron before this one ended makes it pending again (ConfigurationSetCall).
    configurationSetSending: change?.sending ?? current.configurationSetSending,
  };
  await store.saveState(
    next,
    {
      organizationId,
      action: 'lift',
      actor,
      reason,
      bounceRate: current.bounceRate,
      complaintRate: current.complaintRate,
      recipients: current.recipients,
      configurationSet: change?.note ?? null,
      at: now,
    },
    change?.call,
  );
  return next;
}
