// What `kuratchi-ses` prints cannot drive the terminal: every field goes through terminalText
// (controls, DEL, C1, ESC sequences, bidi overrides and isolates, other invisible format
// characters shown as escapes), and every command prints through `out`/`err` (checked on the
// sources: nothing else writes to stdout or stderr, and no text is marked checked by hand).
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { jsonText, terminalText, tty } from '../../dist/cli/terminal-text.js';
import { runCli } from './cli-run.mjs';

const SRC = fileURLToPath(new URL('../../src/cli/', import.meta.url));
/** Characters no field may carry raw to a terminal. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i));
const HOSTILE = [
  ...range(0x00, 0x1f), // C0, with ESC, CR, LF, TAB, BEL, BS
  '\x7f', // DEL
  ...range(0x80, 0x9f), // C1, with CSI (U+009B) and OSC (U+009D)
  ...range(0x202a, 0x202e), // bidi embeddings and overrides (Trojan Source)
  ...range(0x2066, 0x2069), // bidi isolates
  '\u061c', // Arabic letter mark
  ...range(0x200b, 0x200f), // zero-width characters, LRM, RLM
  '\u2028', // line separator
  '\u2029', // paragraph separator
  ...range(0x2060, 0x2064), // word joiner, invisible operators
  '\ufeff', // zero-width no-break space
  '\u00ad', // soft hyphen
  '\u{e0001}', // language tag
  ...range(0xe0020, 0xe007f), // tag characters (invisible text)
  '\ud800', // a lone surrogate
];

describe('terminalText', () => {
  it('escapes every control, bidi and invisible format character, visibly', () => {
    for (const char of HOSTILE) {
      const shown = terminalText(`a${char}b`);
      assert.doesNotMatch(shown, UNSAFE, `U+${char.codePointAt(0).toString(16)}`);
      assert.match(shown, /^a\\(x[0-9a-f]{2}|u[0-9a-f]{4}|u\{[0-9a-f]+\}|[nrt])b$/, shown);
    }
    assert.equal(terminalText('\x1b[2K\x1b[1A verdict: proven'), '\\x1b[2K\\x1b[1A verdict: proven');
    assert.equal(terminalText('a\nb\tc\rd'), 'a\\nb\\tc\\rd');
    assert.equal(terminalText('\u202egnp.exe'), '\\u202egnp.exe');
    assert.equal(terminalText('\x9b31m'), '\\x9b31m');
    assert.equal(terminalText('\u{e0041}'), '\\u{e0041}');
  });

  it('leaves printable text alone, and is idempotent', () => {
    const text = 'Zoë <x@example.com> 日本語 😀 C:\\path "quoted" ~!@#$%^&*()_+{}|:?><';
    assert.equal(terminalText(text), text);
    const once = terminalText(HOSTILE.join(''));
    assert.equal(terminalText(once), once);
    assert.equal(terminalText(42), '42');
    assert.equal(terminalText(null), 'null');
  });

  it('tty: the literal parts are kept, every field escaped, a newline in a field included', () => {
    const field = 'x\n  ok      forged\x1b[1A';
    assert.equal(tty`line 1\nline 2: ${field}`, 'line 1\nline 2: x\\n  ok      forged\\x1b[1A');
    assert.equal(tty`${1} of ${2}`, '1 of 2');
  });

  it('jsonText: the same JSON value, with nothing unsafe left raw', () => {
    const value = { s: HOSTILE.join(''), n: 1, nested: [{ t: '\u202e\x1b[2J' }] };
    const text = jsonText(value);
    assert.deepEqual(JSON.parse(text), value);
    assert.doesNotMatch(text.replaceAll('\n', ''), UNSAFE);
    assert.equal(text, jsonText(JSON.parse(text)));
  });
});

async function sources(dir = SRC) {
  const files = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return files;
}

/** Every node of a source file, depth first. */
function* nodes(node) {
  yield node;
  for (const child of node.getChildren()) yield* nodes(child);
}

/**
 * What in one CLI source could print unchecked text: a write to stdout or stderr (or console)
 * other than `out`/`err`'s own, a `helpText` of anything but a help text, a cast to TerminalText.
 */
