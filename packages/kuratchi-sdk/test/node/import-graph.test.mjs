// Which modules each subpath of the BUILT package can load: walks the import graph of dist/ from
// a subpath's entry (static `import`/`export … from`, `import('literal')` and `require('literal')`
// specifiers, read by TypeScript's own scanner so comments and strings do not count), resolving
// relative paths and package names as Node does (`exports` conditions, `main`, index files),
// through node_modules transitively. A consumer who only verifies SNS messages, or only ingests
// events into D1, must never load the AWS SDK: `@aws-sdk/*` may be reachable only from the
// subpaths that send, set up, reconcile (which asks SES) or run the canary (which sends).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const PACKAGE = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8'));

/** The file a subpath of this package's `exports` loads (its `import` condition). */
function entryOf(subpath) {
  const target = pkg.exports[subpath];
  assert.ok(target?.import, `package.json exports ${subpath} with an import condition`);
  return join(PACKAGE, target.import);
}

const BUILTINS = new Set(builtinModules);
/** The dependency names of an AMD `define([...])` (UMD wrappers such as tslib's), not modules. */
const AMD_NAMES = new Set(['require', 'exports', 'module']);
/** Condition sets of an ESM import and of a CJS require: both are followed. */
const CONDITIONS = [
  ['node', 'import', 'default'],
  ['node', 'require', 'default'],
];

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A relative or absolute path as Node's CommonJS loader completes it (ESM needs the exact file). */
function asFile(path) {
  for (const candidate of [
    path,
    `${path}.js`,
    `${path}.cjs`,
    `${path}.mjs`,
    `${path}.json`,
    join(path, 'index.js'),
    join(path, 'index.cjs'),
  ]) {
    if (isFile(candidate)) return realpathSync(candidate);
  }
  const manifest = join(path, 'package.json');
  if (isFile(manifest)) {
    const main = JSON.parse(readFileSync(manifest, 'utf8')).main;
    if (main) return asFile(join(path, main));
  }
  return null;
}

/** The targets of an `exports` value under one condition set (Node: first matching key wins). */
function conditionTarget(value, conditions) {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const target = conditionTarget(item, conditions);
      if (target) return target;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (conditions.includes(key)) {
        const target = conditionTarget(item, conditions);
        if (target) return target;
      }
    }
  }
  return null;
}

/** `exports[subpath]`, with `*` patterns. */
function exportsEntry(exports, subpath) {
  if (typeof exports === 'string' || Array.isArray(exports)) return subpath === '.' ? exports : null;
  const keys = Object.keys(exports);
  if (!keys.every((key) => key.startsWith('.'))) return subpath === '.' ? exports : null;
  if (subpath in exports) return exports[subpath];
  for (const key of keys) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const [prefix, suffix] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      const match = subpath.slice(prefix.length, subpath.length - suffix.length);
      return JSON.parse(JSON.stringify(exports[key]).replaceAll('*', match));
    }
  }
  return null;
}

/** The files a bare specifier can load from `fromFile` (one per condition set). */
function resolvePackage(specifier, fromFile) {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const subpath = specifier === name ? '.' : `.${specifier.slice(name.length)}`;
  let dir = dirname(fromFile);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      const root = realpathSync(candidate);
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      if (manifest.exports !== undefined) {
        const entry = exportsEntry(manifest.exports, subpath);
        const targets = new Set(CONDITIONS.map((conditions) => conditionTarget(entry, conditions)).filter(Boolean));
        const files = [...targets].map((target) => asFile(join(root, target))).filter(Boolean);
        if (!files.length)
          throw new Error(`${specifier} (from ${fromFile}): no file for ${subpath} in the exports of ${root}`);
        return files;
      }
      const file = subpath === '.' ? asFile(root) : asFile(join(root, subpath));
      if (!file) throw new Error(`${specifier} (from ${fromFile}): not found in ${root}`);
      return [file];
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${specifier} (from ${fromFile}): package not found`);
    dir = parent;
  }
}

/**
 * Every file reachable from `entry`, and every `@aws-sdk/*` specifier met on the way with the
 * chain of files that leads to it.
 */
function walk(entry) {
  const files = new Set();
  const aws = [];
  const queue = [[realpathSync(entry), [realpathSync(entry)]]];
  while (queue.length) {
    const [file, chain] = queue.shift();
    if (files.has(file)) continue;
    files.add(file);
    if (file.endsWith('.json')) continue;
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith('node:') || BUILTINS.has(specifier) || AMD_NAMES.has(specifier)) continue;
      if (specifier.startsWith('@aws-sdk/')) {
        aws.push([...chain, specifier].join('\n  -> '));
        continue;
      }
      const next =
        specifier.startsWith('.') || specifier.startsWith('/')
          ? [asFile(resolve(dirname(file), specifier))]
          : resolvePackage(specifier, file);
      for (const target of next) {
        if (!target) throw new Error(`${specifier} (from ${file}) does not resolve to a file`);
        if (!files.has(target)) queue.push([target, [...chain, target]]);
      }
    }
  }
  return { files, aws };
}

