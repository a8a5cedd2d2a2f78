// The hand-written Markdown of the repository, and the few things the docs check reads in it:
// included example blocks and relative links. No Markdown library: the rules are these lines.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Folders never searched for prose (dependencies, builds, test fixtures kept byte for byte). */
const SKIP = new Set(['node_modules', 'dist', '.svelte-kit', '.wrangler', 'test-results', 'fixtures', '.git']);

/**
 * Every `.md` file under `root`, as paths relative to it, sorted.
 * @param {string} root
 * @returns {Promise<string[]>}
 */
export async function markdownFiles(root) {
  const found = [];
  async function walk(dir) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.md')) found.push(relative(root, path));
    }
  }
  await walk(root);
  return found.sort();
}

/** Marks a fenced block as a copy of a file: `<!-- example: docs/examples/send.ts -->` on the line before. */
const EXAMPLE_MARK = /^<!-- example: (\S+) -->$/;

/**
 * The example blocks of one Markdown text: each mark, the file it names (relative to the
 * repository root) and the block's content, with the line numbers of the block's body.
 * @param {string} text
 * @returns {Array<{ file: string, line: number, start: number, end: number, body: string }>}
 */
export function exampleBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const mark = EXAMPLE_MARK.exec(lines[i]);
    if (!mark) continue;
    if (!/^```\w*$/.test(lines[i + 1] ?? ''))
      throw new Error(`line ${i + 1}: an example mark must be followed by a fenced block`);
    const close = lines.indexOf('```', i + 2);
    if (close < 0) throw new Error(`line ${i + 2}: the example block is not closed`);
    blocks.push({
      file: mark[1],
      line: i + 1,
      start: i + 2,
      end: close,
      body: lines.slice(i + 2, close).join('\n') + '\n',
    });
  }
  return blocks;
}

/**
 * `text` with every example block's body replaced by `read(file)`.
 * @param {string} text
 * @param {(file: string) => string} read
 */
export function withExamples(text, read) {
  const lines = text.split('\n');
  for (const block of exampleBlocks(text).reverse()) {
    lines.splice(block.start, block.end - block.start, ...read(block.file).replace(/\n$/, '').split('\n'));
  }
  return lines.join('\n');
}

/**
 * The relative link targets of a Markdown text (not http(s), mailto or pure anchors), outside
 * fenced code blocks.
 * @param {string} text
 * @returns {Array<{ target: string, line: number }>}
 */
export function relativeLinks(text) {
  return links(text).filter(({ target }) => !/^(https?:|mailto:|#)/.test(target));
}

/**
 * The links of a Markdown text into a GitHub repository's files at `main`
 * (`https://github.com/OWNER/NAME/blob/main/docs/cli.md#x`), outside fenced code blocks: each
 * with the path (and anchor) it names in the repository.
 * @param {string} text
 * @param {string} repository the repository's address, `https://github.com/OWNER/NAME`
 * @returns {Array<{ path: string, line: number }>}
 */
export function repositoryLinks(text, repository) {
  const prefix = /^\/(?:blob|tree)\/main\//;
  return links(text)
    .filter(({ target }) => target.startsWith(`${repository}/`) && prefix.test(target.slice(repository.length)))
    .map(({ target, line }) => ({ path: target.slice(repository.length).replace(prefix, ''), line }));
}

/**
 * The links of a Markdown text into any GitHub repository's files (`…/blob/…`, `…/tree/…`),
 * outside fenced code blocks.
 * @param {string} text
 * @returns {Array<{ target: string, line: number }>}
 */
export function githubFileLinks(text) {
  return links(text).filter(({ target }) => /^https:\/\/github\.com\/[^/]+\/[^/]+\/(?:blob|tree)\//.test(target));
}

/**
 * Every link target of a Markdown text, outside fenced code blocks.
 * @param {string} text
 * @returns {Array<{ target: string, line: number }>}
 */
function links(text) {
  const found = [];
  let fenced = false;
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) return;
    for (const match of line.matchAll(/\]\(([^)\s]+)\)/g)) found.push({ target: match[1], line: i + 1 });
  });
  return found;
}

/**
 * The file paths a Markdown text names in backticks (`events/ingest.ts`,
 * `apps/dashboard/src/worker.ts`): a slash and a source or data extension. Paths of URLs (a
 * leading `/`) and of build output (`dist/`) are left out.
 * @param {string} text
 * @returns {Array<{ path: string, line: number }>}
 */
export function codePaths(text) {
  const paths = [];
  text.split('\n').forEach((line, i) => {
    for (const match of line.matchAll(/`([\w.-]+(?:\/[\w.-]+)+\.(?:ts|mjs|js|sql|json|toml|md))`/g)) {
      if (!match[1].startsWith('dist/')) paths.push({ path: match[1], line: i + 1 });
    }
  });
  return paths;
}

/**
 * The anchors GitHub gives the headings of a Markdown text: lower case, punctuation but `-` and
 * `_` dropped, spaces turned into `-`, a repeated one suffixed `-1`, `-2`…
 * @param {string} text
 * @returns {Set<string>}
 */
export function headingAnchors(text) {
  const anchors = new Set();
  const seen = new Map();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/**
 * Reads a UTF-8 file.
 * @param {string} path
 */
export const readText = (path) => readFile(path, 'utf8');
