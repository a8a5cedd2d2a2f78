// The package README (what npm shows) lists every subpath of `exports` and every command of
// `kuratchi-ses --help`: scripts/readme-reference.mjs generates that part, and these tests hold
// the committed README to it, and the generator to its rules on small inputs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { commandGroups, help } from '../../scripts/cli-help.mjs';
import { README, readPackage, repositoryBase, runtimeNames, summaryOf } from '../../scripts/readme-reference.mjs';

const readme = readFileSync(README, 'utf8');

describe('the package README', () => {
  it('lists every subpath of exports, the internal ones under "Internal, no stability promise"', () => {
    const internalAt = readme.indexOf('Internal, no stability promise');
    assert.ok(internalAt > 0, 'the README has an internal section');
    for (const key of Object.keys(readPackage().exports)) {
      const at = readme.indexOf(`| \`kuratchi-sdk/${key.slice(2)}\` |`);
      assert.ok(at > 0, `${key} is listed`);
      assert.equal(at > internalAt, key.startsWith('./internal/'), `${key} is in the right table`);
    }
  });

  it('lists every command of `kuratchi-ses --help`, linked to its section of docs/cli.md', () => {
    const commands = commandGroups(help(['--help'])).flatMap((group) => group.commands.map((c) => c.name));
    assert.ok(commands.length >= 16, commands.join(', '));
    const base = repositoryBase(readPackage());
    for (const name of commands)
      assert.ok(
        readme.includes(`[\`${name}\`](${base}/blob/main/docs/cli.md#kuratchi-ses-${name})`),
        `${name} is listed`,
      );
  });
});

describe('the generator', () => {
  it("takes a subpath's first sentence from its module comment, and refuses a comment without the import name", () => {
    const source =
      '/**\n * `kuratchi-sdk/x`: what {@link f} does, in short. More.\n * @module\n */\nexport { f } from "./f.js";';
    assert.equal(summaryOf('kuratchi-sdk/x', source), 'what `f` does, in short');
    assert.throws(() => summaryOf('kuratchi-sdk/y', source), /must begin with "`kuratchi-sdk\/y`: "/);
  });

  it("lists a barrel's runtime names, not its types, and refuses export *", () => {
    const source =
      "export { b, type T, a as c } from './a.js';\nexport type { U } from './u.js';\nexport {\n  d,\n} from './d.js';";
    assert.deepEqual(runtimeNames(source), ['b', 'c', 'd']);
    assert.throws(() => runtimeNames("export * from './a.js';"), /no export \*/);
  });

  it('reads the repository address from package.json, and refuses one that is not on GitHub', () => {
    assert.equal(repositoryBase({ repository: { url: 'git+https://github.com/o/k.git' } }), 'https://github.com/o/k');
    assert.throws(() => repositoryBase({ repository: { url: 'https://example.com/k' } }), /repository\.url/);
  });
});
