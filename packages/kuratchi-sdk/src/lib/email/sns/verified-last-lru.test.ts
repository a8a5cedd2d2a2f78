import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VerifiedLastLru } from './verified-last-lru.js';

/** The map as it was before it remembered its newest key: every get reorders. The reference. */
class ReferenceLru<V> {
  readonly values = new Map<string, V>();
  constructor(
    readonly max: number,
    readonly isVerified: (value: V) => boolean,
  ) {}
  get(key: string): V | undefined {
    const value = this.values.get(key);
    if (value !== undefined) {
      this.values.delete(key);
      this.values.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.values.delete(key);
    this.values.set(key, value);
    if (this.values.size <= this.max) return;
    let victim: string | undefined;
    for (const [candidate, held] of this.values) {
      if (!this.isVerified(held)) {
        victim = candidate;
        break;
      }
    }
    this.values.delete(victim ?? this.values.keys().next().value!);
  }
  delete(key: string): void {
    this.values.delete(key);
  }
}

describe('VerifiedLastLru', () => {
  it('keeps, orders and evicts exactly as a map that reorders on every get', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const op = fc.oneof(
      fc.tuple(fc.constant('get' as const), key),
      fc.tuple(fc.constant('peek' as const), key),
      fc.tuple(fc.constant('set' as const), key, fc.boolean()),
      fc.tuple(fc.constant('delete' as const), key),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        const isVerified = (value: { verified: boolean }) => value.verified;
        const lru = new VerifiedLastLru(max, isVerified);
        const reference = new ReferenceLru(max, isVerified);
        for (const [name, k, verified] of ops) {
          if (name === 'get') expect(lru.get(k)).toBe(reference.get(k));
          else if (name === 'peek') expect(lru.peek(k)).toBe(reference.values.get(k));
          else if (name === 'set') {
            const value = { verified: verified! };
            lru.set(k, value);
            reference.set(k, value);
          } else {
            lru.delete(k);
            reference.delete(k);
          }
          expect(lru.size).toBe(reference.values.size);
        }
        // The order shows in what is evicted: fill it with unverified values and see what stays.
        for (const [k] of reference.values) expect(lru.peek(k)).toBe(reference.values.get(k));
        for (let i = 0; i < max; i++) {
          const value = { verified: false };
          lru.set(`fresh-${i}`, value);
          reference.set(`fresh-${i}`, value);
          for (const k of ['a', 'b', 'c', 'd', 'e']) expect(lru.peek(k)).toBe(reference.values.get(k));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