const inPackage = (files, name) => [...files].some((file) => file.includes(`/node_modules/${name}/`));

describe('import graph of the built subpaths', () => {
  for (const subpath of ['./internal/verify', './internal/events', './internal/d1']) {
    it(`kuratchi-sdk${subpath.slice(1)} reaches no @aws-sdk/* module`, () => {
      const { files, aws } = walk(entryOf(subpath));
      assert.ok(files.size > 5, `the walk of ${subpath} found its modules (${files.size})`);
      assert.deepEqual(aws, [], `${subpath} must not load the AWS SDK:\n${aws.join('\n')}`);
    });
  }

  it('the walk follows packages: verify reaches zod and the X.509 parser, not only dist/', () => {
    const { files } = walk(entryOf('./internal/verify'));
    assert.ok(inPackage(files, 'zod'), 'zod is reached');
    assert.ok(inPackage(files, '@peculiar/asn1-x509'), '@peculiar/asn1-x509 is reached');
    assert.ok(inPackage(files, '@peculiar/asn1-schema'), '@peculiar/asn1-schema (through asn1-x509 too) is reached');
  });

  it('the walk finds the AWS SDK where it is meant to be: send, setup, reconcile, canary, guard, tenants and the root barrel', () => {
    for (const subpath of [
      './internal/send',
      './internal/setup',
      './internal/reconcile',
      './internal/canary',
      './internal/guard',
      './internal/tenants',
      './email',
    ]) {
      const { aws } = walk(entryOf(subpath));
      assert.ok(aws.length > 0, `${subpath} reaches @aws-sdk/*`);
    }
  });

  it('catches an @aws-sdk import two modules away, behind a package and a CommonJS require', () => {
    const root = mkdtempSync(join(tmpdir(), 'kuratchi-graph-'));
    const dep = join(root, 'node_modules', 'innocent');
    mkdirSync(join(dep, 'lib'), { recursive: true });
    writeFileSync(
      join(dep, 'package.json'),
      JSON.stringify({ name: 'innocent', exports: { '.': { import: './lib/index.mjs', require: './lib/index.cjs' } } }),
    );
    writeFileSync(join(dep, 'lib', 'index.mjs'), 'export const ok = 1;\n');
    writeFileSync(
      join(dep, 'lib', 'index.cjs'),
      "// require('@aws-sdk/in-a-comment')\nmodule.exports = require('./client');\n",
    );
    writeFileSync(
      join(dep, 'lib', 'client.js'),
      "const { SNSClient } = require('@aws-sdk/client-sns');\nmodule.exports = { SNSClient };\n",
    );
    writeFileSync(
      join(root, 'entry.js'),
      "/** import { x } from '@aws-sdk/in-jsdoc'; */\nexport { ok } from './inner.js';\n",
    );
    writeFileSync(
      join(root, 'inner.js'),
      "export { ok } from 'innocent';\nconst text = \"import '@aws-sdk/in-a-string'\";\n",
    );
    const { aws } = walk(join(root, 'entry.js'));
    assert.equal(aws.length, 1, aws.join('\n'));
    assert.match(aws[0], /lib\/client\.js\n {2}-> @aws-sdk\/client-sns$/);
  });
});
