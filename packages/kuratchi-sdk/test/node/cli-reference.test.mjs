// docs/cli.md is generated from the built CLI's help (scripts/cli-reference.mjs): the help texts
// are the single source of each command's facts, and this test fails when the two disagree.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DOC, expected, REGENERATE } from '../../scripts/cli-reference.mjs';

describe('docs/cli.md', () => {
  it("is the CLI's help, verbatim, below its hand-written introduction", () => {
    const text = readFileSync(DOC, 'utf8');
    assert.ok(
      text === expected(),
      `docs/cli.md differs from the CLI's help: run \`${REGENERATE}\` (and commit docs/cli.md)`,
    );
  });

  it('holds a section for every command of `kuratchi-ses --help`', () => {
    const text = readFileSync(DOC, 'utf8');
    const sections = [...text.matchAll(/^### `kuratchi-ses ([a-z-]+)`$/gm)].map((m) => m[1]);
    assert.equal(sections.length, 20, sections.join(', '));
    for (const command of sections) assert.match(text, new RegExp(`^Usage: kuratchi-ses ${command}`, 'm'));
  });
});
