// Generates the reference part of the package's README.md (the page npm shows): every subpath of
// package.json's `exports`, each with the first sentence of its module comment (public ones with
// their runtime names), and every command of `kuratchi-ses --help` with its summary, linked to its
// section of docs/cli.md. Links are absolute (npm shows the page outside the repository), under
// package.json's `repository.url`. The README keeps its hand-written part (everything above
// MARKER); the rest is regenerated.
//
//   node scripts/readme-reference.mjs           print what README.md should hold
//   node scripts/readme-reference.mjs --write   write it (after `pnpm run build`: it runs the built CLI)
//   node scripts/readme-reference.mjs --check   exit 1 when README.md differs
//
// `scripts/cli-reference.mjs --write` writes it too (commands feed both); the docs check
// (scripts/docs/check.mjs) fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { commandGroups, help } from './cli-help.mjs';

const PACKAGE_DIR = new URL('../', import.meta.url);
/** The package README. */
export const README = fileURLToPath(new URL('README.md', PACKAGE_DIR));
/** The command that regenerates it, for messages. */
export const REGENERATE = 'pnpm --filter kuratchi-sdk run build && pnpm --filter kuratchi-sdk run cli-reference';
/** Everything below this line is generated. */
export const MARKER = `<!-- Generated from package.json's exports, each subpath's module comment and \`kuratchi-ses --help\` by scripts/readme-reference.mjs: run \`${REGENERATE}\`. -->`;

/** Subpaths that are no module of dist/: what each holds. */
const FILE_SUBPATHS = {
  './migrations/*':
    "the D1 schema, one SQL file per migration: `migrations/admin/` for the admin database, `migrations/org/` for each organisation's (`wrangler d1 migrations apply <BINDING>`)",
  './package.json': 'the package manifest (its `version`)',
};

/** package.json, parsed. */
export const readPackage = () => JSON.parse(readFileSync(new URL('package.json', PACKAGE_DIR), 'utf8'));

/**
 * The repository's web address, from package.json's `repository.url` (`git+https://…git`): the
 * single place it is written; every absolute link of the README starts with it.
 * @param {{ repository?: { url?: string } }} pkg
 */
