import { z } from 'zod';
import { parseOptions } from '../shared/invalid-options.js';
import { MAX_GUARD_WINDOW_DAYS } from '../shared/reputation-marks-sql.js';

/** The two rates the guard watches, as SES's reputation metrics name them. */
export type ReputationMetric = 'bounce' | 'complaint';

/**
 * The rates at which SES places an account under review: a bounce rate of 5 % and a complaint
 * rate of 0.1 % (and at 10 % / 0.5 % it may pause the account's sending). The guard's thresholds
 * must be below the review levels: it acts on one organisation before SES acts on all of them.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 */
export const SES_REVIEW_LEVELS: Readonly<Record<ReputationMetric, { review: number; atRisk: number }>> = {
  bounce: { review: 0.05, atRisk: 0.1 },
  complaint: { review: 0.001, atRisk: 0.005 },
};

/** Warn and pause thresholds of one metric, as fractions (0.02 = 2 %). */
export interface MetricThresholds {
  warn: number;
  pause: number;
}

/**
 * The guard's settings. SES computes its account rates over a "representative volume" of mail
 * rather than a fixed period, and shows no verdict until that volume is reached; a per-tenant
 * guard needs a period to compare organisations, so it uses a trailing window with a minimum
 * number of recipients before any verdict.
 * @see https://aws.amazon.com/blogs/messaging-and-targeting/announcing-the-reputation-dashboard/
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export interface ReputationGuardSettings {
  /** Length of the trailing (long) window, in days (default 7). */
  windowDays: number;
  /**
   * Length of the short window, in minutes (default 60; 0 turns it off): judged beside the long
   * window with {@link SHORT_WINDOW}'s minimums and thresholds, so a burst pauses within the hour.
   */
  shortWindowMinutes: number;
  /** Recipients sent to in the window below which no verdict is given (default 200). */
  minRecipients: number;
  /**
   * The evidence minimum: distinct recipient addresses that bounced (complained) in the window
   * below which that rate neither warns nor pauses (defaults 50 and 10; see `reputationVerdict`).
   */
  minEvidence: Record<ReputationMetric, number>;
  thresholds: Record<ReputationMetric, MetricThresholds>;
}

/** What {@link parseReputationGuardSettings} accepts: any field may be left out for its default. */
export interface ReputationGuardSettingsInput {
  windowDays?: number;
  shortWindowMinutes?: number;
  minRecipients?: number;
  minEvidence?: Partial<Record<ReputationMetric, number>>;
  thresholds?: { bounce?: Partial<MetricThresholds>; complaint?: Partial<MetricThresholds> };
}

/**
 * The defaults: bounce warn 2 %, pause 4 %; complaint warn 0.05 %, pause 0.08 %; 7 days; 200
 * recipients; evidence minimum 50 bounced and 10 complaining addresses, the 24-hour minimums of a
 * published guard on SES (PostHog's; our window is longer, so at least as strict); a short window
 * of 60 minutes. Decision records: docs/decisions/2026-12-06-guard-verdict-needs-evidence.md,
 * docs/decisions/2026-12-06-guard-two-windows.md.
 * @see https://github.com/PostHog/posthog/pull/89879
 */
export const DEFAULT_REPUTATION_GUARD_SETTINGS: ReputationGuardSettings = {
  windowDays: 7,
  shortWindowMinutes: 60,
  minRecipients: 200,
  minEvidence: { bounce: 50, complaint: 10 },
  thresholds: { bounce: { warn: 0.02, pause: 0.04 }, complaint: { warn: 0.0005, pause: 0.0008 } },
};

/**
 * The short window's own minimums and thresholds (not settings): 200 recipients, 20 bounced and 5
 * complaining addresses, and thresholds at twice the long window's. A published guard on SES
 * (PostHog's, hourly) judges 1 h at these minimums with thresholds 2 (bounce) to 3.3 (complaint)
 * times its 24 h ones; twice ours keeps a burst's verdict on a small sample from pausing at a
 * rate the long window would only warn about.
 * @see https://github.com/PostHog/posthog/pull/89879
 */
export const SHORT_WINDOW = {
  minRecipients: 200,
  minEvidence: { bounce: 20, complaint: 5 },
  thresholdFactor: 2,
} as const;

/**
 * The settings the short window is judged with (`reputationVerdict` takes them as it takes the
 * long window's): {@link SHORT_WINDOW}'s minimums, the long window's thresholds times its factor.
 */
export function shortWindowSettings(settings: ReputationGuardSettings): ReputationGuardSettings {
  const times = ({ warn, pause }: MetricThresholds) => ({
    warn: warn * SHORT_WINDOW.thresholdFactor,
    pause: pause * SHORT_WINDOW.thresholdFactor,
  });
  return {
    ...settings,
    minRecipients: SHORT_WINDOW.minRecipients,
    minEvidence: { ...SHORT_WINDOW.minEvidence },
    thresholds: { bounce: times(settings.thresholds.bounce), complaint: times(settings.thresholds.complaint) },
  };
}

const percent = (fraction: number) => `${+(fraction * 100).toFixed(4)} %`;

function metricSchema(metric: ReputationMetric) {
  const review = SES_REVIEW_LEVELS[metric].review;
  const defaults = DEFAULT_REPUTATION_GUARD_SETTINGS.thresholds[metric];
  const rate = z
    .number()
    .gt(0, 'must be a rate above 0')
    .lt(review, `must be below SES's review level of ${percent(review)} (a fraction: 0.02 is 2 %)`);
  return z
    .object({ warn: rate.default(defaults.warn), pause: rate.default(defaults.pause) })
    .strict()
    .default(defaults)
    .refine((t) => t.warn < t.pause, { message: 'warn must be below pause' });
}

function evidenceSchema(metric: ReputationMetric) {
  return z
    .number()
    .int('must be a whole number of recipient addresses')
    .min(1, 'must be at least 1')
    .default(DEFAULT_REPUTATION_GUARD_SETTINGS.minEvidence[metric]);
}

const settingsSchema = z
  .object({
    windowDays: z
      .number()
      .int('must be a whole number of days')
      .min(1, 'must be at least 1 day')
      .max(MAX_GUARD_WINDOW_DAYS, `must be at most ${MAX_GUARD_WINDOW_DAYS} days`)
      .default(DEFAULT_REPUTATION_GUARD_SETTINGS.windowDays),
    shortWindowMinutes: z
      .number()
      .int('must be a whole number of minutes')
      .min(0, 'must be 0 (off) or more')
      .max(1440, 'must be at most 1440 minutes (a day)')
      .default(DEFAULT_REPUTATION_GUARD_SETTINGS.shortWindowMinutes),
    minRecipients: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .default(DEFAULT_REPUTATION_GUARD_SETTINGS.minRecipients),
    minEvidence: z
      .object({ bounce: evidenceSchema('bounce'), complaint: evidenceSchema('complaint') })
      .strict()
      .default(DEFAULT_REPUTATION_GUARD_SETTINGS.minEvidence),
    thresholds: z
      .object({ bounce: metricSchema('bounce'), complaint: metricSchema('complaint') })
      .strict()
      .default(DEFAULT_REPUTATION_GUARD_SETTINGS.thresholds),
  })
  .strict();

/**
 * Validates the guard's settings and fills in the defaults. Thresholds are fractions, each below
 * SES's review level (5 % bounce, 0.1 % complaint), warn below pause.
 * @throws {InvalidOptionsError} naming each invalid field.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 */
export function parseReputationGuardSettings(input: ReputationGuardSettingsInput = {}): ReputationGuardSettings {
  return parseOptions('reputationGuardSettings', settingsSchema, input);
}
