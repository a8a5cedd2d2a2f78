import {
  InvalidOptionsError,
  parseReputationGuardSettings,
  type ReputationGuardSettings,
} from 'kuratchi-sdk/internal/guard';
import type { SectionName } from './define';
import type { SettingProblem } from './errors';
import type { SectionValues } from './types';

/** A section: what reads it, and the rules between its settings (each setting's own are its schema). */
export interface SectionDefinition<S extends SectionName> {
  /** What reads the section (one line of the settings reference). */
  description: string;
  /** Problems between valid settings of the section (`must be set together with AWS_ACCESS_KEY_ID`). */
  rules?: (values: SectionValues<S>) => SettingProblem[];
}

/** The guard's variables and the field of the SDK's settings each one fills (thresholds in percent). */
const GUARD_FIELDS = {
  KURATCHI_GUARD_WINDOW_DAYS: 'windowDays',
  KURATCHI_GUARD_SHORT_WINDOW_MINUTES: 'shortWindowMinutes',
  KURATCHI_GUARD_MIN_RECIPIENTS: 'minRecipients',
  KURATCHI_GUARD_MIN_BOUNCED_ADDRESSES: 'minEvidence.bounce',
  KURATCHI_GUARD_MIN_COMPLAINED_ADDRESSES: 'minEvidence.complaint',
  KURATCHI_GUARD_BOUNCE_WARN_PERCENT: 'thresholds.bounce.warn',
  KURATCHI_GUARD_BOUNCE_PAUSE_PERCENT: 'thresholds.bounce.pause',
  KURATCHI_GUARD_COMPLAINT_WARN_PERCENT: 'thresholds.complaint.warn',
  KURATCHI_GUARD_COMPLAINT_PAUSE_PERCENT: 'thresholds.complaint.pause',
} as const;

/**
 * The guard's settings from its variables, through the SDK's rules (each threshold below SES's
 * review level, warn below pause).
 * @throws {InvalidOptionsError} as `parseReputationGuardSettings` does.
 */
export function guardSettingsOf(values: SectionValues<'guard'>): ReputationGuardSettings {
  const fraction = (percent: number) => percent / 100;
  return parseReputationGuardSettings({
    windowDays: values.KURATCHI_GUARD_WINDOW_DAYS,
    shortWindowMinutes: values.KURATCHI_GUARD_SHORT_WINDOW_MINUTES,
    minRecipients: values.KURATCHI_GUARD_MIN_RECIPIENTS,
    minEvidence: {
      bounce: values.KURATCHI_GUARD_MIN_BOUNCED_ADDRESSES,
      complaint: values.KURATCHI_GUARD_MIN_COMPLAINED_ADDRESSES,
    },
    thresholds: {
      bounce: {
        warn: fraction(values.KURATCHI_GUARD_BOUNCE_WARN_PERCENT),
        pause: fraction(values.KURATCHI_GUARD_BOUNCE_PAUSE_PERCENT),
      },
      complaint: {
        warn: fraction(values.KURATCHI_GUARD_COMPLAINT_WARN_PERCENT),
        pause: fraction(values.KURATCHI_GUARD_COMPLAINT_PAUSE_PERCENT),
      },
    },
  });
}

/** The SDK's guard issues, named by variable (`thresholds.bounce` is the warn and pause pair). */
function guardProblems(values: SectionValues<'guard'>): SettingProblem[] {
  try {
    guardSettingsOf(values);
    return [];
  } catch (error) {
    if (!(error instanceof InvalidOptionsError)) throw error;
    const byField = new Map<string, string>(Object.entries(GUARD_FIELDS).map(([name, field]) => [field, name]));
    return error.issues.map((issue) => ({
      name:
        byField.get(issue.path) ??
        [byField.get(`${issue.path}.warn`), byField.get(`${issue.path}.pause`)].filter(Boolean).join(' / '),
      // The SDK speaks in fractions; these variables are percents.
      message: issue.message.replace(/ \(a fraction: 0\.02 is 2 %\)/, ''),
    }));
  }
}

/** Every section, described once. */
export const SECTIONS: { [S in SectionName]: SectionDefinition<S> } = {
  webhook: {
    description: 'The SNS webhook (/api/webhooks/ses-events): which topics and credentials it trusts.',
    rules: (v) =>
      v.KURATCHI_ENVIRONMENT !== 'development' && v.KURATCHI_SNS_DEV_CERTIFICATE_PEM !== undefined
        ? [
            {
              name: 'KURATCHI_SNS_DEV_CERTIFICATE_PEM',
              message: 'is development-only: refused while KURATCHI_ENVIRONMENT is production',
            },
          ]
        : [],
  },
  park: { description: 'The park: events whose email is not known yet (the webhook, the queue consumer, the sweep).' },
  ops: { description: 'The operations API (/api/ops/*).' },
  api: { description: "The REST API of organisations' software (/api/v1/, API keys)." },
  mail: {
    description:
      "The dashboard's own mail: invitations and set-password links, sent with sendEmail and the Worker's AWS_* credentials.",
  },
  firehose: { description: 'The Amazon Data Firehose HTTP endpoint (/api/firehose/ses-events).' },
  aws: {
    description: "The Worker's own SESv2 calls: the canary, reconciliation, the guard's pause.",
    rules: (v) => [
      ...((v.AWS_ACCESS_KEY_ID === undefined) !== (v.AWS_SECRET_ACCESS_KEY === undefined)
        ? [{ name: 'AWS_SECRET_ACCESS_KEY', message: 'must be set together with AWS_ACCESS_KEY_ID' }]
        : []),
      ...(v.AWS_ACCESS_KEY_ID !== undefined && v.AWS_REGION === undefined
        ? [{ name: 'AWS_REGION', message: 'is required when AWS_ACCESS_KEY_ID is set' }]
        : []),
    ],
  },
  alerts: { description: 'The health panel and the alerts job.' },
  reconcile: {
    description: 'Reconciliation: the reconcile job and `kuratchi-ses reconcile` (SESv2 GetMessageInsights).',
    rules: (v) =>
      v.KURATCHI_RECONCILE_GIVE_UP_HOURS < v.KURATCHI_RECONCILE_RETRY_HOURS
        ? [{ name: 'KURATCHI_RECONCILE_GIVE_UP_HOURS', message: 'must be at least KURATCHI_RECONCILE_RETRY_HOURS' }]
        : [],
  },
  guard: {
    description: "The reputation guard: the reputation-guard job, the organisations' rates and pauses.",
    rules: guardProblems,
  },
  canary: {
    description: 'The canary: the canary job and `kuratchi-ses canary` (the SES mailbox simulator).',
    rules: (v) =>
      v.KURATCHI_CANARY_ORGANIZATION_ID !== undefined && v.KURATCHI_CANARY_FROM === undefined
        ? [{ name: 'KURATCHI_CANARY_FROM', message: 'is required with KURATCHI_CANARY_ORGANIZATION_ID' }]
        : [],
  },
  retention: {
    description:
      "The retention-purge job's defaults, the organisations' retention, proofs of expired messages, the archive's R2 lifecycle rule.",
    rules: (v) =>
      v.KURATCHI_RETENTION_EVENTS_DAYS > v.KURATCHI_RETENTION_EMAILS_DAYS
        ? [
            {
              name: 'KURATCHI_RETENTION_EVENTS_DAYS',
              message: 'must not be longer than KURATCHI_RETENTION_EMAILS_DAYS (events are deleted with their email)',
            },
          ]
        : [],
  },
};
