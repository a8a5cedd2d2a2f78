/** `?, ?, …`: the placeholders of an IN list or VALUES row of `count` bound parameters. */
export function marks(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
