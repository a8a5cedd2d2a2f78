/** Options of {@link canonicalJson}. */
export interface CanonicalJsonOptions {
  /**
   * Compare lists as sets, and a one-element list as its element, as IAM policy documents mean
   * them ("Action": "sns:Publish" is ["sns:Publish"]).
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
   */
  unorderedLists?: boolean;
}

/**
 * JSON text of `value` with the keys of every object sorted, so that two documents that differ
 * only in key order (as AWS returns stored policies) give the same text.
 */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  return JSON.stringify(sorted(value, options.unorderedLists ?? false));
}

function sorted(value: unknown, unorderedLists: boolean): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => sorted(item, unorderedLists));
    if (!unorderedLists) return items;
    return items.length === 1 ? items[0] : items.map((item) => JSON.stringify(item)).sort();
  }
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(object)
        .sort()
        .map((key) => [key, sorted(object[key], unorderedLists)]),
    );
  }
  return value;
}
