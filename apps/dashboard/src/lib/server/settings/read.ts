import type { SettingDefinition, SectionName } from './define';
import { ConfigError, settingsError, type SettingProblem } from './errors';
import { SETTINGS } from './registry';
import { readRenamed } from './renamed';
import { SECTIONS } from './sections';
import type { SectionValues } from './types';

/** Validated sections per env object: a Worker's env lives as long as its isolate. */
const validated = new WeakMap<object, Map<SectionName, unknown>>();

/** The settings of one section, with their names. */
export function settingsOf(section: SectionName): Array<[string, SettingDefinition]> {
  return Object.entries(SETTINGS as Record<string, SettingDefinition>).filter(([, s]) => s.section === section);
}

/**
 * Reads and validates one section of the registry from the Worker env, once per env object (a
 * failure is not kept: it is checked again next time). Unset variables take their default; a
 * variable set under its old name is read, with a warning (see `readRenamed`).
 * @throws {ConfigError} `invalid <section> settings: NAME: problem; …`, naming every bad variable
 *   as it was set (`SES_PARK_TTL_HOURS (old name of KURATCHI_PARK_TTL_HOURS)`).
 */
export function readSettings<S extends SectionName>(env: object, section: S): SectionValues<S> {
  const cached = validated.get(env)?.get(section);
  if (cached) return cached as SectionValues<S>;
  const values: Record<string, unknown> = {};
  const problems: SettingProblem[] = [];
  const labels = new Map<string, string>();
  for (const [name, definition] of settingsOf(section)) {
    const { value, from } = readRenamed(env as Record<string, unknown>, name, definition.oldName);
    if (from !== name) labels.set(name, `${from} (old name of ${name})`);
    const result = definition.schema.safeParse(value ?? definition.default);
    if (result.success) values[name] = result.data;
    else for (const issue of result.error.issues) problems.push({ name, message: issueMessage(issue) });
  }
  if (!problems.length) problems.push(...(SECTIONS[section].rules?.(values as never) ?? []));
  if (problems.length) {
    throw settingsError(
      section,
      problems.map((problem) => ({ ...problem, name: labels.get(problem.name) ?? problem.name })),
    );
  }
  let sections = validated.get(env);
  if (!sections) validated.set(env, (sections = new Map()));
  sections.set(section, values);
  return values as SectionValues<S>;
}

/**
 * Every bad section's {@link ConfigError} message (empty: all valid), for the superadmin's
 * overview: the webhook and the Firehose endpoint name no setting to their callers, only to the
 * log and there.
 */
export function settingsProblems(env: object): string[] {
  const problems: string[] = [];
  for (const section of Object.keys(SECTIONS) as SectionName[]) {
    try {
      readSettings(env, section);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  return problems;
}

/** A zod issue as the rest of a `NAME: …` line; items of a list are numbered from 1. */
function issueMessage(issue: { path: PropertyKey[]; message: string }): string {
  const [index] = issue.path;
  return typeof index === 'number' ? `item ${index + 1} ${issue.message}` : issue.message;
}
