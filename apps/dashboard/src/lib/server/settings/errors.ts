/** One bad setting: the variable (or binding) and what is wrong with it. */
export interface SettingProblem {
  /** The variable or binding as the operator set it (`KURATCHI_PARK_TTL_HOURS`, `ADMIN_DB`). */
  name: string;
  /** What is wrong, phrased to follow the name (`must be at least 1`). */
  message: string;
}

/**
 * The configuration is missing or invalid. The message names every bad variable or binding of
 * one section, in one format: `invalid <section> settings: NAME: problem; NAME: problem`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    message: string,
    /** Each bad variable or binding; empty when the message is not about one (no env at all). */
    readonly problems: readonly SettingProblem[] = [],
  ) {
    super(message);
  }
}

/**
 * The one error of a section with bad settings.
 * @example settingsError('park', [{ name: 'KURATCHI_PARK_TTL_HOURS', message: 'must be…' }])
 */
export function settingsError(section: string, problems: readonly SettingProblem[]): ConfigError {
  const list = problems.map((problem) => `${problem.name}: ${problem.message}`).join('; ');
  return new ConfigError(`invalid ${section} settings: ${list}`, problems);
}
