/** `YYYY-MM-DD HH:MM` in UTC (the same on server and client, so hydration never differs). */
export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A ratio as a percentage with up to two decimals. */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio * 100 < 1 ? 2 : 1)} %`;
}

/** A duration in ms as `850 ms`, `4.2 s`, `3.5 min` or `2.0 h` (null: `—`). */
export function formatLag(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
