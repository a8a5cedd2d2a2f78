import { invalidateAll } from '$app/navigation';

/**
 * Re-runs the page's load functions every `intervalMs` while the calling component is mounted,
 * so the email log, timelines and charts follow the events as they arrive.
 */
export function autoRefresh(intervalMs = 5000): void {
  $effect(() => {
    const timer = setInterval(() => invalidateAll(), intervalMs);
    return () => clearInterval(timer);
  });
}
