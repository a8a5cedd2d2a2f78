/** `YYYY-MM-DD HH:MM` in UTC (the same on server and client, so hydration never differs). */
export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A ratio as a percentage with up to two decimals. */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio * 100 < 1 ? 2 : 1)} %`;
}
