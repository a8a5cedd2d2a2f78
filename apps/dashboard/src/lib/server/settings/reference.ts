import type { SettingDefinition, SectionName } from './define';
import { SETTINGS } from './registry';
import { SECTIONS } from './sections';

/** The command that regenerates the files below from the registry. */
export const REGENERATE_COMMAND = 'node apps/dashboard/scripts/settings-reference.mjs --write';

/** The first and last lines of the generated `[vars]` block of a wrangler config. */
export const VARS_BEGIN = `# Generated from apps/dashboard/src/lib/server/settings/registry.ts by \`${REGENERATE_COMMAND}\`:`;
export const VARS_END = '# (end of the generated [vars] block)';

const entries = () => Object.entries(SETTINGS as Record<string, SettingDefinition>);
const sections = () => Object.keys(SECTIONS) as SectionName[];

/** docs/settings.md: every setting, its section, default, secret or not, description; the renames. */
export function settingsMarkdown(): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = entries().map(
    ([name, s]) =>
      `| \`${name}\` | ${s.section} | ${s.default === undefined ? 'unset' : `\`"${s.default}"\``} | ${s.secret ? 'yes' : 'no'} | ${cell(s.description)} |`,
  );
  const renamed = entries()
    .filter(([, s]) => s.oldName)
    .map(([name, s]) => `| \`${s.oldName}\` | \`${name}\` |`);
  return [
    `<!-- Generated from apps/dashboard/src/lib/server/settings/registry.ts by \`${REGENERATE_COMMAND}\`: edit the registry, not this file. -->`,
    '',
    '# Settings',
    '',
    "Every variable the dashboard Worker reads. Plain ones go under `[vars]` in wrangler.toml (its commented block lists them all), secrets in `wrangler secret put NAME` (`.dev.vars` locally). Our own knobs are `KURATCHI_*`; `AWS_*` are AWS's names for the Worker's own credentials.",
    '',
    "Each section is validated when something first reads it, so a bad setting fails only that part (a bad canary setting stops the canary; the webhook keeps answering), with one error naming every bad variable of the section: `invalid canary settings: KURATCHI_CANARY_INTERVAL_MINUTES: must be at least 10 (the cron's period)`.",
    '',
    '| Name | Section | Default | Secret | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '## Sections',
    '',
    '| Section | Read by |',
    '| --- | --- |',
    ...sections().map((section) => `| ${section} | ${cell(SECTIONS[section].description)} |`),
    '',
    '## Renamed variables',
    '',
    'The old names are still read for one release: set alone, the old name is used and the Worker logs one warning per name (`console.warn`, `deprecated-name`, naming old → new); with both set, the new name wins and the warning says so.',
    '',
    '| Old name | New name |',
    '| --- | --- |',
    ...renamed,
    '',
  ].join('\n');
}

/** The `[vars]` block of the root wrangler.toml: each setting with its description, grouped by section. */
export function wranglerVarsBlock(): string {
  const lines = [
    '[vars]',
    VARS_BEGIN,
    '# edit the registry, not this block. docs/settings.md lists the same settings with their defaults.',
    '# Secrets are set with `wrangler secret put NAME` (`.dev.vars` locally), never here.',
  ];
  for (const section of sections()) {
    lines.push('', `# ── ${section}: ${SECTIONS[section].description}`);
    for (const [name, s] of entries().filter(([, s]) => s.section === section)) {
      const fallback = s.default === undefined ? 'unset' : `default "${s.default}"`;
      if (s.secret) {
        lines.push(`# ${name} (secret: wrangler secret put ${name}): ${s.description}`);
        continue;
      }
      lines.push(`# ${s.description} (${fallback})`);
      const value = s.wrangler ?? s.default ?? s.example ?? '';
      lines.push(`${s.wrangler === undefined ? '# ' : ''}${name} = ${JSON.stringify(value)}`);
    }
  }
  lines.push(VARS_END);
  return lines.join('\n');
}

/**
 * The wrangler config with its `[vars]` block (from `[vars]` to {@link VARS_END}) replaced by
 * {@link wranglerVarsBlock}.
 * @throws {Error} when the config has no generated block to replace.
 */
export function withVarsBlock(toml: string): string {
  const start = toml.indexOf('\n[vars]\n');
  const end = toml.indexOf(VARS_END, start);
  if (start < 0 || end < 0) throw new Error(`no [vars] block ending with "${VARS_END}" to replace`);
  return `${toml.slice(0, start + 1)}${wranglerVarsBlock()}${toml.slice(end + VARS_END.length)}`;
}
