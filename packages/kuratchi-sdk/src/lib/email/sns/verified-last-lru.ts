/**
 * A bounded map in least-recently-used order that, when full, evicts the least recently used
 * value that is not verified, and a verified one only when every value is. Used by the signing
 * key cache so that certificates which verified a signature outlast any number of others.
 */
export class VerifiedLastLru<V> {
  readonly #values = new Map<string, V>();
  /** The most recently used key (or undefined): getting it again needs no reordering. */
  #newest: string | undefined;
  constructor(
    readonly max: number,
    readonly isVerified: (value: V) => boolean,
  ) {}

  get size(): number {
    return this.#values.size;
  }

  /** The value, marked as just used. */
  get(key: string): V | undefined {
    const value = this.#values.get(key);
    if (value !== undefined && key !== this.#newest) {
      this.#values.delete(key);
      this.#values.set(key, value);
      this.#newest = key;
    }
    return value;
  }

  /** The value, without marking it used. */
  peek(key: string): V | undefined {
    return this.#values.get(key);
  }

  /** Stores the value as just used, evicting one value if over `max`. */
  set(key: string, value: V): void {
    this.#values.delete(key);
    this.#values.set(key, value);
    this.#newest = key;
    if (this.#values.size <= this.max) return;
    let victim: string | undefined;
    for (const [candidate, held] of this.#values) {
      if (!this.isVerified(held)) {
        victim = candidate;
        break;
      }
    }
    const evicted = victim ?? this.#values.keys().next().value!;
    this.#values.delete(evicted);
    // The value just stored goes first when it is the only unverified one.
    if (evicted === this.#newest) this.#newest = undefined;
  }

  /** Forgets the value. */
  delete(key: string): void {
    this.#values.delete(key);
    if (key === this.#newest) this.#newest = undefined;
  }
}
