/**
 * Exit codes of `kuratchi-ses` (documented in its `--help` and in docs/cli.md).
 */
export const EXIT = {
  /** Done: set up, ready, valid, every message accepted. */
  ok: 0,
  /** Done, but the outcome is negative: a step failed, not ready, invalid signature, a non-2xx answer. */
  failed: 1,
  /** The command line is wrong: unknown command or flag, missing or invalid value, unreadable file. */
  usage: 2,
} as const;

/** Text of the exit codes, for help screens. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  failure: a step failed, not ready, invalid signature, a non-2xx answer, an AWS error
  2  usage: unknown command or flag, a missing or invalid value, an unreadable file`;
