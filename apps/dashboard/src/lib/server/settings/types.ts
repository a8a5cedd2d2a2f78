import type { z } from 'zod';
import type { SectionName } from './define';
import type { SETTINGS } from './registry';

type Registry = typeof SETTINGS;

/** The name of a setting (`KURATCHI_PARK_TTL_HOURS`, `AWS_REGION`…). */
export type SettingName = keyof Registry;

/** A name a setting had before; still read for one release, with a warning. */
export type OldSettingName = {
  [N in SettingName]: Registry[N] extends { oldName: infer Old extends string } ? Old : never;
}[SettingName];

/**
 * The Worker variables of the registry, as the Worker env holds them: the typed env of
 * `App.Platform['env']` (app.d.ts) extends it. Old names are listed too, for one release.
 */
export type SettingsEnv = { [N in SettingName | OldSettingName]?: string };

/** The validated values of one section, by setting name. */
export type SectionValues<S extends SectionName> = {
  [N in SettingName as Registry[N]['section'] extends S ? N : never]: z.output<Registry[N]['schema']>;
};
