// Polling with a deadline, for tests, harnesses and scripts that wait for something to happen
// (a server to answer, a row to appear): never a fixed sleep, which is too short on a busy machine
// and too long on an idle one. The deadline is a bound on what is awaited, not a guess at how
// long it takes; on failure the error names what was awaited and what the last try saw.

/**
 * Calls `condition` until it returns a value other than `undefined`, `null` or `false`, and
 * resolves to that value; rejects once `deadlineMs` has passed since the call (or as soon as
 * `giveUp` returns a reason, e.g. the awaited process exited).
 * @template T
 * @param {() => T | Promise<T>} condition one try; a thrown error counts as "not yet" (its message
 *   is reported if the deadline passes)
 * @param {{ deadlineMs: number, what: string, intervalMs?: number, giveUp?: () => string | null | undefined | false }} options
 *   `what`: the awaited thing, for the error ("the dashboard to answer on …")
 * @returns {Promise<Exclude<T, undefined | null | false>>}
 */
export async function waitFor(condition, { deadlineMs, what, intervalMs = 100, giveUp }) {
  if (!(deadlineMs > 0)) throw new TypeError(`waitFor(${what}): deadlineMs must be a positive number`);
  const started = Date.now();
  let last;
  for (let tries = 1; ; tries++) {
    try {
      const value = await condition();
      if (value !== undefined && value !== null && value !== false)
        return /** @type {Exclude<T, undefined | null | false>} */ (value);
      last = `the last try gave ${String(value)}`;
    } catch (error) {
      last = `the last try threw ${error instanceof Error ? error.message : String(error)}`;
    }
    const reason = giveUp?.();
    if (reason) throw new Error(`gave up waiting for ${what}: ${reason} (${last})`);
    const elapsed = Date.now() - started;
    if (elapsed >= deadlineMs)
      throw new Error(
        `timed out after ${(elapsed / 1000).toFixed(1)} s and ${tries} tries waiting for ${what} (${last})`,
      );
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, deadlineMs - elapsed)));
  }
}
