// The built CLI's help, read as the generated references need it (docs/cli.md by
// scripts/cli-reference.mjs, the package README's command list by scripts/readme-reference.mjs).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI. */
export const CLI = fileURLToPath(new URL('../dist/cli/kuratchi-ses.js', import.meta.url));
/**
 * Runs the built CLI; returns its stdout.
 * @param {string[]} args
 */
export function help(args) {
  return execFileSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
}

/**
 * The command groups of `kuratchi-ses --help` (its blocks whose every line is `  command  summary`),
 * in its order: each group's title (without its trailing note in parentheses), that note, and its
 * commands with their one-line summaries.
 * @param {string} main the output of `kuratchi-ses --help`
 * @returns {Array<{ title: string, note: string, commands: Array<{ name: string, summary: string }> }>}
 */
export function commandGroups(main) {
  const groups = [];
  for (const block of main.split('\n\n')) {
    const [title, ...lines] = block.split('\n');
    const commands = lines
      .map((line) => /^ {2}([a-z][a-z-]*) +(\S.*)$/.exec(line))
      .filter((match) => match !== null)
      .map(([, name, summary]) => ({ name, summary }));
    if (!title.endsWith(':') || commands.length !== lines.length || title.startsWith('Exit codes')) continue;
    const [, heading, note = ''] = /^(.*?)(?: \((.*)\))?:$/.exec(title) ?? [];
    groups.push({ title: heading, note, commands });
  }
  return groups;
}
