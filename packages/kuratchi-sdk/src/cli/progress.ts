import cliProgress from 'cli-progress';
import { terminalText } from './terminal-text.js';

/**
 * A progress bar on stderr (drawn only when stderr is a terminal), counting answers by status;
 * the one other writer to the terminal than `out` and `err` (its status keys escaped).
 */
export interface Progress {
  tick(statusKey: string): void;
  stop(): void;
}

/** Starts a progress bar for `total` POSTs. */
export function startProgress(label: string, total: number): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} {statuses}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const counts = new Map<string, number>();
  bar.start(total, 0, { statuses: '' });
  return {
    tick(statusKey) {
      counts.set(statusKey, (counts.get(statusKey) ?? 0) + 1);
      bar.increment(1, { statuses: [...counts].map(([key, n]) => `${terminalText(key)}:${n}`).join(' ') });
    },
    stop: () => bar.stop(),
  };
}
