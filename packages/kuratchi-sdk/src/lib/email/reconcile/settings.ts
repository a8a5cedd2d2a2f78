/** How reconciliation picks emails and backs off; every time in milliseconds. */
export interface ReconcileSettings {
  /** Only emails sent more than this long ago (SNS normally delivers within seconds). Default 4 h. */
  afterMs: number;
  /**
   * Only emails sent less than this long ago. GetMessageInsights answers about recent messages
   * only; the API reference names no retention, so the default (30 days) is a bound, not a
   * promise: an older message answers NotFoundException and is not asked again.
   */
  lookBackMs: number;
  /** Most emails asked about per run (at one a second). Default 50. */
  maxPerRun: number;
  /** An email SES knew nothing more about is asked again after this. Default 6 h. */
  retryAfterMs: number;
  /** …until this long after it was first asked: then it is given up. Default 72 h. */
  giveUpAfterMs: number;
}

const HOUR_MS = 3_600_000;

/**
 * The defaults of {@link ReconcileSettings}.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 */
export const DEFAULT_RECONCILE_SETTINGS: Readonly<ReconcileSettings> = Object.freeze({
  afterMs: 4 * HOUR_MS,
  lookBackMs: 30 * 24 * HOUR_MS,
  maxPerRun: 50,
  retryAfterMs: 6 * HOUR_MS,
  giveUpAfterMs: 72 * HOUR_MS,
});

/**
 * When to ask about an email again after SES knew nothing more, or null to give up: once the
 * next ask would fall more than `giveUpAfterMs` after the first.
 */
export function nextAskAt(firstAskedAt: number, askedAt: number, settings: ReconcileSettings): number | null {
  const next = askedAt + settings.retryAfterMs;
  return next - firstAskedAt > settings.giveUpAfterMs ? null : next;
}
