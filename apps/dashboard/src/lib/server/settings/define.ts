import type { z } from 'zod';

/**
 * The sections of the registry. Each is validated on its own, the first time it is read, so a bad
 * setting fails only the code that reads its section (a bad canary setting stops the canary, the
 * webhook keeps answering).
 */
export type SectionName =
  | 'webhook'
  | 'park'
  | 'ops'
  | 'api'
  | 'mail'
  | 'firehose'
  | 'aws'
  | 'alerts'
  | 'reconcile'
  | 'guard'
  | 'canary'
  | 'retention';

/** What a Worker variable holds: a string (wrangler `[vars]` may also give numbers), or nothing. */
export type RawSetting = string | number | boolean | undefined;

/** One Worker variable, described once. */
export interface SettingDefinition<S extends SectionName = SectionName, Schema extends z.ZodType = z.ZodType> {
  /** Which part of the Worker reads it (and fails alone when it is bad). */
  section: S;
  /**
   * Validates and converts the raw value (`default` when unset). Without a default it must
   * accept `undefined` (`.optional()`). Messages follow the name: `must be at least 1`.
   */
  schema: Schema;
  /** The value when unset, as the variable would spell it (`"24"`); none: unset means off. */
  default?: string;
  /** Set with `wrangler secret put NAME`, never in wrangler.toml. */
  secret: boolean;
  /** One line for the settings reference and wrangler.toml. */
  description: string;
  /** The name it had before it got the `KURATCHI_` prefix; still read, with a warning, for one release. */
  oldName?: string;
  /** The value the root wrangler.toml sets (otherwise its line there is a comment). */
  wrangler?: string;
  /** A value shown in wrangler.toml's comment when there is no default. */
  example?: string;
}

/**
 * Declares one setting, keeping its section and schema types exact (the typed env and each
 * section's values are derived from them).
 */
export function setting<S extends SectionName, Schema extends z.ZodType>(
  definition: SettingDefinition<S, Schema>,
): SettingDefinition<S, Schema> {
  return definition;
}
