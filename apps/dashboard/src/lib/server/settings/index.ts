// The settings registry: every Worker variable once (registry.ts), read one section at a time.
export { ConfigError, type SettingProblem } from './errors';
export type { SectionName, SettingDefinition } from './define';
export { readSettings, settingsProblems } from './read';
export { SETTINGS, RECONCILE_MAX_PER_RUN_LIMIT } from './registry';
export { SECTIONS } from './sections';
export type { OldSettingName, SectionValues, SettingName, SettingsEnv } from './types';
