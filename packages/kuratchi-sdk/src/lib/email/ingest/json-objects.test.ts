import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonObjectSplitter, JsonSplitError, splitJsonObjects } from './json-objects.js';

describe('splitJsonObjects', () => {
  it('splits newline-delimited and back-to-back objects, keeping each exactly as written', () => {
    expect(splitJsonObjects('{"a":1}\n{"b":2}\n')).toEqual(['{"a":1}', '{"b":2}']);
    expect(splitJsonObjects('{"a":1}{"b":[{"c":2}]}')).toEqual(['{"a":1}', '{"b":[{"c":2}]}']);
    expect(splitJsonObjects(' \r\n\t{"a":1}  \r\n ')).toEqual(['{"a":1}']);
    expect(splitJsonObjects('')).toEqual([]);
  });

  it('ignores braces and quotes inside strings, escaped quotes and backslashes included', () => {
    const tricky = '{"s":"}{\\"\\\\","t":"\\u007b"}';
    expect(splitJsonObjects(`${tricky}${tricky}`)).toEqual([tricky, tricky]);
    expect(JSON.parse(splitJsonObjects(tricky)[0]!)).toEqual({ s: '}{"\\', t: '{' });
  });

  it('refuses text outside an object, and text that ends inside one', () => {
    expect(() => splitJsonObjects('{"a":1},{"b":2}')).toThrow(/expected a JSON object at character 7/);
    expect(() => splitJsonObjects('[1,2]')).toThrow(JsonSplitError);
    expect(() => splitJsonObjects('{"a":"}')).toThrow(/ends inside a JSON object/);
  });

  it('refuses an object over the size limit', () => {
    expect(() => splitJsonObjects(`{"a":"${'x'.repeat(100)}"}`, 50)).toThrow(/longer than 50/);
  });

  it('gives the same objects however the text is cut into chunks (property)', () => {
    const object = fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.array(fc.string())));
    fc.assert(
      fc.property(
        fc.array(object, { maxLength: 6 }),
        fc.array(fc.constantFrom('', '\n', ' ', '\r\n')),
        fc.array(fc.nat(), { maxLength: 8 }),
        (objects, separators, cuts) => {
          const texts = objects.map((o) => JSON.stringify(o));
          const whole = texts.map((t, i) => t + (separators[i] ?? '')).join('');
          const splitter = new JsonObjectSplitter();
          const got: string[] = [];
          let at = 0;
          for (const cut of [...cuts.map((c) => c % (whole.length + 1))].sort((a, b) => a - b)) {
            got.push(...splitter.push(whole.slice(at, cut)));
            at = cut;
          }
          got.push(...splitter.push(whole.slice(at)));
          splitter.end();
          expect(got).toEqual(texts);
        },
      ),
      { numRuns: 300 },
    );
  });
});
