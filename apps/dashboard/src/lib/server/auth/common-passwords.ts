/**
 * The most common passwords, lower-cased: zxcvbn-ts's `passwords-common` dictionary (about
 * 49,000 passwords, most frequent first, from public password leaks), pinned as
 * `@zxcvbn-ts/language-common` 4.1.3. Loaded on first use, not at the Worker's start: the
 * package decompresses its list when imported (tens of milliseconds), and only the forms that
 * set a password need it.
 * @see https://github.com/zxcvbn-ts/zxcvbn/tree/master/packages/languages/common
 * @see https://pages.nist.gov/800-63-4/sp800-63b.html#password (the blocklist of commonly used passwords)
 */
export function commonPasswords(): Promise<ReadonlySet<string>> {
  // One immutable set per isolate, computed once (nothing here changes after it is built).
  loaded ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set(dictionary['passwords-common'].map((password) => password.toLowerCase())),
  );
  return loaded;
}

let loaded: Promise<ReadonlySet<string>> | undefined;