export function repositoryBase(pkg) {
  const url = pkg.repository?.url;
  const match = url && /^(?:git\+)?(https:\/\/github\.com\/[\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(url);
  if (!match)
    throw new Error(`package.json: repository.url must be a https://github.com/OWNER/NAME address, not ${url}`);
  return match[1];
}

/**
 * A module's comment as one line: its first `/** … *\/` block or run of `//` lines, without the
 * comment marks and tags.
 * @param {string} source
 */
function moduleComment(source) {
  const block = /^\s*\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? /^(?:\s*\/\/.*\n)+/.exec(source)?.[0] ?? '';
  return block
    .split('\n')
    .map((line) => line.replace(/^\s*(?:\*|\/\/)\s?/, ''))
    .filter((line) => !line.startsWith('@'))
    .join(' ')
    .replace(/\{@link (\S+?)\}/g, '`$1`')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * What a subpath's module says of itself: the first sentence of its module comment, which must
 * begin with the subpath's import name (`` `kuratchi-sdk/internal/verify`: proving that… ``).
 * @param {string} name the import name, e.g. `kuratchi-sdk/internal/verify`
 * @param {string} source the module's TypeScript source
 */
export function summaryOf(name, source) {
  const comment = moduleComment(source);
  const prefix = `\`${name}\`: `;
  if (!comment.startsWith(prefix))
    throw new Error(`the module comment of ${name} must begin with "${prefix}" and one sentence of what it holds`);
  const rest = comment.slice(prefix.length);
  const end = /\.(?:\s|$)/.exec(rest);
  return end ? rest.slice(0, end.index) : rest;
}

/**
 * The runtime names a barrel re-exports (`export { a, b as c, type T }`, not `export type {…}`).
 * Throws on `export *`: a public barrel names what it exports.
 * @param {string} source
 */
export function runtimeNames(source) {
  if (/^export \*/m.test(source)) throw new Error('a public barrel lists its names (no export *)');
  /** @type {string[]} */
  const names = [];
  for (const [, braces = ''] of source.matchAll(/^export\s*\{([^}]*)\}/gm))
    for (const item of braces.split(',').map((part) => part.trim()))
      if (item && !item.startsWith('type ')) names.push(item.split(/\s+as\s+/).at(-1) ?? item);
  return names.sort((a, b) => a.localeCompare(b));
}

/**
 * The TypeScript source of an `exports` entry (`./dist/email/sns/index.js` → `src/lib/email/sns/index.ts`).
 * @param {string | { import: string }} target
 */
function sourceOf(target) {
  const file = typeof target === 'string' ? target : target.import;
  return new URL(file.replace(/^\.\/dist\//, 'src/lib/').replace(/\.js$/, '.ts'), PACKAGE_DIR);
}

/**
 * Every subpath of `exports`, in its order: import name, public or internal (`./internal/*`), and
 * what it holds.
 * @param {{ exports: Record<string, string | { import: string }> }} pkg
 * @param {(url: URL) => string} [read]
 */
export function subpaths(pkg, read = (url) => readFileSync(url, 'utf8')) {
  return Object.entries(pkg.exports).map(([key, target]) => {
    const name = `kuratchi-sdk/${key.slice(2)}`;
    const internal = key.startsWith('./internal/');
    if (key in FILE_SUBPATHS) return { name, internal, summary: FILE_SUBPATHS[key], names: [] };
    if (key.includes('*')) throw new Error(`exports ${key}: say what it holds in FILE_SUBPATHS of this script`);
    const source = read(sourceOf(target));
    return { name, internal, summary: summaryOf(name, source), names: internal ? [] : runtimeNames(source) };
  });
}

const code = (text) => `\`${text}\``;
const cell = (text) => text.replace(/\|/g, '\\|');

/**
 * The generated part of the README.
 * @param {ReturnType<typeof readPackage>} pkg
 * @param {string} mainHelp the output of `kuratchi-ses --help`
 */
export function reference(pkg, mainHelp) {
  const base = repositoryBase(pkg);
  const all = subpaths(pkg);
  const row = (s) =>
    `| ${code(s.name)} | ${cell(s.summary)}${s.names.length ? `: ${s.names.map(code).join(', ')}` : ''} |`;
  const table = (rows) => ['| import | what it holds |', '|---|---|', ...rows.map(row)].join('\n');
  const parts = [
    '## Subpaths',
    'Every entry of `exports`. The public ones, each name with its JSDoc:',
    table(all.filter((s) => !s.internal)),
    "Internal, no stability promise (the kuratchi dashboard's and CLI's parts; they may change in any release):",
    table(all.filter((s) => s.internal)),
    '## Commands',
    `\`npx kuratchi-ses <command> --help\` prints a command's flags; [docs/cli.md](${base}/blob/main/docs/cli.md) holds every command's help.`,
  ];
  for (const group of commandGroups(mainHelp)) {
    parts.push(`**${group.title}**${group.note ? ` (${group.note})` : ''}:`);
    parts.push(
      [
        '| command | what it does |',
        '|---|---|',
        ...group.commands.map(
          (c) => `| [${code(c.name)}](${base}/blob/main/docs/cli.md#kuratchi-ses-${c.name}) | ${cell(c.summary)} |`,
        ),
      ].join('\n'),
    );
  }
  return `${parts.join('\n\n')}\n`;
}

/** The hand-written part of the README (everything above the marker, the marker included). */
export function intro(text = readFileSync(README, 'utf8')) {
  const at = text.indexOf(MARKER);
  if (at < 0) throw new Error(`${README} has no generated-part marker; it must contain the line:\n${MARKER}`);
  return text.slice(0, at + MARKER.length);
}

/** What README.md should hold (runs the built CLI). */
export function expected() {
  return `${intro()}\n\n${reference(readPackage(), help(['--help']))}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mode = process.argv[2];
  const text = expected();
  if (mode === '--write') {
    writeFileSync(README, text);
    process.stdout.write(`wrote ${README}\n`);
  } else if (mode === '--check') {
    if (readFileSync(README, 'utf8') !== text) {
      process.stderr.write(`packages/kuratchi-sdk/README.md differs from its sources: run \`${REGENERATE}\`\n`);
      process.exitCode = 1;
    }
  } else if (mode === undefined) {
    process.stdout.write(text);
  } else {
    process.stderr.write('usage: node scripts/readme-reference.mjs [--write | --check]\n');
    process.exitCode = 2;
  }
}
