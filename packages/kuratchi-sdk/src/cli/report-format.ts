import type { StepReport } from 'kuratchi-sdk/internal/setup';

/** A step report as aligned text lines, errors indented under their step. */
export function formatSteps(steps: readonly StepReport[]): string[] {
  const stepWidth = Math.max(...steps.map((s) => s.step.length));
  const statusWidth = Math.max(9, ...steps.map((s) => s.status.length));
  const lines: string[] = [];
  for (const s of steps) {
    lines.push(`  ${s.status.padEnd(statusWidth)} ${s.step.padEnd(stepWidth)}  ${s.detail}`);
    if (s.error) lines.push(`  ${''.padEnd(statusWidth)} ${''.padEnd(stepWidth)}  error: ${s.error}`);
  }
  return lines;
}
