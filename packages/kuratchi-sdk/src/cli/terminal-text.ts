/**
 * What `kuratchi-ses` prints comes from outside as often as not (proof bundles, SNS and SES
 * messages, the operations API's emails and organisations, AWS and wrangler errors). Every field
 * is printed through {@link terminalText}, so no text can move the cursor, erase or recolour a
 * line, set the window title, start a new line, or reorder what follows it (Trojan Source).
 * @module
 */

declare const checked: unique symbol;

/** Text whose every interpolated field went through {@link terminalText}: what `out` and `err` print. */
export type TerminalText = string & { readonly [checked]: true };

/**
 * The characters a field may not carry to a terminal, by Unicode general category: controls (Cc:
 * C0 with ESC, CR, LF and TAB, DEL, C1 with CSI U+009B), format characters (Cf: the bidi embeddings,
 * overrides, isolates and marks U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069, zero-width
 * characters, U+FEFF, the tag characters), the line and paragraph separators (Zl, Zp) and lone
 * surrogates (Cs).
 * @see https://www.unicode.org/reports/tr9/#Explicit_Directional_Formatting_Characters
 * @see https://nvd.nist.gov/vuln/detail/CVE-2021-42574 (Trojan Source)
 * @see https://invisible-island.net/xterm/ctlseqs/ctlseqs.html (what ESC, CSI and OSC do)
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0)!;
  const hex = code.toString(16).padStart(2, '0');
  return code <= 0xff ? `\\x${hex}` : code <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`;
}

/**
 * One field made safe for a terminal: every control, format and separator character (see
 * `UNSAFE`) is shown as its escape (`\x1b`, `\n`, `\u202e`, `\u{e0041}`), the rest as it is
 * (a backslash already in the text is left alone: this is for reading, not for parsing back).
 * Idempotent: its output has nothing left to escape.
 */
export function terminalText(value: unknown): string {
  return String(value).replace(UNSAFE, escapeOne);
}

/**
 * Tag for a line (or lines) to print: the literal parts are the source's, every `${field}` goes
 * through {@link terminalText}, a newline in a field included.
 * @example out(tty`created ${organization.id} (${organization.name})`)
 */
export function tty(strings: TemplateStringsArray, ...values: unknown[]): TerminalText {
  let text = strings[0]!;
  values.forEach((value, i) => (text += terminalText(value) + strings[i + 1]!));
  return text as TerminalText;
}

/**
 * `--json` output: `JSON.stringify(value, null, 2)` with the characters JSON leaves raw inside
 * strings (DEL, C1, bidi and other format characters, U+2028, U+2029) written as `\uXXXX`
 * escapes: the same JSON value, safe on a terminal.
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-7
 */
export function jsonText(value: unknown): TerminalText {
  const escape = (char: string) =>
    char === '\n' // the layout's own (a newline inside a string is already \n)
      ? char
      : Array.from({ length: char.length }, (_, i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join(
          '',
        );
  return JSON.stringify(value, null, 2).replace(UNSAFE, escape) as TerminalText;
}

/** A command's `--help` text, written in the source (the only text printed as it is). */
export function helpText(help: string): TerminalText {
  return help as TerminalText;
}
