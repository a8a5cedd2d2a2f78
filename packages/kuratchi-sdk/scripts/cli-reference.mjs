// Generates the reference part of docs/cli.md from the built CLI's help: `kuratchi-ses --help`,
// then each command's `--help`, in the order and groups of that list. The help texts are the
// single source of each command's facts; the file keeps its hand-written introduction (everything
// above MARKER) and the rest is regenerated.
//
//   node scripts/cli-reference.mjs           print what docs/cli.md should hold
//   node scripts/cli-reference.mjs --write   write it, and the package README's command list
//                                            (scripts/readme-reference.mjs), after `pnpm run build`
//   node scripts/cli-reference.mjs --check   exit 1 when either differs
//
// test/node/cli-reference.test.mjs runs the check of docs/cli.md; the docs check, the README's.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { commandGroups, help } from './cli-help.mjs';
import * as readme from './readme-reference.mjs';

/** The document, at the repository's root. */
export const DOC = fileURLToPath(new URL('../../../docs/cli.md', import.meta.url));
/** The command that regenerates the document, for messages. */
export const REGENERATE = 'pnpm --filter kuratchi-sdk run build && pnpm --filter kuratchi-sdk run cli-reference';
/** Everything below this line is generated. */
export const MARKER = `<!-- Generated from each command's --help by packages/kuratchi-sdk/scripts/cli-reference.mjs: edit the help texts in packages/kuratchi-sdk/src/cli/commands/, then run \`${REGENERATE}\`. -->`;

const fence = (text) => `\`\`\`text\n${text.trimEnd()}\n\`\`\``;

/** The generated part: the command list, then one section per command under its group. */
export function reference() {
  const main = help(['--help']);
  const parts = ['## `kuratchi-ses --help`', fence(main)];
  for (const group of commandGroups(main)) {
    parts.push(`## ${group.title}`);
    for (const { name } of group.commands) parts.push(`### \`kuratchi-ses ${name}\``, fence(help([name, '--help'])));
  }
  return `${parts.join('\n\n')}\n`;
}

/** The intro of the current document (everything above the marker, the marker included). */
export function intro(text = readFileSync(DOC, 'utf8')) {
  const at = text.indexOf(MARKER);
  if (at < 0) throw new Error(`${DOC} has no generated-part marker; it must contain the line:\n${MARKER}`);
  return text.slice(0, at + MARKER.length);
}

/** What docs/cli.md should hold. */
export function expected() {
  return `${intro()}\n\n${reference()}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mode = process.argv[2];
  const text = expected();
  if (mode === '--write') {
    writeFileSync(DOC, text);
    writeFileSync(readme.README, readme.expected());
    process.stdout.write(`wrote ${DOC} and ${readme.README}\n`);
  } else if (mode === '--check') {
    if (readFileSync(DOC, 'utf8') !== text) {
      process.stderr.write(`docs/cli.md differs from the CLI's help: run \`${REGENERATE}\`\n`);
      process.exitCode = 1;
    }
    if (readFileSync(readme.README, 'utf8') !== readme.expected()) {
      process.stderr.write(`packages/kuratchi-sdk/README.md differs from its sources: run \`${REGENERATE}\`\n`);
      process.exitCode = 1;
    }
  } else if (mode === undefined) {
    process.stdout.write(text);
  } else {
    process.stderr.write('usage: node scripts/cli-reference.mjs [--write | --check]\n');
    process.exitCode = 2;
  }
}
