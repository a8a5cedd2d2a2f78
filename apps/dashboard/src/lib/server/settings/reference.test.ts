import { describe, expect, it } from 'vitest';
import docs from '../../../../../../docs/settings.md?raw';
import wrangler from '../../../../../../wrangler.toml?raw';
import { REGENERATE_COMMAND, settingsMarkdown, withVarsBlock } from './reference';
import { SETTINGS } from './registry';

describe('the references generated from the registry', () => {
  it(`docs/settings.md matches the registry (else run: ${REGENERATE_COMMAND})`, () => {
    expect(docs, `docs/settings.md is out of date: run ${REGENERATE_COMMAND}`).toBe(settingsMarkdown());
  });

  it(`the [vars] block of wrangler.toml matches the registry (else run: ${REGENERATE_COMMAND})`, () => {
    expect(wrangler, `wrangler.toml's [vars] block is out of date: run ${REGENERATE_COMMAND}`).toBe(
      withVarsBlock(wrangler),
    );
  });

  it('lists every setting in both, and every old name in the docs', () => {
    for (const [name, setting] of Object.entries(SETTINGS)) {
      expect(docs).toContain(`| \`${name}\` |`);
      expect(wrangler).toContain(name);
      if ('oldName' in setting) expect(docs).toContain(`| \`${setting.oldName}\` | \`${name}\` |`);
    }
  });

  it('notices a registry change: the generated block differs from a stale one', () => {
    const stale = wrangler.replace('KURATCHI_PARK_TTL_HOURS = "24"', 'KURATCHI_PARK_TTL_HOURS = "48"');
    expect(withVarsBlock(stale)).not.toBe(stale);
    expect(withVarsBlock(stale)).toBe(wrangler);
  });
});
