import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('gives the same text for documents that differ only in key order, at any depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"x":2,"y":1}]},"b":1}',
    );
    expect(canonicalJson({ http: { b: 1, a: 2 } })).toBe(canonicalJson({ http: { a: 2, b: 1 } }));
  });

  it('keeps list order unless lists are unordered, then a one-element list is its element', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
    expect(canonicalJson({ Action: ['b', 'a'] }, { unorderedLists: true })).toBe(
      canonicalJson({ Action: ['a', 'b'] }, { unorderedLists: true }),
    );
    expect(canonicalJson({ Action: ['sns:Publish'] }, { unorderedLists: true })).toBe(
      canonicalJson({ Action: 'sns:Publish' }, { unorderedLists: true }),
    );
  });
});
