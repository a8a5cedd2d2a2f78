/** The command line is wrong (exit code 2): the message says what to change. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
