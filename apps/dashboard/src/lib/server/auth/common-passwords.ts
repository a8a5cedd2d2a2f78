/** The most common passwords: is a lower-cased password one of them. */
export interface CommonPasswords {
  has(lowerCasePassword: string): boolean;
  readonly size: number;
}

/**
 * The most common passwords, lower-case: zxcvbn-ts's `passwords-common` dictionary (about
 * 49,000 passwords, most frequent first, from public password leaks), pinned as
 * `@zxcvbn-ts/language-common` 4.1.3. Loaded on first use, not at the Worker's start: the
 * package decompresses its list when imported (tens of milliseconds of CPU), and only the forms
 * that set a password need it. Looked up by a scan of the array (a fraction of a millisecond for
 * the few lookups of one password) rather than a Set, whose building costs as much again.
 * @see https://github.com/zxcvbn-ts/zxcvbn/tree/master/packages/languages/common
 * @see https://pages.nist.gov/800-63-4/sp800-63b.html#password (the blocklist of commonly used passwords)
 */
export function commonPasswords(): Promise<CommonPasswords> {
  // One immutable list per isolate, loaded once (nothing here changes after it is built).
  loaded ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => {
    const list: readonly string[] = dictionary['passwords-common'];
    return { has: (password) => list.includes(password), size: list.length };
  });
  return loaded;
}

let loaded: Promise<CommonPasswords> | undefined;
