import type { z } from 'zod';

/** One invalid field: its path (`to[1]`, `tags.campaign`) and what is wrong with it. */
export interface InvalidOption {
  path: string;
  message: string;
}

/**
 * The options given to an SDK function are invalid: a programming error, thrown before any I/O.
 * The message names every bad field, e.g. `sendEmail: invalid options: to[1]: must be an email
 * address`; `issues` lists them for code.
 */
export class InvalidOptionsError extends Error {
  override readonly name = 'InvalidOptionsError';
  constructor(
    /** The function whose options were refused (`sendEmail`, `setupSESEventTracking`…). */
    readonly functionName: string,
    readonly issues: readonly InvalidOption[],
  ) {
    super(
      `${functionName}: invalid options: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    );
  }
}

/**
 * Validates `input` with a zod schema.
 * @throws {InvalidOptionsError} naming each invalid field.
 */
export function parseOptions<S extends z.ZodType>(functionName: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidOptionsError(
    functionName,
    result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: messageOf(issue) })),
  );
}

/** A record key's own rule rather than zod's generic "Invalid key in record". */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key' && issue.issues.length) return issue.issues.map((inner) => inner.message).join('; ');
  return issue.message;
}

/** `['to', 1]` -> `to[1]`, `['tags', 'campaign']` -> `tags.campaign`. */
function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text ? `.${String(key)}` : String(key);
  }
  return text;
}