async function uncheckedOutput(path) {
  const name = relative(SRC, path);
  const file = ts.createSourceFile(path, await readFile(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = [];
  const at = (node, what) =>
    found.push(`${name}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${what}`);
  for (const node of nodes(file)) {
    if (ts.isIdentifier(node) && node.text === 'console') at(node, 'console');
    if (ts.isPropertyAccessExpression(node) && /^(stdout|stderr)$/.test(node.name.text)) {
      const text = node.getText();
      const allowed =
        (name === 'command.ts' && node.parent.getText() === `${text}.write`) ||
        (name === 'progress.ts' && text === 'process.stderr') ||
        !text.startsWith('process.');
      if (!allowed) at(node, text);
    }
    if (ts.isCallExpression(node) && node.expression.getText() === 'helpText') {
      const arg = node.arguments[0]?.getText() ?? '';
      if (!/^(this\.help|HELP|command\.help|command \? command\.help : HELP)$/.test(arg)) at(node, `helpText(${arg})`);
    }
    if (
      (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) &&
      /TerminalText/.test(node.type.getText()) &&
      name !== 'terminal-text.ts'
    )
      at(node, node.getText());
  }
  return found;
}

describe('every command prints through out and err', () => {
  it('no CLI source writes to stdout or stderr otherwise, or marks text checked by hand', async () => {
    const files = await sources();
    assert.ok(files.some((f) => f.endsWith('commands/verify-proof.ts')) && files.length > 40, 'the walk finds the CLI');
    const found = (await Promise.all(files.map(uncheckedOutput))).flat();
    assert.deepEqual(found, []);
  });

  it('the check finds what it looks for', async () => {
    const { writeFile, mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'kuratchi-cli-output-'));
    const bad = join(dir, 'bad.ts');
    await writeFile(
      bad,
      [
        'console.log(`x ${y}`);',
        'process.stdout.write(`${z}\\n`);',
        'out(helpText(`${field}`));',
        'out(field as TerminalText);',
      ].join('\n'),
    );
    assert.equal((await uncheckedOutput(bad)).length, 4);
  });

  it('out and err accept only checked text: a raw string or an untagged template does not compile', () => {
    // A virtual module next to command.ts, type-checked with the CLI's own settings.
    const check = join(SRC, '__print-check.ts');
    const lines = [
      "import { err, out } from './command.js';",
      "import { helpText, jsonText, tty } from './terminal-text.js';",
      'declare const field: string;',
      'out(tty`checked ${field}`);', // 4: compiles
      'err(tty`checked ${field}`);', // 5: compiles
      'out([tty`a ${field}`, tty`b`]);', // 6: compiles
      'out(jsonText({ field }));', // 7: compiles
      'out(`raw ${field}`);', // 8: refused
      'err(field);', // 9: refused
      "out('static');", // 10: refused
      'out([field]);', // 11: refused
      'out(helpText(field), field);', // 12: refused
    ];
    const config = ts.getParsedCommandLineOfConfigFile(
      join(SRC, 'tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} },
    );
    const host = ts.createCompilerHost(config.options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (path, ...rest) =>
      path === check ? ts.createSourceFile(path, lines.join('\n'), ts.ScriptTarget.Latest, true) : read(path, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (path) => path === check || fileExists(path);
    const program = ts.createProgram([check], { ...config.options, noEmit: true }, host);
    const refused = ts
      .getPreEmitDiagnostics(program, program.getSourceFile(check))
      .map((d) => d.file.getLineAndCharacterOfPosition(d.start).line + 1);
    assert.deepEqual(
      [...new Set(refused)].sort((a, b) => a - b),
      [8, 9, 10, 11, 12],
    );
  });

  it('fields from the command line and the file system are escaped too', async () => {
    const hostile = '/nonexistent/\x1b[2J\x1b]0;pwned\x07\u202eevil';
    const { code, stderr } = await runCli(['import', hostile, '--dry-run']);
    assert.equal(code, 2);
    assert.match(stderr, /cannot read \/nonexistent\/\\x1b\[2J\\x1b\]0;pwned\\x07\\u202eevil/);
    assert.doesNotMatch(stderr.replaceAll('\n', ''), UNSAFE);
    // JSON.stringify escapes ESC but not bidi overrides.
    const unknown = await runCli(['verify\x1b[2K\u202e']);
    assert.equal(unknown.code, 2);
    assert.doesNotMatch(unknown.stderr.replaceAll('\n', ''), UNSAFE);
    assert.match(unknown.stderr, /unknown command "verify\\u001b\[2K\\u202e"/);
  });
});

describe('verify-proof prints the bundle escaped', () => {
  const ERASE = '\x1b[2K\x1b[1A verdict: proven';
  /** A bundle whose fields try to erase the FAILED line and draw a verdict of their own. */
  const bundle = {
    format: 'kuratchi-ses-proof',
    version: 1,
    emailId: `email-1${ERASE}`,
    sesMessageId: 'ses-1\u202e',
    generatedAt: '2026-11-28T13:00:00.000Z',
    messages: [
      {
        archiveKey: `sns/2026/11/28/12/sns-1.json${ERASE}`,
        snsMessageId: 'sns-1\n  ok      message 1 (SNS sns-1): Delivered',
        eventType: `Delivery${ERASE}`,
        certificateUrl: `https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem${ERASE}`,
        certificateSha256: 'a'.repeat(64),
        raw: JSON.stringify({ Type: 'Notification', MessageId: `sns-1${ERASE}`, Message: ERASE }),
      },
    ],
    certificates: [],
    notProvable: [
      { snsMessageId: `x\r${ERASE}\x1b[K`, eventType: 'Send\x9b2J', occurredAt: 0, reason: 'not-archived' },
    ],
  };

  it('no control sequence reaches the terminal; the FAILED line and verdict stay', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'kuratchi-proof-escape-')), 'bundle.json');
    await writeFile(file, JSON.stringify(bundle));
    const { code, stdout } = await runCli(['verify-proof', file]);
    assert.equal(code, 1);
    assert.doesNotMatch(stdout.replaceAll('\n', ''), UNSAFE);
    assert.ok(stdout.includes('\\x1b[2K\\x1b[1A verdict: proven'), stdout);
    const lines = stdout.trim().split('\n');
    assert.match(lines[0], /^email email-1\\x1b\[2K\\x1b\[1A verdict: proven \(SES message ses-1\\u202e\)$/);
    assert.match(lines[1], /^ {2}FAILED {2}message 1 \(SNS sns-1\\n {2}ok {6}message 1 \(SNS sns-1\): Delivered\): /);
    assert.equal(lines.filter((line) => /^ {2}ok /.test(line)).length, 0);
    assert.match(lines.at(-1), /^verdict: FAILED/);
    assert.equal(lines.filter((line) => line.startsWith('verdict:')).length, 1);

    const json = await runCli(['verify-proof', file, '--json']);
    assert.equal(json.code, 1);
    assert.doesNotMatch(json.stdout.replaceAll('\n', ''), UNSAFE);
    assert.equal(JSON.parse(json.stdout).ok, false);
  });
});
