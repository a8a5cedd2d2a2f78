// The docs check's own rules, on small inputs: example blocks found and replaced, links and
// headings read as GitHub does, the webhook table generated and spliced between its marks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  codePaths,
  exampleBlocks,
  githubFileLinks,
  headingAnchors,
  relativeLinks,
  repositoryLinks,
  withExamples,
} from './markdown.mjs';
import { TABLE_END, TABLE_START, webhookTable, withWebhookTable } from './webhook-table.mjs';

const guide = ['# Guide', '', '<!-- example: docs/examples/a.ts -->', '```ts', 'old();', '```', 'after'].join('\n');

describe('example blocks', () => {
  it('finds the block after a mark, with the file it names and its body', () => {
    assert.deepEqual(exampleBlocks(guide), [
      { file: 'docs/examples/a.ts', line: 3, start: 4, end: 5, body: 'old();\n' },
    ]);
  });

  it('replaces the body with the file, keeping the fences and what follows', () => {
    const text = withExamples(guide, () => 'fresh();\nmore();\n');
    assert.equal(text, guide.replace('old();', 'fresh();\nmore();'));
    assert.deepEqual(
      exampleBlocks(text).map((block) => block.body),
      ['fresh();\nmore();\n'],
    );
  });

  it('refuses a mark without a fenced block, or a block never closed', () => {
    assert.throws(() => exampleBlocks('<!-- example: x.ts -->\ntext'), /must be followed by a fenced block/);
    assert.throws(() => exampleBlocks('<!-- example: x.ts -->\n```ts\ncode'), /not closed/);
  });
});

describe('links and headings', () => {
  it('lists relative links only, outside code blocks', () => {
    const text = '[a](guides/send.md#send) [b](https://x.example) [c](#top)\n```\n[d](no.md)\n```\n[e](../x.md)';
    assert.deepEqual(relativeLinks(text), [
      { target: 'guides/send.md#send', line: 1 },
      { target: '../x.md', line: 5 },
    ]);
  });

  it("lists the links into the repository's files at main with the path each names, and any GitHub file link", () => {
    const repo = 'https://github.com/o/k';
    const text = [
      `[a](${repo}/blob/main/docs/cli.md#kuratchi-ses-setup) [b](${repo}/tree/main/docs/guides)`,
      `[c](${repo}/issues/1) [d](${repo}/blob/v1/x.md) [e](https://github.com/o/kk/blob/main/y.md)`,
      '```',
      `[f](${repo}/blob/main/in-code.md)`,
      '```',
    ].join('\n');
    assert.deepEqual(repositoryLinks(text, repo), [
      { path: 'docs/cli.md#kuratchi-ses-setup', line: 1 },
      { path: 'docs/guides', line: 1 },
    ]);
    assert.deepEqual(
      githubFileLinks(text).map((link) => link.target),
      [
        `${repo}/blob/main/docs/cli.md#kuratchi-ses-setup`,
        `${repo}/tree/main/docs/guides`,
        `${repo}/blob/v1/x.md`,
        'https://github.com/o/kk/blob/main/y.md',
      ],
    );
  });

  it('lists the file paths named in backticks, not URL paths or build output', () => {
    const text =
      'see `events/ingest.ts` and `apps/dashboard/src/worker.ts`\n`/emails/ID/proof.json` `dist/cli/x.js` `kuratchi-sdk/internal/d1`';
    assert.deepEqual(codePaths(text), [
      { path: 'events/ingest.ts', line: 1 },
      { path: 'apps/dashboard/src/worker.ts', line: 1 },
    ]);
  });

  it("gives headings GitHub's anchors", () => {
    const anchors = headingAnchors(
      '# Send email\n## Connect SES to the webhook (once per deployment)\n## `kuratchi-ses` CLI\n## Send email',
    );
    assert.deepEqual(
      [...anchors],
      ['send-email', 'connect-ses-to-the-webhook-once-per-deployment', 'kuratchi-ses-cli', 'send-email-1'],
    );
  });
});

describe('the webhook table', () => {
  const contract = {
    applied: {
      status: 200,
      outcome: 'applied',
      snsRetries: false,
      rejected: false,
      logLevel: 'info',
      meaning: 'recorded',
    },
    unavailable: {
      status: 503,
      outcome: 'unavailable',
      snsRetries: true,
      rejected: false,
      logLevel: 'error',
      meaning: 'retry',
    },
  };

  it('has one row per answer, in the contract order', () => {
    assert.equal(
      webhookTable(contract),
      [
        '| answer | status | outcome | SNS retries | rejected | log | meaning |',
        '|---|---|---|---|---|---|---|',
        '| `applied` | 200 | `applied` | no | no | info | recorded |',
        '| `unavailable` | 503 | `unavailable` | yes | no | error | retry |',
      ].join('\n'),
    );
  });

  it('replaces only what is between the marks, and refuses a text without them', () => {
    const doc = `intro\n${TABLE_START}\nstale\n${TABLE_END}\noutro`;
    assert.equal(withWebhookTable(doc, 'T'), `intro\n${TABLE_START}\nT\n${TABLE_END}\noutro`);
    assert.throws(() => withWebhookTable('no marks', 'T'), /marks/);
  });
});
