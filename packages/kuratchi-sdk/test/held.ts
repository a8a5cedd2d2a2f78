/**
 * A promise that settles only once `release` is called: a stubbed call awaits it to stay
 * mid-flight, so a test orders concurrent work (which call reaches SES first, which lands last).
 */
export function held(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}
