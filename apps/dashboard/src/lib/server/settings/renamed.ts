import type { RawSetting } from './define';

/** A setting's raw value and the variable it came from (its name, or its old name). */
export interface ResolvedSetting {
  value: RawSetting;
  /** The variable that was read, to name in errors. */
  from: string;
}

/**
 * Names already warned about in this isolate: one warning per name per isolate, however many
 * requests read it. Module state on purpose (a Worker isolate outlives its requests); it only
 * ever grows by the handful of old names.
 */
const warned = new Set<string>();

/**
 * Reads a setting that may still be set under its old name (for one release after a rename):
 * the new name wins when both are set; the old one alone is used. Either case logs one warning
 * per old name per isolate (`console.warn`, a JSON line naming old → new).
 */
export function readRenamed(env: Readonly<Record<string, unknown>>, name: string, oldName?: string): ResolvedSetting {
  const value = env[name] as RawSetting;
  if (oldName === undefined) return { value, from: name };
  const old = env[oldName] as RawSetting;
  if (old === undefined) return { value, from: name };
  if (value !== undefined) {
    warnOnce(oldName, `both ${name} and ${oldName} are set: using ${name}; remove ${oldName}`, name);
    return { value, from: name };
  }
  warnOnce(oldName, `${oldName} is deprecated: rename it ${name} (the old name is read until the next release)`, name);
  return { value: old, from: oldName };
}

function warnOnce(oldName: string, message: string, name: string): void {
  if (warned.has(oldName)) return;
  warned.add(oldName);
  console.warn(
    JSON.stringify({ msg: 'settings', outcome: 'deprecated-name', deprecated: oldName, use: name, message }),
  );
}
