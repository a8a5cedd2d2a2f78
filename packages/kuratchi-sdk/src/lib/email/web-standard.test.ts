import { describe, expect, it } from 'vitest';

/**
 * The ingestion core must run unchanged in workerd, browsers and Node: web-standard APIs only
 * (WebCrypto, fetch, TextEncoder, URL). These tests run in workerd without `nodejs_compat`, and
 * this check keeps Node-only names out of the sources even where a runtime would tolerate them.
 */
const sources = import.meta.glob<string>(
  [
    './sns/*.ts',
    './ses-events/*.ts',
    './routing/*.ts',
    './archive/*.ts',
    './organizations/*.ts',
    './ingest/*.ts',
    './email-log/*.ts',
    './subpaths/*.ts',
    './shared/*.ts',
    './model.ts',
    './testing/*.ts',
    './durable-object/*.ts',
    '!./**/*.test.ts',
  ],
  {
    eager: true,
    query: '?raw',
    import: 'default',
  },
);

const forbidden: Array<[string, RegExp]> = [
  ['node: imports', /from\s+['"]node:|import\(\s*['"]node:|require\(/],
  ['Buffer', /\bBuffer\.\w+|new Buffer\b/],
  ['the AWS SDK', /['"]@aws-sdk\//],
  ['process.env', /\bprocess\.env\b/],
];

describe('web-standard sources', () => {
  it('finds the sources it checks', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(80);
  });

  for (const [path, text] of Object.entries(sources)) {
    it(`${path} uses no Node-only API`, () => {
      for (const [what, pattern] of forbidden) expect(text, `${path} uses ${what}`).not.toMatch(pattern);
    });
  }
});
